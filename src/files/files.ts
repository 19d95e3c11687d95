import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import busboy from 'busboy';
import type { ChatFile, FileLimits, UploadAck } from '../protocol.js';
import { ChatError } from '../server/errors.js';
import type { FileStore } from './file-store.js';
import { FileLinks } from './links.js';
import type { FileUploader, ResolvedFiles } from './options.js';
import { fileOfRecord, type FileRecord, type FileRecords } from './records.js';
import { loadSharp, type SharpModule } from './sharp.js';
import { cleanFileName, SNIFF_BYTES, sniffType, textGuard, withExtensionOf } from './sniff.js';

/** A file no message took this long after its upload is deleted. */
export const UNCLAIMED_FILE_MS = 10 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 1000;
const SWEEP_BATCH = 100;
/** What a multipart body may add around the file (boundaries, part headers) before it is refused by its length. */
const MULTIPART_OVERHEAD_BYTES = 16 * 1024;
/** Images larger than this many pixels are refused: decoding one would take the memory of a huge file. */
const MAX_IMAGE_PIXELS = 50_000_000;
const THUMBNAIL_SIZE = 320;
/**
 * Uploads in progress on this node, and per uploader: each may hold an image whole while sharp
 * decodes it, so their number bounds the memory uploads can take.
 */
const MAX_UPLOADS = 16;
const MAX_UPLOADS_PER_UPLOADER = 3;
/** An upload that sends nothing for this long is given up. */
const UPLOAD_IDLE_MS = 30_000;
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export interface ChatFilesParts {
  options: ResolvedFiles;
  store: FileStore;
  records: FileRecords;
  links: FileLinks;
  report(error: unknown): void;
  warn(message: string): void;
}

/**
 * Files in the chat: uploads streamed into the FileStore with their type sniffed and images cleaned,
 * claims by the messages that send them, and the sweep of files never sent.
 */
export class ChatFiles {
  readonly links: FileLinks;
  readonly #options: ResolvedFiles;
  readonly #store: FileStore;
  readonly #records: FileRecords;
  readonly #report: (error: unknown) => void;
  readonly #warn: (message: string) => void;
  #sharp: Promise<SharpModule | null> | undefined;
  #sweep: ReturnType<typeof setInterval> | undefined;
  #uploads = 0;
  readonly #uploadsBy = new Map<string, number>();

  constructor(parts: ChatFilesParts) {
    this.links = parts.links;
    this.#options = parts.options;
    this.#store = parts.store;
    this.#records = parts.records;
    this.#report = parts.report;
    this.#warn = parts.warn;
  }

