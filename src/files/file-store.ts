import type { Readable } from 'node:stream';

/**
 * Where the chat keeps the bytes of files: GridFS on the chat's own MongoDB connection by default
 * (`GridFsFileStore`), or anything that can store a stream under an id, such as S3. The chat keeps
 * what it knows of each file (who sent it, where, its sniffed type) in its own store; a FileStore
 * only keeps bytes.
 */
export interface FileStore {
  /**
   * Stores the stream's bytes under `id` (made by the chat, `[A-Za-z0-9_-]`, unique). Resolves
   * once they are all stored; rejects when the stream errors (the chat cut it: too large,
   * refused), having kept nothing, or at least nothing `get` would return.
   */
  put(id: string, stream: Readable, info: StoredFileInfo): Promise<void>;
  /**
   * The file's bytes, whole or from `range.start` to `range.end` (inclusive, both within the
   * file); null when there is no such file.
   */
  get(id: string, range?: ByteRange): Promise<Readable | null>;
  /** Removes the file; no error when it is not there. */
  delete(id: string): Promise<void>;
  /**
   * Optional: a URL the file can be read from directly, valid for `expiresInSeconds`, served with
   * `info`'s type and disposition (e.g. an S3 presigned URL). The chat checks who may read the
   * file first and redirects there instead of streaming the bytes itself.
   */
  url?(id: string, info: StoredFileInfo & { disposition: string; expiresInSeconds: number }): Promise<string>;
}

/** What the chat tells the store of a file. */
export interface StoredFileInfo {
  /** The sniffed media type. */
  type: string;
  /** The uploaded name, cleaned. */
  name: string;
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}
