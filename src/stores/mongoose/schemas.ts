import { fileOfRecord } from '../../files/records.js';
import type { Connection, Model, Schema } from 'mongoose';
import type { ChatFile, ChatMessage, Citation, EraseMode, ReplyStatus, SenderRole } from '../../protocol.js';
import { threadKey } from '../conversation-rules.js';
import type { ConversationRecord, UserRecord } from '../types.js';

// The chat's documents in MongoDB, their schemas and indexes, and how each maps to the public
// shape. Nothing but these mappers turns a document into what leaves the store.

export interface MessageDoc {
  _id: { toString(): string };
  room: string;
  seq: number;
  /** Messages stored before roles existed have none: they are all visitors'. */
  sender: { id: string; name: string; role?: SenderRole };
  message: string;
  clientId: string;
  timestamp: Date;
  /**
   * When the message was written, after its seq was taken: a seq below it was taken earlier, so
   * once this is older than the write timeout, every seq below it is stored or never will be.
   */
  seqAt?: Date;
  /** The assistant's replies: how each stands, its citations, and when it last moved (its lease, see `staleReplies`). */
  status?: ReplyStatus;
  citations?: Citation[];
  movedAt?: Date;
  /** Files sent with the message (see `StoredFileDoc`). */
  files?: StoredFileDoc[];
  /** A tombstone: its sender was erased (see `PrivacyStore.eraseMessages`). */
  erased?: boolean;
  /** The inbox of a conversation's visible message, which the text index of search covers (see `MongoSearch`). */
  inbox?: string;
}

/** A file as a message keeps it: what readers are shown of it; its URLs are made when it is sent. */
export interface StoredFileDoc {
  id: string;
  name: string;
  type: string;
  size: number;
  width?: number;
  height?: number;
  thumbnail?: boolean;
}

/**
 * A conversation's last message as kept on it: the public shape without its thread key and seq,
 * which are the conversation's own (`_id`, `seq`), since the update that takes a seq cannot
 * write the seq it takes anywhere else.
 */
export interface LastMessageDoc {
  id: string;
  sender: { id: string; name: string; role: SenderRole };
  message: string;
  clientId: string;
  timestamp: Date;
  status?: ReplyStatus;
  /** What the inbox's list shows of a message of files alone. */
  files?: StoredFileDoc[];
  /** A tombstone (see `MessageDoc.erased`). */
  erased?: boolean;
}

/**
 * A conversation as stored: its record, with the id as `_id`, and the counters of its two
 * threads. The conversation is the counter of its own messages, so that the step that takes a
 * seq also updates the summary; `lastKey` (sender and clientId of the message that took the last
 * seq) lets a retry of that message find its seq taken and finish storing it, rather than take
 * another. `createdBy` and `reopenedBy` say which message created or reopened it, for that retry.
 */
export type ConversationDoc = Omit<ConversationRecord, 'id' | 'lastMessage'> & {
  _id: string;
  lastMessage: LastMessageDoc | null;
  seq: number;
  lastKey: string | null;
  notesSeq: number;
  lastNoteKey: string | null;
  lastNoteId: string | null;
  createdBy: string | null;
  reopenedBy: string | null;
  /** `nameKey(visitorName)`, which search finds the start of on an index; none on conversations older than search. */
  visitorNameKey?: string;
};

/** What the chat knows of a visitor beside their details (see `VisitorActivity`), by visitor id. */
export interface VisitorDoc {
  _id: string;
  lastSeenAt?: Date | null;
  erasedAt?: Date | null;
  erasing?: EraseMode | null;
}

/** A conversation whose deletion began (see `PendingDeletion`), by conversation id. */
export interface DeletionDoc {
  _id: string;
  inbox: string;
  at: Date;
}

/** A lease: one node at a time does the job `_id` (the retention sweep). */
export interface LeaseDoc {
  _id: string;
  holder: string;
  until: Date;
}

export interface ConsentDoc {
  visitorId: string;
  version: string;
  givenAt: Date;
  address?: string;
}

