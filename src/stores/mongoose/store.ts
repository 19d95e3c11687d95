import type { Connection, Mongoose } from 'mongoose';
import type { ChatMessage, EraseMode, SenderRole } from '../../protocol.js';
import { ChatError } from '../../server/errors.js';
import type {
  AppendOptions,
  ConsentRecord,
  AppendResult,
  ChatStore,
  ConversationAppendResult,
  ConversationChange,
  ConversationChangesQuery,
  ConversationMessageDraft,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
  ConversationTarget,
  InboxCounts,
  MessageDraft,
  MessagePage,
  MessageQuery,
  ReplyUpdate,
  UserDetails,
  UserRecord,
  PendingDeletion,
  VisitorActivity,
  MessageSearch,
  VisitorSearch,
} from '../types.js';
import { MongoConversations } from './conversations.js';
import { isDuplicateKey, MongoMessageLog } from './message-log.js';
import { MongoPrivacy } from './privacy.js';
import { MongoSearch } from './search.js';
import { chatModels, ensureIndexes, operationOptions, toUserRecord, type ChatModels, type ConsentDoc, type UserDoc } from './schemas.js';

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
  /**
   * How long one database operation may take, enforced by the server (`maxTimeMS`, `wtimeout`)
   * and by the driver; `createChatServer` passes `limits.storageTimeoutMs`.
   * @default 5000
   */
  timeoutMs?: number;
  /** Where the store says what the host should know (e.g. that the server has no text search). @default console.warn */
  warn?: (message: string) => void;
}

const CONNECTED = 1;

/**
 * Stores the chat in MongoDB through the host app's Mongoose connection. The connection is
 * the host's: the store never opens or closes it. Messages are in message-log.ts, conversations
 * in conversations.ts, the documents and their indexes in schemas.ts; this is the `ChatStore`
 * over them, with the visitors' details.
 */
export class MongooseStore implements ChatStore {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #messageLog: MongoMessageLog;
  readonly #conversations: MongoConversations;
  readonly #privacy: MongoPrivacy;
  readonly #search: MongoSearch;
  readonly #ops: ReturnType<typeof operationOptions>;

  constructor(options: MongooseStoreOptions) {
    const connection = toConnection(options.mongoose);
    const prefix = options.prefix ?? 'chat_';
    if (!/^[A-Za-z][A-Za-z0-9_]{0,31}$/.test(prefix)) {
      throw new TypeError(`parley-chat: prefix must be letters, digits and underscores; got ${JSON.stringify(prefix)}`);
    }
    const timeoutMs = options.timeoutMs ?? 5000;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new TypeError('parley-chat: MongooseStore timeoutMs must be a positive number of milliseconds');
    this.#connection = connection;
    this.#models = chatModels(connection, prefix);
    this.#ops = operationOptions(timeoutMs);
    this.#messageLog = new MongoMessageLog(connection, this.#models, this.#ops, timeoutMs);
    this.#conversations = new MongoConversations(connection, this.#models, this.#messageLog, this.#ops);
    this.#privacy = new MongoPrivacy(connection, this.#models, this.#ops);
    this.#search = new MongoSearch(connection, this.#models, this.#ops, { prefix, timeoutMs, warn: options.warn ?? ((message) => console.warn(message)) });
  }

  async searchMessages(query: MessageSearch): Promise<ChatMessage[]> {
    this.#assertConnected();
    return this.#search.searchMessages(query);
  }

  async searchVisitors(query: VisitorSearch): Promise<ConversationRecord[]> {
    this.#assertConnected();
    return this.#search.searchVisitors(query);
  }

  async conversationsByIds(ids: readonly string[]): Promise<ConversationRecord[]> {
    this.#assertConnected();
    return this.#search.conversationsByIds(ids);
  }

