import type { Connection, Model, Schema } from 'mongoose';
import type { ChatMessage, SenderRole } from '../../protocol.js';
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
}

/** A conversation's last message, kept on it as the public shape (its id as a string). */
export interface LastMessageDoc {
  id: string;
  room: string;
  seq: number;
  sender: { id: string; name: string; role: SenderRole };
  message: string;
  clientId: string;
  timestamp: Date;
}

/** A conversation as stored: its record, with the id as `_id` and the last message as stored. */
export type ConversationDoc = Omit<ConversationRecord, 'id' | 'lastMessage'> & { _id: string; lastMessage: LastMessageDoc | null };

export interface UserDoc {
  visitorId: string;
  name: string;
  email: string;
  phone: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface CounterDoc {
  _id: string;
  seq: number;
}

// Schemas this module made, so a model found already registered under our name is reused only
// when it is ours (a second chat server on the same connection), never a host model.
const ownSchemas = new WeakSet<Schema>();

// Never relying on the host app's global Mongoose settings: every schema sets its own.
const SCHEMA_OPTIONS = {
  strict: 'throw',
  strictQuery: 'throw',
  autoIndex: false,
  autoCreate: false,
  versionKey: false,
} as const;

export interface ChatModels {
  messages: Model<MessageDoc>;
  users: Model<UserDoc>;
  conversations: Model<ConversationDoc>;
  counters: Model<CounterDoc>;
}

/**
 * Registers the chat's models on the host's connection, under `prefix` (`chat_messages`,
 * `chat_users`, `chat_conversations`, `chat_counters`), or finds the ones a chat server made
 * there before.
 */
export function chatModels(connection: Connection, prefix: string): ChatModels {
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

  return {
    messages: ownModel(connection, `${prefix}messages`, messageSchema),
    users: ownModel(connection, `${prefix}users`, userSchema),
    conversations: ownModel(connection, `${prefix}conversations`, conversationSchema),
    counters: ownModel(connection, `${prefix}counters`, counterSchema),
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
export function toChatMessage(doc: MessageDoc | LastMessageDoc): ChatMessage {
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

export function toLastMessageDoc(message: ChatMessage): LastMessageDoc {
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

export function toConversationDoc({ id, lastMessage, ...rest }: ConversationRecord): ConversationDoc {
  return { _id: id, ...rest, lastMessage: lastMessage && toLastMessageDoc(lastMessage) };
}

export function toConversationRecord(doc: ConversationDoc): ConversationRecord {
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