export interface UserDoc {
  visitorId: string;
  name: string;
  email: string;
  phone: string;
  createdAt: Date;
  updatedAt: Date;
}

/** A public room's counter: its last seq, and which message took it (see `ConversationDoc.lastKey`). */
export interface CounterDoc {
  _id: string;
  seq: number;
  lastKey?: string;
  lastId?: string;
}

/** One tab count of an inbox (`<inbox>` NUL `<key>`, keys as in conversation-rules.ts). */
export interface CountDoc {
  _id: string;
  inbox: string;
  key: string;
  n: number;
}

// Schemas this module made, so a model found already registered under our name is reused only
// when it is ours (a second chat server on the same connection), never a host model.
const ownSchemas = new WeakSet<Schema>();

// Never relying on the host app's global Mongoose settings: every schema sets its own. Reads
// go to the primary and writes wait for a majority, whatever the host's connection says: a
// compare-and-set must not read a stale version, a retry must find its own stored message, and
// an acknowledged message must survive a failover.
const SCHEMA_OPTIONS = {
  strict: 'throw',
  strictQuery: 'throw',
  autoIndex: false,
  autoCreate: false,
  versionKey: false,
  read: 'primary',
  writeConcern: { w: 'majority' },
} as const;

/**
 * The options of every operation: bounded in time on the server (`maxTimeMS`, and `wtimeout` for
 * the majority's acknowledgement) and in the driver (`signal`, which stops it waiting for a server
 * or a connection), so that no write lands long after the chat stopped waiting for it, and the
 * primary and a majority whatever the host's connection says.
 */
export function operationOptions(timeoutMs: number) {
  // The driver gives up a little after the server would have: an operation the server stops in
  // time keeps its connection, while one the driver abandons mid-flight closes it.
  const driverMs = timeoutMs + 1000;
  return {
    read: () => ({ maxTimeMS: timeoutMs, signal: AbortSignal.timeout(driverMs) }),
    /**
     * A read that decides whether a message is stored already: only what a majority has (an old
     * primary cut off from the others may hold a write that will be rolled back).
     */
    readCommitted: () => ({ maxTimeMS: timeoutMs, readConcern: { level: 'majority' as const }, signal: AbortSignal.timeout(driverMs) }),
    write: () => ({
      maxTimeMS: timeoutMs,
      writeConcern: { w: 'majority' as const, wtimeout: timeoutMs },
      signal: AbortSignal.timeout(driverMs),
    }),
  };
}

export interface ChatModels {
  messages: Model<MessageDoc>;
  users: Model<UserDoc>;
  consents: Model<ConsentDoc>;
  conversations: Model<ConversationDoc>;
  counters: Model<CounterDoc>;
  counts: Model<CountDoc>;
  visitors: Model<VisitorDoc>;
  leases: Model<LeaseDoc>;
  deletions: Model<DeletionDoc>;
}

/**
 * Registers the chat's models on the host's connection, under `prefix` (`chat_messages`,
 * `chat_users`, `chat_conversations`, `chat_counters`), or finds the ones a chat server made
 * there before.
 */
