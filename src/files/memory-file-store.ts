import { Readable } from 'node:stream';
import type { ByteRange, FileStore } from './file-store.js';

/** Files in this process's memory: for tests and prototypes beside a MemoryStore, one node only. */
export class MemoryFileStore implements FileStore {
  readonly #files = new Map<string, Buffer>();

  async put(id: string, stream: Readable): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    this.#files.set(id, Buffer.concat(chunks));
  }

  async get(id: string, range?: ByteRange): Promise<Readable | null> {
    const bytes = this.#files.get(id);
    if (!bytes) return null;
    return Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]);
  }

  async delete(id: string): Promise<void> {
    this.#files.delete(id);
  }
}
