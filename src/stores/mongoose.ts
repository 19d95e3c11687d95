import type { Connection, Model, Mongoose, Schema } from 'mongoose';
import type { ChatMessage } from '../protocol.js';
import { ChatError } from '../internal/errors.js';
import type {
  AppendResult,
  ChatStore,
  MessageDraft,
  MessagePage,
  MessageQuery,
  UserDetails,
  UserRecord,
} from './types.js';

export interface MongooseStoreOptions {
  /**
   * Where the chat's models are registered: a Connection from `mongoose.createConnection()`,
   * or the `mongoose` instance itself to use its default connection.
   */
  mongoose: Connection | Mongoose;
  /**
   * Prefix of the chat's model and collection names (`chat_messages`, `chat_users`,
   * `chat_counters`), so they never clash with the host app's own models.
   * @default 'chat_'
   */
  prefix?: string;
}

interface MessageDoc {
  _id: { toString(): string };
  room: string;
  seq: number;
  sender: { id: string; name: string };
  message: string;
  clientId: string;
  timestamp: Date;
}

interface UserDoc {
  visitorId: string;
  name: string;
  email: string;
  phone: string;
  createdAt: Date;
  updatedAt: Date;
}

interface CounterDoc {
  _id: string;
  seq: number;
}

// Schemas this module made, so a model found already registered under our name is reused only
// when it is ours (a second chat server on the same connection), never a host model.
const ownSchemas = new WeakSet<Schema>();

const DUPLICATE_KEY = 11000;
const CONNECTED = 1;

// Never relying on the host app's global Mongoose settings: every schema sets its own.
const SCHEMA_OPTIONS = {
  strict: 'throw',
  strictQuery: 'throw',
  autoIndex: false,
  autoCreate: false,
  versionKey: false,
} as const;

/**
 * Stores the chat in MongoDB through the host app's Mongoose connection. The connection is
 * the host's: the store never opens or closes it.
 */
export class MongooseStore implements ChatStore {
  readonly #connection: Connection;
  readonly #messages: Model<MessageDoc>;
  readonly #users: Model<UserDoc>;
  readonly #counters: Model<CounterDoc>;

  constructor(options: MongooseStoreOptions) {
    const connection = toConnection(options.mongoose);
    const prefix = options.prefix ?? 'chat_';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(prefix)) {
      throw new TypeError(`parley-chat: prefix must be letters, digits and underscores; got ${JSON.stringify(prefix)}`);
    }
    this.#connection = connection;
    const { Schema } = connection.base;

    const messageSchema = new Schema<MessageDoc>(
      {
        room: { type: String, required: true },
        seq: { type: Number, required: true },
        sender: {
          id: { type: String, required: true },
          name: { type: String, required: true },
        },
        message: { type: String, required: true },
        clientId: { type: String, required: true },
        timestamp: { type: Date, required: true },
      },
      SCHEMA_OPTIONS,
    );
    messageSchema.index({ room: 1, seq: 1 }, { unique: true });
    messageSchema.index({ room: 1, 'sender.id': 1, clientId: 1 }, { unique: true });

    const userSchema = new Schema<UserDoc>(
      {
        visitorId: { type: String, required: true, unique: true },
        name: { type: String, required: true },
        email: { type: String, required: true },
        phone: { type: String, default: '' },
      },
      { ...SCHEMA_OPTIONS, timestamps: true },
    );

    const counterSchema = new Schema<CounterDoc>(
      { _id: { type: String, required: true }, seq: { type: Number, required: true } },
      SCHEMA_OPTIONS,
    );

