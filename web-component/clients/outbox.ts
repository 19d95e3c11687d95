import type { Ack, ChatErrorPayload, ChatMessage } from '../../src/protocol.js';
import { load, save } from '../shared/storage.js';

/**
 * A file of an outgoing message. The file itself is not here (localStorage keeps text): the view
 * that attached it keeps it by `key`, and uploads it before the message goes.
 */
export interface OutgoingFile {
  /** Made by the client: where the view keeps the file (in memory, and in IndexedDB where it can). */
  key: string;
  name: string;
  type: string;
  size: number;
  /** The server's id once uploaded, and when (an upload not sent within 10 minutes is deleted). */
  id?: string;
  uploadedAt?: number;
  /** Neither this page nor IndexedDB kept the file: the sender must choose it again. */
  lost?: boolean;
}

/** A message of this client that the server has not acknowledged yet. */
export interface OutgoingMessage {
  clientId: string;
  /** May be empty when it has files. */
  message: string;
  files?: OutgoingFile[];
  createdAt: string;
  status: 'pending' | 'failed';
  error?: ChatErrorPayload;
  /** Operators only: a note. */
  note?: boolean;
  /** It was sent before without an answer: the next send tells the server it is a retry. */
  sent?: boolean;
}

export interface OutboxEvents {
  /** The server stored an entry: it left the outbox. */
  stored(message: ChatMessage): void;
  /** The server refused an entry for good: it stays, marked failed, until retried. */
  failed(error: ChatErrorPayload): void;
  change(): void;
  /**
   * Uploads the files of an entry that has any, setting their ids, before it goes; a refusal is
   * handled like the server's answer to the message.
   */
  upload?(entry: OutgoingMessage): Promise<Ack> | undefined;
}

const RETRY_DELAY_MS = 3_000;
/** The view that uploads files has not loaded (yet): try again in a moment. */
const NOT_READY: ChatErrorPayload = { code: 'STORAGE_UNAVAILABLE', message: 'Uploading files is not ready yet', retryable: true };
const ACK_TIMEOUT_MS = 10_000;

/**
 * Messages on their way to the server, kept (in localStorage, when there is a key) until it
 * acknowledges each one, so a reload or a lost connection loses nothing. Sent in order, one at a
 * time; a message without an answer is sent again with the same clientId, which the server
 * stores once.
 */
export class Outbox {
  readonly #storageKey: string | undefined;
  readonly #events: OutboxEvents;
  #entries: OutgoingMessage[];
  #flushing = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #send: Sender | undefined;

  constructor(storageKey: string | undefined, events: OutboxEvents) {
    this.#storageKey = storageKey;
    this.#events = events;
    this.#entries = (storageKey ? load<OutgoingMessage[]>(storageKey) : undefined) ?? [];
  }

  get entries(): readonly OutgoingMessage[] {
    return this.#entries;
  }

  add(message: string, extra: Pick<OutgoingMessage, 'note' | 'files'> = {}): OutgoingMessage {
    const entry: OutgoingMessage = { clientId: newClientId(), message, createdAt: new Date().toISOString(), status: 'pending', ...extra };
    this.#entries.push(entry);
    this.#persist();
    this.#events.change();
    return entry;
  }

  retry(clientId: string): void {
    const entry = this.#entries.find((item) => item.clientId === clientId);
    if (!entry) return;
    entry.status = 'pending';
    delete entry.error;
    // A refused message may have named an upload the server no longer has: upload again.
    for (const file of entry.files ?? []) delete file.id;
    this.#persist();
    this.#events.change();
    void this.flush();
  }

  /** Takes an entry back (a cancelled upload, files to choose again); an upload under way ends unanswered. */
  remove(clientId: string): void {
    this.drop(new Set([clientId]));
    this.#events.change();
  }

  /** Keeps what changed in the entries (an upload's id) across a reload. */
  save(): void {
    this.#persist();
  }

  /** Drops entries the server already has (seen in a catch-up after their ack was lost). */
  drop(clientIds: ReadonlySet<string>): void {
    if (!this.#entries.some((entry) => clientIds.has(entry.clientId))) return;
    this.#entries = this.#entries.filter((entry) => !clientIds.has(entry.clientId));
    this.#persist();
  }

  /** Where entries go; undefined while the connection cannot take them (flushed again once it can). */
  setSender(send: Sender | undefined): void {
    this.#send = send;
  }

  async flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    clearTimeout(this.#retryTimer);
    try {
      // The first pending entry each time round, so entries added during a send go out too.
      for (;;) {
        const send = this.#send;
        const entry = this.#entries.find((item) => item.status === 'pending');
        if (!send || !entry) return;
        let ack: Ack<{ message: ChatMessage }> | Ack = { ok: true };
        try {
          if (entry.files?.length) ack = (await this.#events.upload?.(entry)) ?? { ok: false, error: NOT_READY };
        } catch {
          ack = { ok: false, error: NOT_READY };
        }
        // Taken back while its files were uploading.
        if (!this.#entries.includes(entry)) continue;
        if (!ack.ok) {
          if (this.#refused(entry, ack.error)) continue;
          return;
        }
        // Noted before it goes, so that after a reload, too, the next send says it is a retry.
        const retry = entry.sent === true;
        if (!retry) {
          entry.sent = true;
          this.#persist();
        }
        try {
          ack = await send(entry, retry);
        } catch {
          this.#scheduleRetry(RETRY_DELAY_MS); // no answer; the clientId makes a resend safe
          return;
        }
        if (ack.ok) {
          this.#entries = this.#entries.filter((item) => item !== entry);
          this.#events.stored((ack as { message: ChatMessage }).message);
          this.#persist();
          this.#events.change();
        } else if (!this.#refused(entry, ack.error)) {
          return;
        }
      }
    } finally {
      this.#flushing = false;
    }
  }

  stop(): void {
    clearTimeout(this.#retryTimer);
    this.#send = undefined;
  }

  /**
   * The server (or an upload) said no: a refusal that may pass is tried again later (false: stop
   * flushing until then); any other marks the entry failed (true: go on with the next).
   */
  #refused(entry: OutgoingMessage, error: ChatErrorPayload): boolean {
    if (error.retryable || error.code === 'RATE_LIMITED') {
      this.#scheduleRetry(error.retryAfterMs ?? RETRY_DELAY_MS);
      return false;
    }
    entry.status = 'failed';
    entry.error = error;
    this.#events.failed(error);
    this.#persist();
    this.#events.change();
    return true;
  }

  #scheduleRetry(ms: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.flush(), ms);
  }

  #persist(): void {
    if (this.#storageKey) save(this.#storageKey, this.#entries);
  }
}

/** Sends an entry; `retry` says it was sent before, without an answer. */
type Sender = (entry: OutgoingMessage, retry: boolean) => Promise<Ack<{ message: ChatMessage }>>;

/** How long a client waits for an acknowledgement before it treats the request as unanswered. */
export { ACK_TIMEOUT_MS };

export function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
