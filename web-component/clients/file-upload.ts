import type { Ack, ChatErrorPayload, ErrorCode, FileLimits, UploadAck } from '../../src/protocol.js';
import type { OutgoingFile, OutgoingMessage } from './outbox.js';

// Files on their way to the chat, the same for the visitor's widget and the team's inbox: the
// checks against the chat's limits before anything goes, and the uploads of an outbox entry's
// files (`POST <basePath>/files`, one file each) with their progress and a way to cancel. No DOM:
// XMLHttpRequest, since fetch() tells nothing of an upload's progress.

/** Why a file was not attached: its name, and what was wrong. */
export interface FileProblem {
  name: string;
  problem: 'too-large' | 'too-many' | 'type';
}

/**
 * Which of `files` may join the `attached` ones already on the message: by size and count, and by
 * the type the browser guessed from the name. That guess is only a first hint, for a quick and
 * clear answer: the server sniffs the content and has the last word.
 */
export function checkFiles<F extends { name: string; type: string; size: number }>(
  files: readonly F[],
  limits: FileLimits,
  attached: number,
): { accepted: F[]; problems: FileProblem[] } {
  const accepted: F[] = [];
  const problems: FileProblem[] = [];
  for (const file of files) {
    // An empty type is a browser that could not guess: the server decides.
    if (file.type && !limits.types.includes(file.type)) problems.push({ name: file.name, problem: 'type' });
    else if (file.size > limits.maxBytes) problems.push({ name: file.name, problem: 'too-large' });
    else if (attached + accepted.length >= limits.maxPerMessage) problems.push({ name: file.name, problem: 'too-many' });
    else accepted.push(file);
  }
  return { accepted, problems };
}

/** How a file is sent: a visitor's token, or (operators) the host's session cookie. */
export type UploadAuth = { token: string | undefined } | { credentials: true };

/** An upload in progress. */
export interface Upload {
  result: Promise<Ack<{ file: UploadAck['file'] }>>;
  abort(): void;
}

const refusal = (code: ErrorCode, message: string, extra: Partial<ChatErrorPayload> = {}): { ok: false; error: ChatErrorPayload } => ({
  ok: false,
  error: { code, message, ...extra },
});

/** An abort, told apart from the server's answers. */
const CANCELLED = 'Upload cancelled';

/**
 * Posts one file to `url` as `multipart/form-data` (one part, `file`); `progress` hears the bytes
 * sent. The answer is the server's JSON; no answer at all (offline, a reset) is a refusal that may
 * pass, as is a server too busy to say.
 */
export function postFile(url: string, file: Blob, name: string, auth: UploadAuth, progress: (sent: number, total: number) => void): Upload {
  const request = new XMLHttpRequest();
  const result = new Promise<Ack<{ file: UploadAck['file'] }>>((resolve) => {
    request.open('POST', url);
    request.responseType = 'json';
    if ('credentials' in auth) request.withCredentials = true;
    else if (auth.token) request.setRequestHeader('Authorization', `Bearer ${auth.token}`);
    request.upload.onprogress = (event) => progress(event.loaded, event.lengthComputable ? event.total : file.size);
    request.onload = () => {
      const body = request.response as Ack<{ file: UploadAck['file'] }> | null;
      if (body && typeof body === 'object' && 'ok' in body) {
        if (!body.ok && request.status >= 500) body.error.retryable = true;
        if (!body.ok && request.status === 429) body.error.retryAfterMs ??= Number(request.getResponseHeader('Retry-After') ?? 3) * 1000;
        resolve(body);
      } else {
        resolve(refusal(request.status >= 500 || request.status === 0 ? 'STORAGE_UNAVAILABLE' : 'INTERNAL', `Upload failed (${request.status})`, { retryable: request.status >= 500 }));
      }
    };
    request.onerror = () => resolve(refusal('STORAGE_UNAVAILABLE', 'Upload failed: no answer', { retryable: true }));
    request.onabort = () => resolve(refusal('VALIDATION', CANCELLED));
    const form = new FormData();
    form.append('file', file, name);
    request.send(form);
  });
  return { result, abort: () => request.abort() };
}

/** How long an upload stays usable: the server deletes one not sent within 10 minutes; a little less, to be safe. */
const UPLOAD_KEPT_MS = 9 * 60_000;

export interface FileUploadsOptions {
  /** `<server><basePath>/files`, as the view's attributes say now. */
  url(): string;
  auth(): UploadAuth;
  /** The file kept under an outgoing file's key, if it still is. */
  blob(key: string): Blob | undefined | Promise<Blob | undefined>;
  /** An upload's progress or outcome changed; `save` when an outgoing file got its id. */
  changed(save: boolean): void;
}

/**
 * The uploads of outbox entries: each entry's files in turn, skipping those already uploaded (and
 * still kept by the server), with the progress of the entry and a way to cancel it. A file neither
 * the page nor the browser kept is marked `lost`: it must be chosen again.
 */
export class FileUploads {
  readonly #options: FileUploadsOptions;
  /** By clientId: bytes sent and to send, and the upload under way. */
  readonly #active = new Map<string, { sent: number; total: number; upload?: Upload }>();

  constructor(options: FileUploadsOptions) {
    this.#options = options;
  }

  /** How far the files of an entry are (0–1), while they upload. */
  progress(clientId: string): number | undefined {
    const active = this.#active.get(clientId);
    return active ? (active.total ? active.sent / active.total : 0) : undefined;
  }

  /** Stops uploading the files of an entry; its upload answers with a refusal. */
  cancel(clientId: string): void {
    this.#active.get(clientId)?.upload?.abort();
    this.#active.delete(clientId);
  }

  /** Uploads what the entry's files need (see the class); the outbox sends the message once this is ok. */
  async upload(entry: OutgoingMessage): Promise<Ack> {
    const files = entry.files ?? [];
    const due = files.filter((file) => !file.id || Date.now() - (file.uploadedAt ?? 0) > UPLOAD_KEPT_MS);
    if (due.length === 0) return { ok: true };
    const blobs = await Promise.all(due.map((file) => this.#options.blob(file.key)));
    const lost = due.filter((_, i) => !blobs[i]);
    if (lost.length) {
      for (const file of lost) file.lost = true;
      this.#options.changed(true);
      return refusal('VALIDATION', `Not kept: ${lost.map((file) => file.name).join(', ')}`);
    }
    const active = { sent: 0, total: due.reduce((sum, file) => sum + file.size, 0) } as { sent: number; total: number; upload?: Upload };
    this.#active.set(entry.clientId, active);
    this.#options.changed(false);
    try {
      let done = 0;
      for (const [i, file] of due.entries()) {
        delete file.id;
        active.upload = postFile(this.#options.url(), blobs[i]!, file.name, this.#options.auth(), (sent) => {
          active.sent = done + Math.min(sent, file.size);
          this.#options.changed(false);
        });
        const ack = await active.upload.result;
        if (this.#active.get(entry.clientId) !== active) return refusal('VALIDATION', CANCELLED);
        if (!ack.ok) return { ok: false, error: { ...ack.error, message: `${file.name}: ${ack.error.message}` } };
        setUploaded(file, ack.file.id);
        done += file.size;
        active.sent = done;
        this.#options.changed(true);
      }
      return { ok: true };
    } finally {
      if (this.#active.get(entry.clientId) === active) this.#active.delete(entry.clientId);
      this.#options.changed(false);
    }
  }
}

function setUploaded(file: OutgoingFile, id: string): void {
  file.id = id;
  file.uploadedAt = Date.now();
}
