import type { Readable } from 'node:stream';
import type { FileStore } from './file-store.js';

/** Who uploaded a file: a visitor (their visitor id) or an operator (their sender id). */
export interface FileUploader {
  id: string;
  role: 'visitor' | 'operator';
}

/** What `files.beforeStore` is given: the stored file, to read (a virus scan) before anyone may send it. */
export interface FileToCheck {
  name: string;
  /** Sniffed from the content. */
  type: string;
  size: number;
  stream: Readable;
  uploader: FileUploader;
}

export interface FilesOptions {
  /** Where the bytes go. @default GridFS on the chat's Mongoose connection (bucket `chat_files`); in memory with a `store` of your own */
  store?: FileStore;
  /** Bytes per file. @default 10 MiB */
  maxBytes?: number;
  /** Files per message. @default 5 */
  maxPerMessage?: number;
  /**
   * The media types taken, sniffed from the content. Of these only images are ever served inline;
   * SVG, HTML and XML are never taken.
   * @default ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv']
   */
  types?: string[];
  /** Called once a file is stored, before it can be sent; throw a `ChatError` to refuse it (it is deleted). */
  beforeStore?: (file: FileToCheck) => void | Promise<void>;
  /** How long a file's URL in a message works. @default 15 minutes */
  urlTtlMs?: number;
}

export const DEFAULT_FILE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv'] as const;

/** The types the chat can recognise from their content; anything else cannot be in `types`. */
const KNOWN_TYPES = new Set<string>([...DEFAULT_FILE_TYPES, 'image/avif', 'application/zip']);

export interface ResolvedFiles {
  store: FileStore | undefined;
  maxBytes: number;
  maxPerMessage: number;
  types: readonly string[];
  beforeStore: FilesOptions['beforeStore'];
  urlTtlMs: number;
}

export function resolveFiles(options: FilesOptions | undefined): ResolvedFiles | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null) throw new TypeError('parley-chat: files must be an object, e.g. { maxBytes: 10 * 1024 * 1024 }');
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
  const maxPerMessage = options.maxPerMessage ?? 5;
  const urlTtlMs = options.urlTtlMs ?? 15 * 60 * 1000;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError('parley-chat: files.maxBytes must be a positive number of bytes');
  if (!Number.isInteger(maxPerMessage) || maxPerMessage < 1 || maxPerMessage > 20) throw new TypeError('parley-chat: files.maxPerMessage must be 1–20');
  if (!Number.isInteger(urlTtlMs) || urlTtlMs < 60_000) throw new TypeError('parley-chat: files.urlTtlMs must be at least 60000 (one minute)');
  const types = options.types ?? [...DEFAULT_FILE_TYPES];
  const unknown = Array.isArray(types) ? types.filter((type) => !KNOWN_TYPES.has(type)) : ['(not an array)'];
  if (unknown.length > 0 || types.length === 0) {
    throw new TypeError(`parley-chat: files.types takes some of ${[...KNOWN_TYPES].join(', ')}; not ${unknown.join(', ') || 'an empty list'}`);
  }
  const store = options.store;
  if (store !== undefined && (typeof store?.put !== 'function' || typeof store.get !== 'function' || typeof store.delete !== 'function')) {
    throw new TypeError('parley-chat: files.store must have put(), get() and delete() (see FileStore)');
  }
  if (options.beforeStore !== undefined && typeof options.beforeStore !== 'function') throw new TypeError('parley-chat: files.beforeStore must be a function');
  return { store, maxBytes, maxPerMessage, types: [...types], beforeStore: options.beforeStore, urlTtlMs };
}
