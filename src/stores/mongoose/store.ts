import { randomBytes, randomInt } from 'node:crypto';
import type { Connection, Model, Mongoose, Schema } from 'mongoose';
import type { ChatMessage, SenderRole } from '../../protocol.js';
import { ChatError } from '../../server/errors.js';
import type {
  AppendResult,
  ChatStore,
  ConversationChange,
  ConversationChangesQuery,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
  MessageDraft,
  MessagePage,
  MessageQuery,
  UserDetails,
  UserRecord,
} from '../types.js';

export interface MongooseStoreOptions {
  /**
   * Where the chat's models are registered: a Connection from `mongoose.createConnection()`,
   * or the `mongoose` instance itself to use its default connection.
   */
  mongoose: Connection | Mongoose;
  /**
   * Prefix of the chat's model and collection names (`chat_messages`, `chat_users`,
   * `chat_conversations`, `chat_counters`), so they never clash with the host app's own models.
   * @default 'chat_'
   */
  prefix?: string;
}

interface MessageDoc {
  _id: { toString(): string };
  room: string;
  seq: number;
  /** Messages stored before roles existed have none: they are all visitors'. */
  sender: { id: string; name: string; role?: SenderRole };
  message: string;
  clientId: string;
  timestamp: Date;
}

/** A conversation's last message, kept on it as the public shape (its id as a string). */
interface LastMessageDoc {
  id: string;
  room: string;
  seq: number;
  sender: { id: string; name: string; role: SenderRole };
  message: string;
  clientId: string;
  timestamp: Date;
}

interface ConversationDoc {
  _id: string;
  inbox: string;
  visitorId: string;
  visitorName: string;
  status: 'open' | 'resolved';
  assignee: { id: string; name: string } | null;
  lastMessage: LastMessageDoc | null;
  unread: number;
  visitorReadSeq: number;
  operatorReadSeq: number;
  waitingSince: Date | null;
  visitorLastSeenAt: Date | null;
  unseenNotifiedSeq: number;
  createdAt: Date;
  updatedAt: Date;
  version: number;
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
/** A claim older than this was left by a request that failed; a retry finishes it. */
const ABANDONED_CLAIM_MS = 10_000;
/** The counter every conversation change draws its version from; `#` is in no room name. */
const CONVERSATION_VERSION_COUNTER = '#conversation-version';

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
  readonly #conversations: Model<ConversationDoc>;
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
          role: { type: String, enum: ['visitor', 'operator', 'system'] },
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

    const lastMessageSchema = new Schema<LastMessageDoc>(
      {
        id: { type: String, required: true },
        room: { type: String, required: true },
        seq: { type: Number, required: true },
        sender: {
          id: { type: String, required: true },
          name: { type: String, required: true },
          role: { type: String, required: true, enum: ['visitor', 'operator', 'system'] },
        },
        message: { type: String, required: true },
        clientId: { type: String, required: true },
        timestamp: { type: Date, required: true },
      },
      { ...SCHEMA_OPTIONS, _id: false },
    );
    const assigneeSchema = new Schema(
      { id: { type: String, required: true }, name: { type: String, required: true } },
      { ...SCHEMA_OPTIONS, _id: false },
    );
    const conversationSchema = new Schema<ConversationDoc>(
      {
        _id: { type: String, required: true },
        inbox: { type: String, required: true },
        visitorId: { type: String, required: true },
        visitorName: { type: String, required: true },
        status: { type: String, required: true, enum: ['open', 'resolved'] },
        assignee: { type: assigneeSchema, default: null },
        lastMessage: { type: lastMessageSchema, default: null },
        unread: { type: Number, required: true },
        visitorReadSeq: { type: Number, required: true },
        operatorReadSeq: { type: Number, required: true },
        waitingSince: { type: Date, default: null },
        visitorLastSeenAt: { type: Date, default: null },
        unseenNotifiedSeq: { type: Number, required: true },
        createdAt: { type: Date, required: true },
        updatedAt: { type: Date, required: true },
        version: { type: Number, required: true },
      },
      SCHEMA_OPTIONS,
    );
    // One conversation per (inbox, visitor), however many first messages race to create it.
    conversationSchema.index({ inbox: 1, visitorId: 1 }, { unique: true });
    // The inbox list (by status and assignee, most recently changed first) and its catch-up.
    conversationSchema.index({ inbox: 1, status: 1, version: -1 });
    conversationSchema.index({ inbox: 1, status: 1, 'assignee.id': 1, version: -1 });
    conversationSchema.index({ inbox: 1, version: 1 });
    // The same across every inbox, for operators who see them all.
    conversationSchema.index({ status: 1, 'assignee.id': 1, version: -1 });
    conversationSchema.index({ version: 1 });