export function chatModels(connection: Connection, prefix: string): ChatModels {
  const { Schema } = connection.base;

  const storedFileSchema = new Schema<StoredFileDoc>(
    {
      id: { type: String, required: true },
      name: { type: String, required: true },
      type: { type: String, required: true },
      size: { type: Number, required: true },
      width: { type: Number },
      height: { type: Number },
      thumbnail: { type: Boolean },
    },
    { ...SCHEMA_OPTIONS, _id: false },
  );
  const messageSchema = new Schema<MessageDoc>(
    {
      room: { type: String, required: true },
      seq: { type: Number, required: true },
      sender: {
        id: { type: String, required: true },
        name: { type: String, required: true },
        role: { type: String, enum: ['visitor', 'operator', 'assistant', 'system'] },
      },
      message: { type: String, required: true },
      clientId: { type: String, required: true },
      timestamp: { type: Date, required: true },
      seqAt: { type: Date },
      status: { type: String, enum: ['streaming', 'complete', 'interrupted', 'handoff'] },
      citations: [{ _id: false, title: { type: String, required: true }, url: { type: String, required: true } }],
      movedAt: { type: Date },
      files: { type: [storedFileSchema], default: undefined },
      erased: { type: Boolean },
      inbox: { type: String },
    },
    SCHEMA_OPTIONS,
  );
  messageSchema.index({ room: 1, seq: 1 }, { unique: true });
  // A visitor's messages in every room and conversation, for their export and erasure.
  messageSchema.index({ 'sender.id': 1, _id: 1 });
  messageSchema.index({ room: 1, 'sender.id': 1, clientId: 1 }, { unique: true });
  // The assistant's replies left streaming by a node that went away (only replies have a status).
  messageSchema.index({ status: 1, movedAt: 1 }, { sparse: true });

  const userSchema = new Schema<UserDoc>(
    {
      visitorId: { type: String, required: true, unique: true },
      name: { type: String, required: true },
      email: { type: String, required: true },
      phone: { type: String, default: '' },
    },
    { ...SCHEMA_OPTIONS, timestamps: true },
  );
  // The team's search finds visitors by email.
  userSchema.index({ email: 1 });

  // One document per version consented to: a new version asks again, and every version's answer is kept.
  const consentSchema = new Schema<ConsentDoc>(
    {
      visitorId: { type: String, required: true },
      version: { type: String, required: true },
      givenAt: { type: Date, required: true },
      address: { type: String },
    },
    SCHEMA_OPTIONS,
  );
  consentSchema.index({ visitorId: 1, givenAt: -1 });
  consentSchema.index({ visitorId: 1, version: 1 }, { unique: true });

  const lastMessageSchema = new Schema<LastMessageDoc>(
    {
      id: { type: String, required: true },
      sender: {
        id: { type: String, required: true },
        name: { type: String, required: true },
        role: { type: String, required: true, enum: ['visitor', 'operator', 'assistant', 'system'] },
      },
      message: { type: String, default: '' },
      clientId: { type: String, required: true },
      timestamp: { type: Date, required: true },
      status: { type: String },
      files: { type: [storedFileSchema], default: undefined },
      erased: { type: Boolean },
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
      visitorNameKey: { type: String },
      status: { type: String, required: true, enum: ['open', 'resolved'] },
      assignee: { type: assigneeSchema, default: null },
      lastMessage: { type: lastMessageSchema, default: null },
      unread: { type: Number, required: true },
      visitorReadSeq: { type: Number, required: true },
      operatorReadSeq: { type: Number, required: true },
      waitingSince: { type: Date, default: null },
      visitorLastSeenAt: { type: Date, default: null },
      unseenNotifiedSeq: { type: Number, required: true },
      // Conversations from before the assistant have none: see toConversationRecord.
      handler: { type: String, enum: ['assistant', 'waiting', 'operator'] },
      handoff: {
        type: new Schema(
          { reason: { type: String, required: true }, summary: { type: String }, by: { type: String, required: true }, at: { type: String, required: true } },
          { ...SCHEMA_OPTIONS, _id: false },
        ),
        default: null,
      },
      assistantReplies: { type: Number, default: 0 },
      resolvedAt: { type: Date, default: null },
      rating: {
        type: new Schema(
          {
            resolvedAt: { type: Date, required: true },
            assignee: { type: assigneeSchema, default: null },
            score: { type: Number, default: null },
            comment: { type: String, default: null },
            at: { type: Date, default: null },
          },
          { ...SCHEMA_OPTIONS, _id: false },
        ),
        default: null,
      },
      createdAt: { type: Date, required: true },
      updatedAt: { type: Date, required: true },
      version: { type: Number, required: true },
      seq: { type: Number, required: true },
      lastKey: { type: String, default: null },
      notesSeq: { type: Number, required: true },
      lastNoteKey: { type: String, default: null },
      lastNoteId: { type: String, default: null },
      createdBy: { type: String, default: null },
      reopenedBy: { type: String, default: null },
    },
    SCHEMA_OPTIONS,
  );
  // One conversation per (inbox, visitor), however many first messages race to create it.
  conversationSchema.index({ inbox: 1, visitorId: 1 }, { unique: true });
  // A visitor's conversations in every inbox: their new name reaches them all.
  conversationSchema.index({ visitorId: 1 });
  // The team's search: the start of a visitor's name, in any case.
  conversationSchema.index({ visitorNameKey: 1 });
  // The inbox list (by status and assignee, most recently changed first) and its catch-up.
  conversationSchema.index({ inbox: 1, status: 1, version: -1 });
  conversationSchema.index({ inbox: 1, status: 1, 'assignee.id': 1, version: -1 });
  conversationSchema.index({ inbox: 1, status: 1, handler: 1, version: -1 });
  conversationSchema.index({ inbox: 1, version: 1 });
  // The same across every inbox, for operators who see them all.
  conversationSchema.index({ status: 1, version: -1 });
  conversationSchema.index({ status: 1, 'assignee.id': 1, version: -1 });
  conversationSchema.index({ version: 1 });
  // Retention: conversations resolved long enough ago.
  conversationSchema.index({ status: 1, updatedAt: 1 });

  const counterSchema = new Schema<CounterDoc>(
    {
      _id: { type: String, required: true },
      seq: { type: Number, required: true },
      lastKey: { type: String },
      lastId: { type: String },
    },
    SCHEMA_OPTIONS,
  );
  const countSchema = new Schema<CountDoc>(
    {
      _id: { type: String, required: true },
      inbox: { type: String, required: true },
      key: { type: String, required: true },
      n: { type: Number, required: true },
    },
    SCHEMA_OPTIONS,
  );
  countSchema.index({ inbox: 1 });

  const visitorSchema = new Schema<VisitorDoc>(
    { _id: { type: String, required: true }, lastSeenAt: { type: Date, default: null }, erasedAt: { type: Date, default: null }, erasing: { type: String, default: null } },
    SCHEMA_OPTIONS,
  );
  // Retention: visitors inactive long enough; erasures a failure cut short.
  visitorSchema.index({ lastSeenAt: 1 });
  visitorSchema.index({ erasing: 1, erasedAt: 1 });
  const deletionSchema = new Schema<DeletionDoc>(
    { _id: { type: String, required: true }, inbox: { type: String, required: true }, at: { type: Date, required: true } },
    SCHEMA_OPTIONS,
  );
  deletionSchema.index({ at: 1 });
  const leaseSchema = new Schema<LeaseDoc>(
    { _id: { type: String, required: true }, holder: { type: String, required: true }, until: { type: Date, required: true } },
    SCHEMA_OPTIONS,
  );

  return {
    messages: ownModel(connection, `${prefix}messages`, messageSchema),
    users: ownModel(connection, `${prefix}users`, userSchema),
    consents: ownModel(connection, `${prefix}consents`, consentSchema),
    conversations: ownModel(connection, `${prefix}conversations`, conversationSchema),
    counters: ownModel(connection, `${prefix}counters`, counterSchema),
    counts: ownModel(connection, `${prefix}counts`, countSchema),
    visitors: ownModel(connection, `${prefix}visitors`, visitorSchema),
    leases: ownModel(connection, `${prefix}leases`, leaseSchema),
    deletions: ownModel(connection, `${prefix}deletions`, deletionSchema),
  };
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

export async function ensureIndexes<T>(model: Model<T>): Promise<void> {
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

// Documents are mapped field by field to the public shape: no projection is trusted to hide
// anything, and nothing but these fields ever leaves the store.
export function toChatMessage(doc: MessageDoc): ChatMessage {
  return {
    id: doc._id.toString(),
    room: doc.room,
    seq: doc.seq,
    // A tombstone's sender is nobody (its stored id only keeps it apart in the unique index).
    sender: { id: doc.erased ? '' : doc.sender.id, name: doc.sender.name, role: doc.sender.role ?? 'visitor' },
    message: doc.message,
    timestamp: new Date(doc.timestamp).toISOString(),
    clientId: doc.clientId,
    ...(doc.status ? { status: doc.status, citations: (doc.citations ?? []).map(({ title, url }) => ({ title, url })) } : {}),
    ...(doc.files?.length ? { files: doc.files.map(fileOfRecord) } : {}),
    ...(doc.erased ? { erased: true as const } : {}),
  };
}

/** The other way: what a message keeps of a file. */
export function docOfFile(file: ChatFile): StoredFileDoc {
  return {
    id: file.id,
    name: file.name,
    type: file.type,
    size: file.size,
    ...(file.width && file.height ? { width: file.width, height: file.height } : {}),
    ...(file.thumbnailUrl ? { thumbnail: true } : {}),
  };
}

export function toLastMessageDoc(message: Pick<ChatMessage, 'id' | 'sender' | 'message' | 'clientId' | 'status' | 'files' | 'erased'>, timestamp: Date): LastMessageDoc {
  return {
    id: message.id,
    sender: { id: message.sender.id, name: message.sender.name, role: message.sender.role },
    message: message.message,
    clientId: message.clientId,
    timestamp,
    ...(message.status ? { status: message.status } : {}),
    ...(message.files?.length ? { files: message.files.map(docOfFile) } : {}),
    ...(message.erased ? { erased: true } : {}),
  };
}

export function toConversationRecord(doc: ConversationDoc): ConversationRecord {
  const date = (value: Date | null | undefined) => (value ? new Date(value) : null);
  const id = String(doc._id);
  const last = doc.lastMessage;
  return {
    id,
    inbox: doc.inbox,
    visitorId: doc.visitorId,
    visitorName: doc.visitorName,
    status: doc.status,
    assignee: doc.assignee ? { id: doc.assignee.id, name: doc.assignee.name } : null,
    lastMessage: last && {
      id: last.id,
      room: threadKey({ inbox: doc.inbox, id }),
      seq: doc.seq,
      sender: { id: last.sender.id, name: last.sender.name, role: last.sender.role },
      message: last.message,
      timestamp: new Date(last.timestamp).toISOString(),
      clientId: last.clientId,
      ...(last.status ? { status: last.status } : {}),
      ...(last.files?.length ? { files: last.files.map(fileOfRecord) } : {}),
      ...(last.erased ? { erased: true as const } : {}),
    },
    unread: doc.unread,
    visitorReadSeq: doc.visitorReadSeq,
    operatorReadSeq: doc.operatorReadSeq,
    waitingSince: date(doc.waitingSince),
    visitorLastSeenAt: date(doc.visitorLastSeenAt),
    unseenNotifiedSeq: doc.unseenNotifiedSeq,
    // Conversations from before the assistant: the team had them, taken or not.
    handler: doc.handler ?? (doc.assignee ? 'operator' : 'waiting'),
    handoff: doc.handoff ? { reason: doc.handoff.reason, ...(doc.handoff.summary ? { summary: doc.handoff.summary } : {}), by: doc.handoff.by, at: doc.handoff.at } : null,
    assistantReplies: doc.assistantReplies ?? 0,
    resolvedAt: date(doc.resolvedAt),
    rating: doc.rating
      ? {
          resolvedAt: new Date(doc.rating.resolvedAt),
          assignee: doc.rating.assignee ? { id: doc.rating.assignee.id, name: doc.rating.assignee.name } : null,
          score: doc.rating.score ?? null,
          comment: doc.rating.comment ?? null,
          at: date(doc.rating.at),
        }
      : null,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
    version: doc.version,
  };
}

export function toUserRecord(doc: UserDoc): UserRecord {
  return {
    id: doc.visitorId,
    name: doc.name,
    email: doc.email,
    phone: doc.phone,
    createdAt: new Date(doc.createdAt),
    updatedAt: new Date(doc.updatedAt),
  };
}
