import type { Connection } from 'mongoose';
import type { ChatMessage } from '../../protocol.js';
import type {
  ConversationChange,
  ConversationChangesQuery,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
} from '../types.js';
import { newConversation } from '../types.js';
import { isDuplicateKey, type MongoMessageLog } from './message-log.js';
import { toConversationDoc, toConversationRecord, toLastMessageDoc, type ChatModels, type ConversationDoc } from './schemas.js';

/** The counter every conversation change draws its version from; `#` is in no thread key. */
const CONVERSATION_VERSION_COUNTER = '#conversation-version';

/** Support conversations in MongoDB: one per (inbox, visitor), changed by compare-and-set on a version. */
export class MongoConversations {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #messageLog: MongoMessageLog;

  constructor(connection: Connection, models: ChatModels, messageLog: MongoMessageLog) {
    this.#connection = connection;
    this.#models = models;
    this.#messageLog = messageLog;
  }

  async open(
    inbox: string,
    visitor: { id: string; name: string },
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const existing = await this.find(inbox, visitor.id);
    if (existing) return { conversation: existing, created: false };
    const record = newConversation(inbox, visitor, await this.#messageLog.nextValue(CONVERSATION_VERSION_COUNTER));
    try {
      await this.#models.conversations.create(toConversationDoc(record));
      return { conversation: record, created: true };
    } catch (error) {
      // Another first message made it meanwhile: the unique (inbox, visitorId) index decides.
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.find(inbox, visitor.id);
      if (!winner) throw error;
      return { conversation: winner, created: false };
    }
  }

  async find(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    const doc = await this.#models.conversations
      .findOne({ inbox, visitorId })
      .setOptions({ sanitizeFilter: true })
      .lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async get(id: string): Promise<ConversationRecord | null> {
    const doc = await this.#models.conversations.findOne({ _id: id }).setOptions({ sanitizeFilter: true }).lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async update(
    id: string,
    expectedVersion: number,
    change: ConversationChange,
  ): Promise<ConversationRecord | null> {
    const version = await this.#messageLog.nextValue(CONVERSATION_VERSION_COUNTER);
    const set: Record<string, unknown> = { updatedAt: new Date(), version };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      set[key] = key === 'lastMessage' && value ? toLastMessageDoc(value as ChatMessage) : value;
    }
    const doc = await this.#models.conversations
      .findOneAndUpdate({ _id: id, version: expectedVersion }, { $set: set }, { returnDocument: 'after', sanitizeFilter: true })
      .lean<ConversationDoc>();
    return doc ? toConversationRecord(doc) : null;
  }

  async list({ inboxes, status, assigneeId, before, limit }: ConversationQuery): Promise<ConversationPage> {
    const filter = this.#filter({ inboxes, status, assigneeId });
    if (before !== undefined) filter.version = this.#connection.base.trusted({ $lt: before });
    const docs = await this.#models.conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ version: -1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async changes({ inboxes, since, limit }: ConversationChangesQuery) {
    const filter = this.#filter({ inboxes });
    filter.version = this.#connection.base.trusted({ $gt: since });
    const docs = await this.#models.conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ version: 1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async count(query: Omit<ConversationQuery, 'before' | 'limit'>): Promise<number> {
    return this.#models.conversations.countDocuments(this.#filter(query)).setOptions({ sanitizeFilter: true });
  }

  #filter({ inboxes, status, assigneeId }: Omit<ConversationQuery, 'before' | 'limit'>): Record<string, unknown> {
    const filter: Record<string, unknown> = {};
    if (inboxes !== '*') filter.inbox = this.#connection.base.trusted({ $in: [...inboxes] });
    if (status !== undefined) filter.status = status;
    if (assigneeId !== undefined) filter['assignee.id'] = assigneeId;
    return filter;
  }
}