    this.#messages = ownModel(connection, `${prefix}messages`, messageSchema);
    this.#users = ownModel(connection, `${prefix}users`, userSchema);
    this.#counters = ownModel(connection, `${prefix}counters`, counterSchema);
  }

  /**
   * Creates the indexes that uniqueness depends on, then checks that the server has them. Fails at
   * once while the connection is not connected: the connection's own initial-connect promise can
   * take the driver's whole server-selection timeout, and never settles again once it failed.
   */
  async init(): Promise<void> {
    this.#assertConnected();
    for (const model of [this.#messages, this.#users]) {
      await model.createIndexes();
      const present = await model.listIndexes();
      for (const [fields, options] of model.schema.indexes()) {
        const found = present.some(
          (index) => sameKeys(index.key, fields) && Boolean(index.unique) === Boolean(options.unique),
        );
        if (!found) {
          throw new Error(
            `parley-chat: index ${JSON.stringify(fields)} is missing on ${model.collection.collectionName}; ` +
              'message de-duplication and ordering depend on it',
          );
        }
      }
    }
  }

  /**
   * Follows the connection's real state: Mongoose emits `connected` on the first connect, on a
   * reconnect after an outage, and when the host opens the connection again after it gave up.
   */
  onAvailable(listener: () => void): () => void {
    this.#connection.on('connected', listener);
    return () => this.#connection.off('connected', listener);
  }

  async ping(): Promise<void> {
    this.#assertConnected();
    await this.#connection.db!.admin().ping();
  }

  async appendMessage(draft: MessageDraft): Promise<AppendResult> {
    this.#assertConnected();
    const seq = await this.#nextSeq(draft.room);
    try {
      const doc = await this.#messages.create({
        room: draft.room,
        seq,
        sender: { id: draft.sender.id, name: draft.sender.name },
        message: draft.message,
        clientId: draft.clientId,
        timestamp: draft.timestamp,
      });
      return { message: toChatMessage(doc.toObject()), duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // The unique (room, sender.id, clientId) index refused a retry: answer with the original.
      // The seq drawn above stays unused; seqs are increasing, not gapless.
      const original = await this.#messages
        .findOne({ room: draft.room, 'sender.id': draft.sender.id, clientId: draft.clientId })
        .setOptions({ sanitizeFilter: true })
        .lean<MessageDoc>();
      if (!original) throw error;
      return { message: toChatMessage(original), duplicate: true };
    }
  }

  async listMessages({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    this.#assertConnected();
    const newerFirst = after === undefined;
    // sanitizeFilter neutralises any operator smuggled into `room`; our own range is marked trusted.
    const range = after !== undefined ? { $gt: after } : before !== undefined ? { $lt: before } : undefined;
    const filter = range ? { room, seq: this.#connection.base.trusted(range) } : { room };
    // One extra document tells whether more exist without a second query.
    const docs = await this.#messages
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ seq: newerFirst ? -1 : 1 })
      .limit(limit + 1)
      .lean<MessageDoc[]>();
    const hasMore = docs.length > limit;
    const page = docs.slice(0, limit).map(toChatMessage);
    if (newerFirst) page.reverse();
    return { messages: page, hasMore };
  }

  async saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord> {
    this.#assertConnected();
    const doc = await this.#users
      .findOneAndUpdate(
        { visitorId },
        { $set: { name: details.name, email: details.email, phone: details.phone } },
        { upsert: true, returnDocument: 'after', sanitizeFilter: true, runValidators: true },
      )
      .lean<UserDoc>();
    return toUserRecord(doc!);
  }

  async getUser(visitorId: string): Promise<UserRecord | null> {
    this.#assertConnected();
    const doc = await this.#users.findOne({ visitorId }).setOptions({ sanitizeFilter: true }).lean<UserDoc>();
    return doc ? toUserRecord(doc) : null;
  }

  /** Atomically draws the room's next seq. */
  async #nextSeq(room: string): Promise<number> {
    const increment = () =>
      this.#counters
        .findOneAndUpdate(
          { _id: room },
          { $inc: { seq: 1 } },
          { upsert: true, returnDocument: 'after', sanitizeFilter: true },
        )
        .lean<CounterDoc>();
    try {
      return (await increment())!.seq;
    } catch (error) {
      // Two first messages racing to create a room's counter: one upsert loses on _id. The
      // document exists now, so the retry is a plain increment.
      if (!isDuplicateKey(error)) throw error;
      return (await increment())!.seq;
    }
  }

  // Without this, Mongoose would buffer operations for seconds while disconnected; the chat
  // answers STORAGE_UNAVAILABLE at once so clients can show it and retry.
  #assertConnected(): void {
    if (this.#connection.readyState !== CONNECTED) {
      throw new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database right now; try again shortly');
    }
  }
}

function toConnection(value: Connection | Mongoose): Connection {
  if (value && typeof value === 'object' && 'connection' in value && 'Schema' in value) {
    return (value as Mongoose).connection;
  }
  if (value && typeof value === 'object' && 'base' in value && typeof (value as Connection).model === 'function') {
    return value as Connection;
  }
  throw new TypeError(
    'parley-chat: `mongoose` must be a Mongoose Connection (mongoose.createConnection(uri)) or the mongoose instance',
  );
}

function ownModel<T>(connection: Connection, name: string, schema: Schema<T>): Model<T> {
  const existing = connection.models[name] as Model<T> | undefined;
  if (existing) {
    if (ownSchemas.has(existing.schema)) return existing;
    throw new Error(
      `parley-chat: the connection already has a model named "${name}" that parley-chat did not create; ` +
        'pass a different `prefix`',
    );
  }
  ownSchemas.add(schema);
  return connection.model<T>(name, schema, name);
}

function sameKeys(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  return keysA.length === keysB.length && keysA.every((key, i) => key === keysB[i] && Number(a[key]) === Number(b[key]));
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

// Documents are mapped field by field to the public shape: no projection is trusted to hide
// anything, and nothing but these fields ever leaves the store.
function toChatMessage(doc: MessageDoc): ChatMessage {
  return {
    id: doc._id.toString(),
    room: doc.room,
    seq: doc.seq,
    sender: { id: doc.sender.id, name: doc.sender.name },
    message: doc.message,
    timestamp: new Date(doc.timestamp).toISOString(),
    clientId: doc.clientId,
  };
}

function toUserRecord(doc: UserDoc): UserRecord {
  return {
    id: doc.visitorId,
    name: doc.name,
    email: doc.email,
    phone: doc.phone,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
}
