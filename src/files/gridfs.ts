import type { Connection } from 'mongoose';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ByteRange, FileStore, StoredFileInfo } from './file-store.js';

/**
 * Files in MongoDB's GridFS, on the chat's own connection (bucket `chat_files` by default): every
 * node reads what any node stored, and the host's backups already hold them.
 */
export class GridFsFileStore implements FileStore {
  readonly #connection: Connection;
  readonly #bucketName: string;
  #cached: { db: unknown; bucket: InstanceType<Connection['base']['mongo']['GridFSBucket']> } | undefined;

  constructor(connection: Connection, options: { bucketName?: string } = {}) {
    this.#connection = connection;
    this.#bucketName = options.bucketName ?? 'chat_files';
  }

  /** One bucket per database handle: a bucket checks its indexes once, before its first upload. */
  get #bucket() {
    const db = this.#connection.db;
    if (!db) throw new Error('parley-chat: the MongoDB connection is not open');
    if (this.#cached?.db !== db) this.#cached = { db, bucket: new this.#connection.base.mongo.GridFSBucket(db, { bucketName: this.#bucketName }) };
    return this.#cached.bucket;
  }

  async put(id: string, stream: Readable, info: StoredFileInfo): Promise<void> {
    const upload = this.#bucket.openUploadStreamWithId(id as never, info.name, { metadata: { type: info.type } });
    try {
      await pipeline(stream, upload);
    } catch (error) {
      // The chunks written so far go with it; a file without its files document is never read.
      await upload.abort().catch(() => undefined);
      throw error;
    }
  }

  async get(id: string, range?: ByteRange): Promise<Readable | null> {
    const bucket = this.#bucket;
    const found = await bucket.find({ _id: id as never }).limit(1).toArray();
    if (found.length === 0) return null;
    // The driver's own stream: destroying it, as a reader that goes away does, closes its cursor.
    return bucket.openDownloadStream(id as never, range ? { start: range.start, end: range.end + 1 } : {});
  }

  async delete(id: string): Promise<void> {
    try {
      await this.#bucket.delete(id as never);
    } catch (error) {
      if (!/not found|FileNotFound/i.test(String((error as Error)?.message))) throw error;
    }
  }
}
