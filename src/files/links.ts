import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ChatFile, ChatMessage } from '../protocol.js';

/**
 * Who a file's URL is signed for: a visitor reading their own conversation (`v:<visitorId>`), the
 * team of an inbox (`t:<inbox>`), or anyone in a public room (`r:<room>`). A URL is made only for
 * a reader the message is sent to, so holding one proves that reader could read the file.
 */
export type FileReader = `v:${string}` | `t:${string}` | `r:${string}`;

/** Expiries are rounded up to this step, so a file's URL stays the same for a while and caches. */
const EXPIRY_STEP_MS = 5 * 60 * 1000;

/** Signs file URLs for their readers, and checks them. */
export class FileLinks {
  readonly #key: Buffer;
  readonly #basePath: string;
  readonly #ttlMs: number;

  constructor(secret: string, basePath: string, ttlMs: number) {
    // A key of its own, so a file signature can never stand in for anything else the secret signs.
    this.#key = createHmac('sha256', secret).update('parley-chat file links').digest();
    this.#basePath = basePath;
    this.#ttlMs = ttlMs;
  }

  /** The messages as `reader` receives them: their files' URLs signed for them. Costs nothing without files. */
  messages<M extends ChatMessage>(messages: M[], reader: FileReader): M[] {
    if (!messages.some((message) => message.files)) return messages;
    const expires = this.#expiry();
    return messages.map((message) => (message.files ? this.#signed(message, reader, expires) : message));
  }

  message<M extends ChatMessage>(message: M, reader: FileReader): M {
    return message.files ? this.#signed(message, reader, this.#expiry()) : message;
  }

  /** A URL of the file signed for `reader`, and when it expires (an export's links). */
  fileUrl(file: ChatFile, reader: FileReader): { url: string; expires: number } {
    const expires = this.#expiry();
    return { url: this.#file(file, reader, expires).url, expires };
  }

  /** The reader a URL's query was signed for, if the signature is good, for this file, and not expired. */
  verify(id: string, query: URLSearchParams, now = Date.now()): FileReader | null {
    const reader = query.get('r');
    const expires = Number(query.get('e'));
    const signature = query.get('s');
    if (!reader || !/^[vtr]:/.test(reader) || !signature || !Number.isSafeInteger(expires) || expires <= now) return null;
    const expected = Buffer.from(this.#signature(id, reader, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? (reader as FileReader) : null;
  }

  #expiry(): number {
    return Math.ceil((Date.now() + this.#ttlMs) / EXPIRY_STEP_MS) * EXPIRY_STEP_MS;
  }

  #signed<M extends ChatMessage>(message: M, reader: FileReader, expires: number): M {
    return { ...message, files: message.files!.map((file) => this.#file(file, reader, expires)) };
  }

  #file(file: ChatFile, reader: FileReader, expires: number): ChatFile {
    const query = `?r=${encodeURIComponent(reader)}&e=${expires}&s=${this.#signature(file.id, reader, expires)}`;
    const path = `${this.#basePath}/files/${file.id}`;
    return { ...file, url: path + query, ...(file.thumbnailUrl ? { thumbnailUrl: `${path}/thumbnail${query}` } : {}) };
  }

  #signature(id: string, reader: string, expires: number): string {
    return createHmac('sha256', this.#key).update(`${id}\n${reader}\n${expires}`).digest('base64url');
  }
}

/** `messages` as `reader` receives them, when the chat takes files (see `FileLinks.messages`). */
export function forReader<M extends ChatMessage>(links: FileLinks | undefined, messages: M[], reader: FileReader): M[] {
  return links ? links.messages(messages, reader) : messages;
}

/** One message as `reader` receives it. */
export function oneForReader<M extends ChatMessage>(links: FileLinks | undefined, message: M, reader: FileReader): M {
  return links ? links.message(message, reader) : message;
}
