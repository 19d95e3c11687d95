import type { Connection } from 'mongoose';
import { rawOperationOptions } from '../stores/mongoose/raw-options.js';
import type { ChatFile } from '../protocol.js';

/**
 * What the chat knows of an uploaded file, beside its bytes in the FileStore. `claim` is null
 * until a message takes the file; then it names that message (`<senderId>\n<where>\n<clientId>`),
 * so that a retry of the same message takes it again and no other message can.
 */
export interface FileRecord {
  id: string;
  name: string;
  type: string;
  size: number;
  width?: number | undefined;
  height?: number | undefined;
  /** A thumbnail is stored beside it, as `<id>_thumbnail`. */
  thumbnail: boolean;
  uploaderId: string;
  claim: string | null;
  /** Still being uploaded (or its node died meanwhile): no message can take it yet. */
  pending: boolean;
  createdAt: Date;
}

/** What an upload learns of its file once it is stored. */
export type StoredDetails = Pick<FileRecord, 'size' | 'width' | 'height' | 'thumbnail'>;

/**
 * Who uploaded a file and the message that took it, as claims name them: `v:<visitorId>` or
 * `o:<operatorId>`, then where the message went: `room:<room>`, `inbox:<inbox>` (a visitor's own
 * conversation), `c:<conversationId>` or `n:<conversationId>` (an operator's message or note).
 */
export function uploaderOf(visitorOrOperator: { visitorId: string } | { operatorId: string }): string {
  return 'visitorId' in visitorOrOperator ? `v:${visitorOrOperator.visitorId}` : `o:${visitorOrOperator.operatorId}`;
}

/** Where the chat keeps its file records: the chat's MongoDB, or memory beside a MemoryStore. */
export interface FileRecords {
  init(): Promise<void>;
  /** A pending record, made before the bytes are stored. */
  create(record: FileRecord): Promise<void>;
  /** The upload is done: the record takes what it learnt and stops being pending. */
  complete(id: string, details: StoredDetails): Promise<void>;
  delete(id: string): Promise<void>;
  /**
   * Claims the files `ids` for the message `claim`, all or none: each must have been uploaded by
   * `uploaderId`, be stored, and not be taken by another message (taken by this one is fine: a
   * retry). Returns the records, or null when any of them cannot be taken (and none is).
   */
  claim(ids: readonly string[], uploaderId: string, claim: string): Promise<FileRecord[] | null>;
  get(id: string): Promise<FileRecord | null>;
  /** Files no message took, uploaded before `before`. */
  unclaimed(before: Date, limit: number): Promise<FileRecord[]>;
  /** Deletes the record if it is still unclaimed and older than `before`; says whether it did. */
  deleteUnclaimed(id: string, before: Date): Promise<boolean>;
  /** Files `uploaderId` uploaded, at most `limit` (for their erasure). */
  uploadedBy(uploaderId: string, limit: number): Promise<FileRecord[]>;
  /** Files uploaded before `before`, oldest first, at most `limit` (for retention). */
  uploadedBefore(before: Date, limit: number): Promise<FileRecord[]>;
}

/** A file as messages carry it: its URLs relative to the chat's base path until signed for a reader. */
export function fileOfRecord(record: Pick<FileRecord, 'id' | 'name' | 'type' | 'size' | 'width' | 'height'> & { thumbnail?: boolean | undefined }): ChatFile {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    size: record.size,
    ...(record.width && record.height ? { width: record.width, height: record.height } : {}),
    url: `files/${record.id}`,
    ...(record.thumbnail ? { thumbnailUrl: `files/${record.id}/thumbnail` } : {}),
  };
}

export class MemoryFileRecords implements FileRecords {
  readonly #records = new Map<string, FileRecord>();

  async init(): Promise<void> {}

  async create(record: FileRecord): Promise<void> {
    this.#records.set(record.id, { ...record });
  }

  async complete(id: string, details: StoredDetails): Promise<void> {
    const record = this.#records.get(id);
    if (record) Object.assign(record, details, { pending: false });
  }

  async delete(id: string): Promise<void> {
    this.#records.delete(id);
  }

  async claim(ids: readonly string[], uploaderId: string, claim: string): Promise<FileRecord[] | null> {
    const records = ids.map((id) => this.#records.get(id));
    if (!records.every((record) => record && claimable(record, uploaderId, claim))) return null;
    for (const record of records) record!.claim = claim;
    return records.map((record) => ({ ...record! }));
  }

  async get(id: string): Promise<FileRecord | null> {
    const record = this.#records.get(id);
    return record ? { ...record } : null;
  }

  async unclaimed(before: Date, limit: number): Promise<FileRecord[]> {
    const found: FileRecord[] = [];
    for (const record of this.#records.values()) {
      if (found.length >= limit) break;
      if (record.claim === null && record.createdAt < before) found.push({ ...record });
    }
    return found;
  }

  async uploadedBy(uploaderId: string, limit: number): Promise<FileRecord[]> {
    return this.#find((record) => record.uploaderId === uploaderId, limit);
  }

  async uploadedBefore(before: Date, limit: number): Promise<FileRecord[]> {
    return this.#find((record) => record.createdAt < before, limit);
  }

  #find(matches: (record: FileRecord) => boolean, limit: number): FileRecord[] {
    const found: FileRecord[] = [];
    for (const record of this.#records.values()) {
      if (found.length >= limit) break;
      if (matches(record)) found.push({ ...record });
    }
    return found;
  }