  /**
   * Creates the indexes that uniqueness depends on, then checks that the server has them. Fails at
   * once while the connection is not connected: the connection's own initial-connect promise can
   * take the driver's whole server-selection timeout, and never settles again once it failed.
   */
  async init(): Promise<void> {
    this.#assertConnected();
    await ensureIndexes(this.#models.messages);
    await ensureIndexes(this.#models.users);
    await ensureIndexes(this.#models.consents);
    await ensureIndexes(this.#models.conversations);
    await ensureIndexes(this.#models.counts);
    await ensureIndexes(this.#models.visitors);
    await ensureIndexes(this.#models.deletions);
    this.#search.buildTextIndex();
    if (await this.#conversations.countsMissing()) await this.#conversations.recount();
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

  async appendMessage(draft: MessageDraft, options?: AppendOptions): Promise<AppendResult> {
    this.#assertConnected();
    return this.#messageLog.append(draft, options);
  }

  async listMessages(query: MessageQuery): Promise<MessagePage> {
    this.#assertConnected();
    return this.#messageLog.list(query);
  }

  async countMessages(query: { room: string; after: number; role: SenderRole }): Promise<number> {
    this.#assertConnected();
    return this.#messageLog.count(query);
  }

  async saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord> {
    this.#assertConnected();
    const doc = await this.#models.users
      .findOneAndUpdate(
        { visitorId },
        { $set: { name: details.name, email: details.email, phone: details.phone } },
        { upsert: true, returnDocument: 'after', sanitizeFilter: true, runValidators: true, ...this.#ops.write() },
      )
      .lean<UserDoc>();
    return toUserRecord(doc!);
  }

  async getUser(visitorId: string): Promise<UserRecord | null> {
    this.#assertConnected();
    const doc = await this.#models.users.findOne({ visitorId }).setOptions({ sanitizeFilter: true, ...this.#ops.read() }).lean<UserDoc>();
    return doc ? toUserRecord(doc) : null;
  }

  async recordConsent(visitorId: string, consent: ConsentRecord): Promise<void> {
    this.#assertConnected();
    // The latest consent to each version: agreeing again to the same terms changes its time, adds nothing.
    const set = { givenAt: consent.givenAt, ...(consent.address ? { address: consent.address } : {}) };
    const write = () =>
      this.#models.consents.updateOne({ visitorId, version: consent.version }, { $set: set }, { upsert: true, sanitizeFilter: true, ...this.#ops.write() });
    // Two tabs agreeing at once: the unique index lets one insert, and the other then updates.
    await write().catch((error: unknown) => (isDuplicateKey(error) ? write() : Promise.reject(error)));
  }

  async consents(visitorId: string): Promise<ConsentRecord[]> {
    this.#assertConnected();
    const docs = await this.#models.consents
      .find({ visitorId })
      .sort({ givenAt: -1 })
      .limit(100)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .lean<ConsentDoc[]>();
    return docs.map((doc) => ({ version: doc.version, givenAt: new Date(doc.givenAt), ...(doc.address ? { address: doc.address } : {}) }));
  }

  async appendToConversation(
    target: ConversationTarget,
    draft: ConversationMessageDraft,
    options?: AppendOptions,
  ): Promise<ConversationAppendResult | null> {
    this.#assertConnected();
    return this.#conversations.append(target, draft, options);
  }

  async findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    this.#assertConnected();
    return this.#conversations.find(inbox, visitorId);
  }

  async visitorConversations(visitorId: string): Promise<ConversationRecord[]> {
    this.#assertConnected();
    return this.#conversations.ofVisitor(visitorId);
  }

  async updateReply(room: string, id: string, update: ReplyUpdate): Promise<ChatMessage | null> {
    this.#assertConnected();
    return this.#messageLog.updateReply(room, id, update);
  }

  async staleReplies(before: Date, limit: number): Promise<Array<{ message: ChatMessage; conversationId: string }>> {
    this.#assertConnected();
    return this.#messageLog.staleReplies(before, limit);
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    this.#assertConnected();
    return this.#conversations.get(id);
  }

  async updateConversation(id: string, expectedVersion: number, change: ConversationChange): Promise<ConversationRecord | null> {
    this.#assertConnected();
    return this.#conversations.update(id, expectedVersion, change);
  }

  async setVisitorLastSeen(id: string, at: Date): Promise<void> {
    this.#assertConnected();
    await this.#conversations.setVisitorLastSeen(id, at);
  }

  async listConversations(query: ConversationQuery): Promise<ConversationPage> {
    this.#assertConnected();
    return this.#conversations.list(query);
  }

  async conversationChanges(query: ConversationChangesQuery): Promise<{ conversations: ConversationRecord[]; hasMore: boolean }> {
    this.#assertConnected();
    return this.#conversations.changes(query);
  }

  async inboxCounts(inboxes: readonly string[] | '*'): Promise<InboxCounts[]> {
    this.#assertConnected();
    return this.#conversations.inboxCounts(inboxes);
  }

  async visitorActivity(visitorId: string): Promise<VisitorActivity | null> {
    this.#assertConnected();
    return this.#privacy.visitorActivity(visitorId);
  }

  async visitorSeen(visitorId: string, at: Date): Promise<void> {
    this.#assertConnected();
    return this.#privacy.visitorSeen(visitorId, at);
  }

  async markErased(visitorId: string, at: Date, erasing: EraseMode | null): Promise<void> {
    this.#assertConnected();
    return this.#privacy.markErased(visitorId, at, erasing);
  }

  async inactiveVisitors(before: Date, limit: number): Promise<string[]> {
    this.#assertConnected();
    return this.#privacy.inactiveVisitors(before, limit);
  }

  async unfinishedErasures(before: Date, limit: number): Promise<Array<{ visitorId: string; mode: EraseMode }>> {
    this.#assertConnected();
    return this.#privacy.unfinishedErasures(before, limit);
  }

  async messagesBySender(senderIds: readonly string[], after: string | undefined, limit: number): Promise<ChatMessage[]> {
    this.#assertConnected();
    return this.#privacy.messagesBySender(senderIds, after, limit);
  }

  async eraseMessages(ids: readonly string[]): Promise<number> {
    this.#assertConnected();
    return this.#privacy.eraseMessages(ids);
  }

  async rewriteMessage(id: string, message: string): Promise<void> {
    this.#assertConnected();
    return this.#privacy.rewriteMessage(id, message);
  }

  async deleteConversation(record: ConversationRecord): Promise<boolean> {
    this.#assertConnected();
    return this.#conversations.delete(record);
  }

  async deleteThread(room: string): Promise<number> {
    this.#assertConnected();
    return this.#privacy.deleteThread(room);
  }

  async beginDeletion(deletion: PendingDeletion): Promise<void> {
    this.#assertConnected();
    return this.#privacy.beginDeletion(deletion);
  }

  async pendingDeletions(before: Date, limit: number): Promise<PendingDeletion[]> {
    this.#assertConnected();
    return this.#privacy.pendingDeletions(before, limit);
  }

  async endDeletion(conversationId: string): Promise<void> {
    this.#assertConnected();
    return this.#privacy.endDeletion(conversationId);
  }

  async deleteUser(visitorId: string): Promise<number> {
    this.#assertConnected();
    return this.#privacy.deleteUser(visitorId);
  }

  async deleteConsents(visitorId: string): Promise<number> {
    this.#assertConnected();
    return this.#privacy.deleteConsents(visitorId);
  }

  async messagesBefore(before: Date, limit: number): Promise<ChatMessage[]> {
    this.#assertConnected();
    return this.#privacy.messagesBefore(before, limit);
  }

  async deleteMessages(ids: readonly string[]): Promise<number> {
    this.#assertConnected();
    return this.#privacy.deleteMessages(ids);
  }

  async resolvedBefore(before: Date, limit: number): Promise<ConversationRecord[]> {
    this.#assertConnected();
    return this.#conversations.resolvedBefore(before, limit);
  }

  async forgetLastMessages(gone: ReadonlyArray<{ conversationId: string; messageId: string }>): Promise<void> {
    this.#assertConnected();
    return this.#conversations.forgetLastMessages(gone);
  }

  async lease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    this.#assertConnected();
    return this.#privacy.lease(name, holder, now, until);
  }

  /**
   * Counts every inbox's conversations afresh (the inbox's tabs), mending counts that a crash
   * between a conversation's change and its count left behind. It reads every conversation: run
   * it now and then, e.g. nightly, not per request.
   */
  async recountConversations(): Promise<void> {
    this.#assertConnected();
    await this.#conversations.recount();
  }

  // Without this, Mongoose would buffer operations for seconds while disconnected; the chat
  // answers STORAGE_UNAVAILABLE at once so clients can show it and retry.
  #assertConnected(): void {
    if (this.#connection.readyState !== CONNECTED) {
      throw new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database right now; try again shortly');
    }
  }
}

export function toConnection(value: Connection | Mongoose): Connection {
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
