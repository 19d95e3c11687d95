import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../stores/mongoose/message-log.js';
import { rawOperationOptions } from '../stores/mongoose/raw-options.js';

/** A saved reply as stored (see `SavedReply` for what each field means). */
export interface SavedReplyRecord {
  id: string;
  shortcut: string;
  text: string;
  inbox: string | null;
  owner: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Whose replies to list: the team's for `inboxes` (and those for every inbox), and `owner`'s own. */
export interface SavedReplyQuery {
  inboxes: readonly string[] | '*';
  /** An operator's id: their personal replies too. */
  owner?: string | undefined;
  limit: number;
}

/** Where saved replies live: the chat's MongoDB, or memory beside a MemoryStore. */
export interface SavedReplyStore {
  init(): Promise<void>;
  list(query: SavedReplyQuery): Promise<SavedReplyRecord[]>;
  get(id: string): Promise<SavedReplyRecord | null>;
  /** How many replies one scope (inbox and owner) holds. */
  count(scope: Pick<SavedReplyRecord, 'inbox' | 'owner'>): Promise<number>;
  /** Adds it; false when its scope already has its shortcut. */
  insert(record: SavedReplyRecord): Promise<boolean>;
  /** Replaces the reply with `record.id`; false when the shortcut is taken in the new scope. Null when it is gone. */
  replace(record: SavedReplyRecord): Promise<boolean | null>;
  /** Finds the reply of a scope by its shortcut (how a retried save finds what it saved). */
  byShortcut(scope: Pick<SavedReplyRecord, 'inbox' | 'owner' | 'shortcut'>): Promise<SavedReplyRecord | null>;
  remove(id: string): Promise<boolean>;
}

const scopeKey = (record: Pick<SavedReplyRecord, 'inbox' | 'owner' | 'shortcut'>) => JSON.stringify([record.owner, record.inbox, record.shortcut]);

function visible(record: SavedReplyRecord, query: SavedReplyQuery): boolean {
  if (record.owner !== null && record.owner !== query.owner) return false;
  return record.inbox === null || query.inboxes === '*' || query.inboxes.includes(record.inbox);
}

const byShortcutThenScope = (a: SavedReplyRecord, b: SavedReplyRecord) =>
  a.shortcut < b.shortcut ? -1 : a.shortcut > b.shortcut ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

/** Saved replies in process memory: for one node on a MemoryStore. Bounded by the per-scope limit of the API. */
export class MemorySavedReplyStore implements SavedReplyStore {
  readonly #replies = new Map<string, SavedReplyRecord>();

  async init(): Promise<void> {}

  async list(query: SavedReplyQuery): Promise<SavedReplyRecord[]> {
    return [...this.#replies.values()]
      .filter((record) => visible(record, query))
      .sort(byShortcutThenScope)
      .slice(0, query.limit)
      .map((record) => ({ ...record }));
  }

  async get(id: string): Promise<SavedReplyRecord | null> {
    const record = this.#replies.get(id);
    return record ? { ...record } : null;
  }

  async count(scope: Pick<SavedReplyRecord, 'inbox' | 'owner'>): Promise<number> {
    let count = 0;
    for (const record of this.#replies.values()) if (record.inbox === scope.inbox && record.owner === scope.owner) count++;
    return count;
  }

  async insert(record: SavedReplyRecord): Promise<boolean> {
    if (this.#taken(record)) return false;
    this.#replies.set(record.id, { ...record });
    return true;
  }

  async replace(record: SavedReplyRecord): Promise<boolean | null> {
    if (!this.#replies.has(record.id)) return null;
    if (this.#taken(record)) return false;
    this.#replies.set(record.id, { ...record });
    return true;
  }

  async byShortcut(scope: Pick<SavedReplyRecord, 'inbox' | 'owner' | 'shortcut'>): Promise<SavedReplyRecord | null> {
    for (const record of this.#replies.values()) if (scopeKey(record) === scopeKey(scope)) return { ...record };
    return null;
  }

  async remove(id: string): Promise<boolean> {
    return this.#replies.delete(id);
  }

  #taken(record: SavedReplyRecord): boolean {
    for (const other of this.#replies.values()) if (other.id !== record.id && scopeKey(other) === scopeKey(record)) return true;
    return false;
  }
}

interface SavedReplyDoc extends Omit<SavedReplyRecord, 'id'> {
  _id: string;
}

/** Saved replies in the chat's MongoDB (`<prefix>saved_replies`), through the raw driver, written with `w: 'majority'`. */
export class MongoSavedReplyStore implements SavedReplyStore {
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #options: ReturnType<typeof rawOperationOptions>;

  constructor(connection: Connection, prefix: string, timeoutMs: number) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#options = rawOperationOptions(timeoutMs);
  }

  get #replies() {
    return this.#connection.collection<SavedReplyDoc>(`${this.#prefix}saved_replies`);
  }

  get #read() {
    return this.#options.read();
  }

  get #write() {
    return this.#options.write();
  }

  async init(): Promise<void> {
    // One shortcut per scope, however many operators save at once.
    await this.#replies.createIndex({ owner: 1, inbox: 1, shortcut: 1 }, { name: 'owner_inbox_shortcut', unique: true });
  }

  async list(query: SavedReplyQuery): Promise<SavedReplyRecord[]> {
    const inbox = query.inboxes === '*' ? {} : { inbox: { $in: [null, ...query.inboxes] } };
    const owners = query.owner === undefined ? [null] : [null, query.owner];
    const docs = await this.#replies
      .find({ owner: { $in: owners }, ...inbox }, this.#read)
      .sort({ shortcut: 1, _id: 1 })
      .limit(query.limit)
      .toArray();
    return docs.map(recordOf);
  }

  async get(id: string): Promise<SavedReplyRecord | null> {
    const doc = await this.#replies.findOne({ _id: id }, this.#read);
    return doc && recordOf(doc);
  }

  async count(scope: Pick<SavedReplyRecord, 'inbox' | 'owner'>): Promise<number> {
    return this.#replies.countDocuments({ inbox: scope.inbox, owner: scope.owner }, this.#read);
  }

  async insert(record: SavedReplyRecord): Promise<boolean> {
    const { id, ...rest } = record;
    try {
      await this.#replies.insertOne({ _id: id, ...rest }, this.#write);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async replace(record: SavedReplyRecord): Promise<boolean | null> {
    const { id, createdAt: _createdAt, ...rest } = record;
    try {
      const result = await this.#replies.updateOne({ _id: id }, { $set: rest }, this.#write);
      return result.matchedCount === 0 ? null : true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async byShortcut(scope: Pick<SavedReplyRecord, 'inbox' | 'owner' | 'shortcut'>): Promise<SavedReplyRecord | null> {
    const doc = await this.#replies.findOne({ owner: scope.owner, inbox: scope.inbox, shortcut: scope.shortcut }, this.#read);
    return doc && recordOf(doc);
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.#replies.deleteOne({ _id: id }, this.#write);
    return result.deletedCount > 0;
  }
}

function recordOf(doc: SavedReplyDoc): SavedReplyRecord {
  return {
    id: doc._id,
    shortcut: doc.shortcut,
    text: doc.text,
    inbox: doc.inbox ?? null,
    owner: doc.owner ?? null,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
}