  get limits(): FileLimits {
    return { maxBytes: this.#options.maxBytes, maxPerMessage: this.#options.maxPerMessage, types: [...this.#options.types] };
  }

  async init(): Promise<void> {
    await this.#records.init();
    // Once: init runs again each time storage comes back.
    if (!this.#sweep && this.#options.types.some((type) => INLINE_IMAGES.has(type)) && !(await this.hasSharp())) {
      this.#warn('parley-chat: sharp is not installed, so images are kept as uploaded, with their metadata (EXIF, GPS) and no thumbnails; `npm install sharp` to clean them');
    }
    this.#sweep ??= setInterval(() => void this.sweep().catch((error: unknown) => this.#report(error)), SWEEP_EVERY_MS);
    this.#sweep.unref();
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  /** Whether `sharp` is installed: images are then cleaned of their metadata and get thumbnails. */
  async hasSharp(): Promise<boolean> {
    return (await this.#loadSharp()) !== null;
  }

  /**
   * Takes the one file of a multipart upload: refused by its declared length at once when it is
   * too large, else streamed to the store, cut off as soon as it passes `maxBytes`; its type
   * sniffed from its first bytes; images re-encoded without their metadata (with `sharp`).
   */
  async upload(req: IncomingMessage, uploader: FileUploader): Promise<UploadAck['file']> {
    const mine = this.#uploadsBy.get(uploader.id) ?? 0;
    if (this.#uploads >= MAX_UPLOADS || mine >= MAX_UPLOADS_PER_UPLOADER) {
      throw new ChatError('RATE_LIMITED', 'Too many uploads at once; try again in a moment', { retryAfterMs: 1000 });
    }
    this.#uploads++;
    this.#uploadsBy.set(uploader.id, mine + 1);
    try {
      return await this.#receive(req, uploader);
    } finally {
      this.#uploads--;
      const left = (this.#uploadsBy.get(uploader.id) ?? 1) - 1;
      if (left > 0) this.#uploadsBy.set(uploader.id, left);
      else this.#uploadsBy.delete(uploader.id);
    }
  }

  async #receive(req: IncomingMessage, uploader: FileUploader): Promise<UploadAck['file']> {
    if (!/^multipart\/form-data\b/i.test(req.headers['content-type'] ?? '')) {
      throw new ChatError('VALIDATION', 'Send the file as multipart/form-data, in a part named "file"');
    }
    // A body parser of the host's that ran first has read it all: waiting for it would hang.
    if (req.readableEnded || (req as IncomingMessage & { _body?: unknown })._body !== undefined) {
      throw new ChatError('VALIDATION', "The upload was read before the chat got it: mount the chat's routes before body parsers");
    }
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > this.#options.maxBytes + MULTIPART_OVERHEAD_BYTES) throw this.#tooLarge();
    let parser: busboy.Busboy;
    try {
      // UTF-8 names (busboy's default is Latin-1 for the part's parameters).
      parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 0, parts: 1, headerPairs: 20, fileSize: this.#options.maxBytes + 1 } });
    } catch (error) {
      throw new ChatError('VALIDATION', 'The upload is not valid multipart/form-data', { cause: error });
    }
    const received = new Promise<UploadAck['file']>((resolve, reject) => {
      let taken = false;
      parser.on('file', (_field, stream, info) => {
        if (taken) {
          stream.resume();
          return;
        }
        taken = true;
        this.#take(stream, info.filename ?? '', info.mimeType, uploader).then(resolve, reject);
      });
      parser.on('error', (error) => reject(new ChatError('VALIDATION', 'The upload is not valid multipart/form-data', { cause: error })));
      parser.on('close', () => {
        if (!taken) reject(new ChatError('VALIDATION', 'The upload has no file'));
      });
    });
    req.on('aborted', () => parser.destroy(new Error('The upload was aborted')));
    // A client that stops sending holds its upload no longer than this.
    req.setTimeout(UPLOAD_IDLE_MS, () => req.destroy(new Error('The upload stalled')));
    req.pipe(parser);
    return received;
  }

  /**
   * Claims files for a message: each must have been uploaded by `uploaderId` and not sent yet, or
   * sent by this same message (a retry). Resolves with them as messages carry them, in order.
   */
  async claim(ids: readonly string[], uploaderId: string, message: { where: string; clientId: string }): Promise<ChatFile[]> {
    const unique = [...new Set(ids)];
    if (unique.length !== ids.length) throw new ChatError('VALIDATION', 'A file is given twice');
    const claimed = await this.#records.claim(unique, uploaderId, `${uploaderId}\n${message.where}\n${message.clientId}`);
    if (!claimed) {
      throw new ChatError('VALIDATION', 'A file was not found: upload it again (files not sent within 10 minutes are deleted)');
    }
    const byId = new Map(claimed.map((record) => [record.id, record]));
    return unique.map((id) => fileOfRecord(byId.get(id)!));
  }

  /** The record of a file, once a message took it (files not sent are nobody's to read). */
  async sent(id: string): Promise<FileRecord | null> {
    const record = await this.#records.get(id);
    return record && record.claim !== null ? record : null;
  }

  /** Reads a file's bytes (or its thumbnail's), whole or a range. */
  read(record: FileRecord, thumbnail: boolean, range?: { start: number; end: number }): Promise<Readable | null> {
    return this.#store.get(thumbnail ? thumbnailId(record.id) : record.id, range);
  }

  /** A URL of the store's own to send the reader to (S3's presigned URLs), when it makes them. */
  async directUrl(record: FileRecord, thumbnail: boolean): Promise<string | null> {
    if (!this.#store.url) return null;
    return this.#store.url(thumbnail ? thumbnailId(record.id) : record.id, {
      type: thumbnail ? 'image/webp' : record.type,
      name: record.name,
      disposition: contentDisposition(record, thumbnail),
      expiresInSeconds: 300,
    });
  }

  /** Deletes the files no message took within 10 minutes of their upload; returns how many. */
  async sweep(now = Date.now()): Promise<number> {
    const before = new Date(now - UNCLAIMED_FILE_MS);
    let deleted = 0;
    for (const record of await this.#records.unclaimed(before, SWEEP_BATCH)) {
      // The record goes first, and only while still unclaimed: a message sending it this instant wins.
      if (!(await this.#records.deleteUnclaimed(record.id, before))) continue;
      // A pending record's file may have a thumbnail it does not know of yet.
      await this.#deleteBytes(record.id, true);
      deleted++;
    }
    return deleted;
  }

  /** The record of a file, sent or not. */
  record(id: string): Promise<FileRecord | null> {
    return this.#records.get(id);
  }

  /** Files `uploaderId` (see `uploaderOf`) uploaded, at most `limit`. */
  uploadedBy(uploaderId: string, limit: number): Promise<FileRecord[]> {
    return this.#records.uploadedBy(uploaderId, limit);
  }

  /** Files uploaded before `before`, at most `limit`. */
  uploadedBefore(before: Date, limit: number): Promise<FileRecord[]> {
    return this.#records.uploadedBefore(before, limit);
  }

  /**
   * Deletes a file: its bytes and its thumbnail's first, then its record, so that a failure leaves
   * the record for the next attempt to find. Messages that carried it keep its name; reading it
   * answers 404.
   */
  async remove(id: string): Promise<void> {
    await this.#store.delete(id);
    await this.#store.delete(thumbnailId(id));
    await this.#records.delete(id);
  }

  async #take(source: Readable, filename: string, declared: string, uploader: FileUploader): Promise<UploadAck['file']> {
    const id = randomBytes(16).toString('base64url');
    const maxBytes = this.#options.maxBytes;
    // Why the chat refused the stream, if it did: that is the answer, whatever the store then says.
    let refusedWith: ChatError | undefined;
    const refuse = (error: ChatError) => (refusedWith ??= error);
    const chunks = limited(source, maxBytes, () => refuse(this.#tooLarge()));
    // The first bytes, for the type: held back, then sent on with the rest.
    const head: Buffer[] = [];
    let headLength = 0;
    let next = await chunks.next();
    while (!next.done) {
      head.push(next.value);
      headLength += next.value.length;
      if (headLength >= SNIFF_BYTES) break;
      next = await chunks.next();
    }
    if (headLength === 0) {
      throw new ChatError('VALIDATION', 'The file is empty');
    }
    let type: string;
    try {
      type = await sniffType(Buffer.concat(head), filename, declared, this.#options.types);
    } catch (error) {
      // The rest is not read: the answer closes the connection (see the route).
      void chunks.return(undefined);
      throw error;
    }
    // Saved on a disk, a file opens by its name's extension: it must say what the content is.
    const name = withExtensionOf(type, cleanFileName(filename));
    const body = Readable.from(
      (async function* () {
        yield* head;
        if (next.done) return;
        for (let more = await chunks.next(); !more.done; more = await chunks.next()) yield more.value;
      })(),
    );

    const sharp = INLINE_IMAGES.has(type) ? await this.#loadSharp() : null;
    let size = 0;
    let dimensions: { width?: number; height?: number } = {};
    let unreadable: unknown;
    let stored: Readable = body;
    // Text is text to its end, not only in the bytes its type was told from.
    if (type.startsWith('text/')) stored = through(stored, textGuard((error: ChatError) => refuse(error)));
    if (sharp) {
      const image = sharp({ animated: type === 'image/gif' || type === 'image/webp', limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' });
      // JPEG's orientation is metadata: applied to the pixels before the metadata goes.
      const cleaned = (type === 'image/jpeg' ? image.rotate() : image).toFormat(FORMATS[type]!);
      cleaned.on('info', (info: { width?: number; height?: number; pageHeight?: number }) => {
        dimensions = { width: info.width, height: info.pageHeight ?? info.height };
      });
      cleaned.on('error', (error) => (unreadable ??= error));
      stored = through(stored, cleaned);
    }
    const counted = through(
      stored,
      new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(null, chunk);
        },
      }),
    );
    // The record first, pending: were this node to die before the end, the sweep finds the bytes.
    await this.#records.create({ id, name, type, size: 0, thumbnail: false, uploaderId: uploader.id, claim: null, pending: true, createdAt: new Date() });
    try {
      await this.#store.put(id, counted, { type, name });
    } catch (error) {
      void chunks.return(undefined);
      await this.#forget(id);
      if (refusedWith) throw refusedWith;
      if (error instanceof ChatError) throw error;
      // sharp could not decode it: a broken or disguised image, the uploader's to fix.
      if (unreadable !== undefined) throw new ChatError('VALIDATION', 'The image could not be read', { cause: unreadable });
      throw error;
    }

    let thumbnail = false;
    try {
      if (sharp) thumbnail = await this.#thumbnail(sharp, id);
      if (this.#options.beforeStore) {
        const stream = await this.#store.get(id);
        if (!stream) throw new Error(`parley-chat: the file store lost file ${id} as it was stored`);
        // The host may read it or not: what it leaves unread is closed, and its errors go nowhere.
        stream.on('error', () => undefined);
        try {
          await this.#options.beforeStore({ name, type, size, stream, uploader: { ...uploader } });
        } finally {
          stream.destroy();
        }
      }
      await this.#records.complete(id, { size, ...dimensions, thumbnail });
    } catch (error) {
      await this.#forget(id);
      throw error;
    }
    return { id, name, type, size, ...(dimensions.width && dimensions.height ? { width: dimensions.width, height: dimensions.height } : {}) };
  }

  /** A file that will not be: its bytes, its thumbnail's and its record. */
  async #forget(id: string): Promise<void> {
    await this.#deleteBytes(id, true);
    await this.#records.delete(id).catch((error: unknown) => this.#report(error));
  }

  /** A small WebP of the stored image, beside it; false when the image cannot be made one. */
  async #thumbnail(sharp: SharpModule, id: string): Promise<boolean> {
    const original = await this.#store.get(id);
    if (!original) return false;
    const resize = sharp({ limitInputPixels: MAX_IMAGE_PIXELS })
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 75 });
    original.on('error', (error) => resize.destroy(error));
    try {
      await this.#store.put(thumbnailId(id), original.pipe(resize), { type: 'image/webp', name: 'thumbnail.webp' });
      return true;
    } catch (error) {
      this.#report(error);
      await this.#store.delete(thumbnailId(id)).catch(() => undefined);
      return false;
    }
  }

  async #deleteBytes(id: string, thumbnail: boolean): Promise<void> {
    await this.#store.delete(id).catch((error: unknown) => this.#report(error));
    if (thumbnail) await this.#store.delete(thumbnailId(id)).catch((error: unknown) => this.#report(error));
  }