  async deleteUnclaimed(id: string, before: Date): Promise<boolean> {
    const record = this.#records.get(id);
    if (!record || record.claim !== null || record.createdAt >= before) return false;
    this.#records.delete(id);
    return true;
  }
}

interface FileRecordDoc extends Omit<FileRecord, 'id'> {
  _id: string;
}

/** File records in the chat's MongoDB (`<prefix>file_records`), through the raw driver with the chat's timeouts. */
export class MongoFileRecords implements FileRecords {
  readonly #connection: Connection;
  readonly #name: string;
  readonly #options: ReturnType<typeof rawOperationOptions>;

  constructor(connection: Connection, prefix: string, timeoutMs: number) {
    this.#connection = connection;
    this.#name = `${prefix}file_records`;
    this.#options = rawOperationOptions(timeoutMs);
  }

  get #collection() {
    return this.#connection.collection<FileRecordDoc>(this.#name);
  }

  async init(): Promise<void> {
    // The sweep of files no message took: unclaimed, oldest first.
    await this.#collection.createIndex({ claim: 1, createdAt: 1 }, { name: 'claim_createdAt' });
    // A visitor's files, for their erasure; every file by age, for retention.
    await this.#collection.createIndex({ uploaderId: 1 }, { name: 'uploaderId' });
    await this.#collection.createIndex({ createdAt: 1 }, { name: 'createdAt' });
  }

  async create(record: FileRecord): Promise<void> {
    const { id, ...rest } = record;
    await this.#collection.insertOne({ _id: id, ...rest }, this.#options.write() as never);
  }

  async complete(id: string, details: StoredDetails): Promise<void> {
    const set = { ...details, pending: false };
    await this.#collection.updateOne({ _id: id }, { $set: set }, this.#options.write() as never);
  }

  async delete(id: string): Promise<void> {
    await this.#collection.deleteOne({ _id: id }, this.#options.write() as never);
  }

  async claim(ids: readonly string[], uploaderId: string, claim: string): Promise<FileRecord[] | null> {
    // Ids and the uploader are strings checked by the caller; the filters hold no operator from outside.
    // Read from the primary: a secondary may not have the last upload or claim yet.
    const read = async () =>
      (await this.#collection.find({ _id: { $in: [...ids] } }, this.#options.read()).toArray()).map(recordOfDoc);
    const before = await read();
    // Checked first, so that a message refused for one file takes none of the others.
    if (before.length !== ids.length || !before.every((record) => claimable(record, uploaderId, claim))) return null;
    const fresh = before.filter((record) => record.claim === null).map((record) => record.id);
    if (fresh.length > 0) {
      await this.#collection.updateMany(
        { _id: { $in: fresh }, uploaderId, claim: null, pending: { $ne: true } },
        { $set: { claim } },
        this.#options.write() as never,
      );
    }
    const after = await read();
    if (after.length === ids.length && after.every((record) => record.claim === claim)) return ids.map((id) => after.find((record) => record.id === id)!);
    // Another message took one in between: give back those this call took.
    const taken = after.filter((record) => record.claim === claim && fresh.includes(record.id)).map((record) => record.id);
    if (taken.length > 0) await this.#collection.updateMany({ _id: { $in: taken }, claim }, { $set: { claim: null } }, this.#options.write() as never);
    return null;
  }

  async get(id: string): Promise<FileRecord | null> {
    const doc = await this.#collection.findOne({ _id: id }, this.#options.read());
    return doc ? recordOfDoc(doc) : null;
  }

  async unclaimed(before: Date, limit: number): Promise<FileRecord[]> {
    const docs = await this.#collection
      .find({ claim: null, createdAt: { $lt: before } }, this.#options.read())
      .sort({ createdAt: 1 })
      .limit(limit)
      .toArray();
    return docs.map(recordOfDoc);
  }

  async uploadedBy(uploaderId: string, limit: number): Promise<FileRecord[]> {
    const docs = await this.#collection.find({ uploaderId }, this.#options.read()).limit(limit).toArray();
    return docs.map(recordOfDoc);
  }

  async uploadedBefore(before: Date, limit: number): Promise<FileRecord[]> {
    const docs = await this.#collection.find({ createdAt: { $lt: before } }, this.#options.read()).sort({ createdAt: 1 }).limit(limit).toArray();
    return docs.map(recordOfDoc);
  }

  async deleteUnclaimed(id: string, before: Date): Promise<boolean> {
    const result = await this.#collection.deleteOne({ _id: id, claim: null, createdAt: { $lt: before } }, this.#options.write() as never);
    return result.deletedCount === 1;
  }
}

function recordOfDoc(doc: FileRecordDoc): FileRecord {
  return {
    id: String(doc._id),
    name: doc.name,
    type: doc.type,
    size: doc.size,
    width: doc.width ?? undefined,
    height: doc.height ?? undefined,
    thumbnail: doc.thumbnail === true,
    uploaderId: doc.uploaderId,
    claim: doc.claim ?? null,
    pending: doc.pending === true,
    createdAt: new Date(doc.createdAt),
  };
}

/** Whether `uploaderId` may send the file in the message `claim`. */
function claimable(record: FileRecord, uploaderId: string, claim: string): boolean {
  return record.uploaderId === uploaderId && !record.pending && (record.claim === null || record.claim === claim);
}