    const counterSchema = new Schema<CounterDoc>(
      { _id: { type: String, required: true }, seq: { type: Number, required: true } },
      SCHEMA_OPTIONS,
    );

    this.#messages = ownModel(connection, `${prefix}messages`, messageSchema);
    this.#users = ownModel(connection, `${prefix}users`, userSchema);
    this.#conversations = ownModel(connection, `${prefix}conversations`, conversationSchema);
    this.#counters = ownModel(connection, `${prefix}counters`, counterSchema);
  }

  /**
   * Creates the indexes that uniqueness depends on, then checks that the server has them. Fails at
   * once while the connection is not connected: the connection's own initial-connect promise can
   * take the driver's whole server-selection timeout, and never settles again once it failed.
   */
  async init(): Promise<void> {
    this.#assertConnected();
    await ensureIndexes(this.#messages);
    await ensureIndexes(this.#users);
    await ensureIndexes(this.#conversations);
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

  /**
   * Stores a message once per `(room, sender, clientId)` and gives it the room's next seq, so seqs
   * stay gap-free even when the same message arrives at several nodes at once. The message is
   * claimed first (inserted without a seq, which the unique clientId index lets one request do);
   * only the claimant draws a seq, and every other request waits for that seq and answers with
   * the original. A seq is burnt only when storing fails between drawing it and setting it (the
   * database went away then); clients accept a hole that stays empty once they asked for it.
   */
  async appendMessage(draft: MessageDraft): Promise<AppendResult> {
    this.#assertConnected();
    const claim = {
      room: draft.room,
      seq: unsetSeq(),
      sender: { id: draft.sender.id, name: draft.sender.name, role: draft.sender.role },
      message: draft.message,
      clientId: draft.clientId,
      timestamp: draft.timestamp,
    };
    let claimed: MessageDoc;
    try {
      claimed = (await this.#messages.create(claim)).toObject();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { message: await this.#original(draft, error), duplicate: true };
    }
    return { message: toChatMessage(await this.#assignSeq(claimed)), duplicate: false };
  }

  /** Draws the room's next seq for a claimed message and sets it; the claim's own seq guards the write. */
  async #assignSeq(claimed: MessageDoc, attempt = 1): Promise<MessageDoc> {
    const seq = await this.#nextSeq(claimed.room);
    let set: { modifiedCount: number };
    try {
      set = await this.#messages
        .updateOne({ _id: claimed._id, seq: claimed.seq }, { $set: { seq } })
        .setOptions({ sanitizeFilter: true });
    } catch (error) {
      // The seq is another message's: the counter handed it out twice. MongoDB's findAndModify
      // never does; a server that is not atomic there (the jongodb emulator, under concurrent
      // connections) can. A fresh seq keeps the message; the seq skipped is a hole clients accept.
      if (!isDuplicateKey(error) || attempt >= 3) throw error;
      return this.#assignSeq(claimed, attempt + 1);
    }
    if (set.modifiedCount === 1) return { ...claimed, seq };
    // Not modified: someone finished this claim meanwhile (see #original), or the count was
    // misreported. The document says which; only a seq that is not its own goes back.
    const done = await this.#messages.findOne({ _id: claimed._id }).setOptions({ sanitizeFilter: true }).lean<MessageDoc>();
    if (done?.seq === seq) return done;
    await this.#counters
      .updateOne({ _id: claimed.room, seq }, { $inc: { seq: -1 } })
      .setOptions({ sanitizeFilter: true })
      .catch(() => undefined);
    if (!done || done.seq < 0) throw new ChatError('STORAGE_UNAVAILABLE', 'The chat could not store the message; try again shortly');
    return done;
  }

  /** The stored original of a repeated clientId, once its claimant has given it its seq. */
  async #original(draft: MessageDraft, duplicateError: unknown): Promise<ChatMessage> {
    const key = { room: draft.room, 'sender.id': draft.sender.id, clientId: draft.clientId };
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const original = await this.#messages.findOne(key).setOptions({ sanitizeFilter: true }).lean<MessageDoc>();
      if (!original) throw duplicateError; // a duplicate of something else: not ours to explain
      if (original.seq > 0) return toChatMessage(original);
      // A claim left by a request that failed before its seq was set: this retry finishes it.
      // (The claim's age is its ObjectId's: the message's own timestamp is whatever the caller gave.)
      const claimedAt = (original._id as unknown as { getTimestamp(): Date }).getTimestamp().getTime();
      if (Date.now() - claimedAt > ABANDONED_CLAIM_MS) return toChatMessage(await this.#assignSeq(original));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async countMessages({ room, after, role }: { room: string; after: number; role: SenderRole }): Promise<number> {
    this.#assertConnected();
    return this.#messages
      .countDocuments({ room, seq: this.#connection.base.trusted({ $gt: Math.max(0, after) }), 'sender.role': role })
      .setOptions({ sanitizeFilter: true });
  }

  async listMessages({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    this.#assertConnected();
    const newerFirst = after === undefined;
    // sanitizeFilter neutralises any operator smuggled into `room`; our own range is marked trusted.
    // Claims still waiting for their seq (below zero) are not messages yet.
    const range = after !== undefined ? { $gt: after } : before !== undefined ? { $gt: 0, $lt: before } : { $gt: 0 };
    const filter = { room, seq: this.#connection.base.trusted(range) };
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

  async openConversation(
    inbox: string,
    visitor: { id: string; name: string },
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    this.#assertConnected();
    const existing = await this.findConversation(inbox, visitor.id);
    if (existing) return { conversation: existing, created: false };
    const now = new Date();
    const doc: ConversationDoc = {
      _id: randomBytes(12).toString('hex'),
      inbox,
      visitorId: visitor.id,
      visitorName: visitor.name,
      status: 'open',
      assignee: null,
      lastMessage: null,
      unread: 0,
      visitorReadSeq: 0,
      operatorReadSeq: 0,
      waitingSince: null,
      visitorLastSeenAt: null,
      unseenNotifiedSeq: 0,
      createdAt: now,
      updatedAt: now,
      version: await this.#nextSeq(CONVERSATION_VERSION_COUNTER),
    };
    try {
      await this.#conversations.create(doc);
      return { conversation: toConversationRecord(doc), created: true };
    } catch (error) {
      // Another first message made it meanwhile: the unique (inbox, visitorId) index decides.
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.findConversation(inbox, visitor.id);
      if (!winner) throw error;
      return { conversation: winner, created: false };
    }
  }

  async findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    this.#assertConnected();
    const doc = await this.#conversations
      .findOne({ inbox, visitorId })
      .setOptions({ sanitizeFilter: true })
      .lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    this.#assertConnected();
    const doc = await this.#conversations.findOne({ _id: id }).setOptions({ sanitizeFilter: true }).lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async updateConversation(
    id: string,
    expectedVersion: number,
    change: ConversationChange,
  ): Promise<ConversationRecord | null> {
    this.#assertConnected();
    const version = await this.#nextSeq(CONVERSATION_VERSION_COUNTER);
    const set: Record<string, unknown> = { updatedAt: new Date(), version };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      set[key] = key === 'lastMessage' && value ? toLastMessageDoc(value as ChatMessage) : value;
    }
    const doc = await this.#conversations
      .findOneAndUpdate({ _id: id, version: expectedVersion }, { $set: set }, { returnDocument: 'after', sanitizeFilter: true })
      .lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async listConversations({ inboxes, status, assigneeId, before, limit }: ConversationQuery): Promise<ConversationPage> {
    this.#assertConnected();
    const filter = this.#conversationFilter({ inboxes, status, assigneeId });
    if (before !== undefined) filter.version = this.#connection.base.trusted({ $lt: before });
    const docs = await this.#conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ version: -1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async conversationChanges({ inboxes, since, limit }: ConversationChangesQuery) {
    this.#assertConnected();
    const filter = this.#conversationFilter({ inboxes });
    filter.version = this.#connection.base.trusted({ $gt: since });
    const docs = await this.#conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ version: 1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async countConversations(query: Omit<ConversationQuery, 'before' | 'limit'>): Promise<number> {
    this.#assertConnected();
    return this.#conversations.countDocuments(this.#conversationFilter(query)).setOptions({ sanitizeFilter: true });
  }

  #conversationFilter({ inboxes, status, assigneeId }: Omit<ConversationQuery, 'before' | 'limit'>): Record<string, unknown> {
    const filter: Record<string, unknown> = {};
    if (inboxes !== '*') filter.inbox = this.#connection.base.trusted({ $in: [...inboxes] });
    if (status !== undefined) filter.status = status;
    if (assigneeId !== undefined) filter['assignee.id'] = assigneeId;
    return filter;
  }

  /** Atomically draws the next value of a counter: a room's seq, or the conversations' version. */
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

/**
 * The seq of a claimed message until its real one is set: below zero, so never a message's, and
 * unique, so the `{ room, seq }` index holds for claims too.
 */
function unsetSeq(): number {
  return -randomInt(1, 2 ** 47);
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

async function ensureIndexes<T>(model: Model<T>): Promise<void> {
  await model.createIndexes();
  const present = await model.listIndexes();
  for (const [fields, options] of model.schema.indexes()) {
    const found = present.some((index) => sameKeys(index.key, fields) && Boolean(index.unique) === Boolean(options.unique));
    if (!found) {
      throw new Error(
        `parley-chat: index ${JSON.stringify(fields)} is missing on ${model.collection.collectionName}; ` +
          'de-duplication, ordering and the inbox queries depend on it',
      );
    }
  }
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
function toChatMessage(doc: MessageDoc | LastMessageDoc): ChatMessage {
  return {
    id: 'id' in doc ? doc.id : doc._id.toString(),
    room: doc.room,
    seq: doc.seq,
    sender: { id: doc.sender.id, name: doc.sender.name, role: doc.sender.role ?? 'visitor' },
    message: doc.message,
    timestamp: new Date(doc.timestamp).toISOString(),
    clientId: doc.clientId,
  };
}

function toLastMessageDoc(message: ChatMessage): LastMessageDoc {
  return {
    id: message.id,
    room: message.room,
    seq: message.seq,
    sender: { id: message.sender.id, name: message.sender.name, role: message.sender.role },
    message: message.message,
    clientId: message.clientId,
    timestamp: new Date(message.timestamp),
  };
}

function toConversationRecord(doc: ConversationDoc): ConversationRecord {
  const date = (value: Date | null | undefined) => (value ? new Date(value) : null);
  return {
    id: String(doc._id),
    inbox: doc.inbox,
    visitorId: doc.visitorId,
    visitorName: doc.visitorName,
    status: doc.status,
    assignee: doc.assignee ? { id: doc.assignee.id, name: doc.assignee.name } : null,
    lastMessage: doc.lastMessage ? toChatMessage(doc.lastMessage) : null,
    unread: doc.unread,
    visitorReadSeq: doc.visitorReadSeq,
    operatorReadSeq: doc.operatorReadSeq,
    waitingSince: date(doc.waitingSince),
    visitorLastSeenAt: date(doc.visitorLastSeenAt),
    unseenNotifiedSeq: doc.unseenNotifiedSeq,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
    version: doc.version,
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