  #loadSharp(): Promise<SharpModule | null> {
    this.#sharp ??= loadSharp();
    return this.#sharp;
  }

  #tooLarge(): ChatError {
    return new ChatError('TOO_LARGE', `Files are at most ${formatBytes(this.#options.maxBytes)}`);
  }
}

const FORMATS: Record<string, 'png' | 'jpeg' | 'gif' | 'webp'> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

export function thumbnailId(id: string): string {
  return `${id}_thumbnail`;
}

/** Inline only for the images that are safe to show; everything else is downloaded, under its own name. */
export function contentDisposition(record: Pick<FileRecord, 'name' | 'type'>, thumbnail: boolean): string {
  const inline = thumbnail || INLINE_IMAGES.has(record.type);
  const ascii = record.name.replace(/[^\x20-\x7E]|["\\%]/g, '_');
  // RFC 5987 leaves out ' ( ) * too, which encodeURIComponent keeps.
  const encoded = encodeURIComponent(record.name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** `source` piped into `next`, its errors carried on, so the end of the chain sees every failure. */
function through<T extends NodeJS.ReadWriteStream & Readable>(source: Readable, next: T): T {
  source.on('error', (error) => next.destroy(error));
  return source.pipe(next);
}

/** The source's chunks, failing with `tooLarge()` as soon as they pass `maxBytes` in all. */
async function* limited(source: Readable, maxBytes: number, tooLarge: () => Error): AsyncGenerator<Buffer, void, undefined> {
  let total = 0;
  for await (const chunk of source) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) throw tooLarge();
    yield chunk as Buffer;
  }
  // busboy stops at its own limit (one byte more than ours) and says so.
  if ((source as Readable & { truncated?: boolean }).truncated) throw tooLarge();
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
