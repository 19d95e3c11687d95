import { randomBytes } from 'node:crypto';
import type { ChatMessage, ReplyStatus, Sender, SenderRole } from '../protocol.js';
import { MemoryThread } from './memory-thread.js';
import { COUNTS_VERSION_KEY, countChanges, foldMessage, inboxCountsOf, newConversation, nextVersion, threadKey } from './conversation-rules.js';
import type {
  AppendOptions,
  AppendResult,
  ChatStore,
  ConsentRecord,
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
} from './types.js';

export interface MemoryStoreOptions {
  /**
   * How many of each thread's (a room's or a conversation's) newest messages are kept; older ones are
   * dropped, from history and from retry detection alike. Between this and twice this many are
   * held, so dropping is done in batches rather than on every message.
   * @default 1000
   */
  maxMessagesPerRoom?: number;
}

/**
 * Keeps everything in process memory: for tests, prototypes and measuring the library's own
 * overhead. Bounded per thread (see `maxMessagesPerRoom`); data is lost on restart and is not
 * shared between server nodes. Each read builds new message objects, so a caller changing one
 * changes nothing stored.
 */
export class MemoryStore implements ChatStore {
  readonly #maxPerRoom: number;
  readonly #idPrefix = randomBytes(6).toString('base64url');
  #nextId = 0;
  readonly #threads = new Map<string, MemoryThread>();
  /** One frozen sender object per person, shared by their messages. */
  readonly #senders = new Map<string, Sender>();
  readonly #users = new Map<string, UserRecord>();
  readonly #consents = new Map<string, ConsentRecord[]>();
  readonly #conversations = new Map<string, ConversationRecord>();
  readonly #conversationByVisitor = new Map<string, string>();
  /** inbox → count key → conversations (see conversation-rules.ts). */
  readonly #counts = new Map<string, Map<string, number>>();

  constructor({ maxMessagesPerRoom = 1000 }: MemoryStoreOptions = {}) {
    if (!Number.isInteger(maxMessagesPerRoom) || maxMessagesPerRoom < 1) {
      throw new TypeError('parley-chat: MemoryStore maxMessagesPerRoom must be a positive integer');
    }
    this.#maxPerRoom = maxMessagesPerRoom;
  }

  async init(): Promise<void> {}

  async ping(): Promise<void> {}

  // Everything happens in one synchronous step here: a retry always finds its original, and no
  // seq is ever pending, so pages need no `settledSeq`.
  async appendMessage(draft: MessageDraft, _options?: AppendOptions): Promise<AppendResult> {
    return this.#append(draft);
  }

  #append({ room, sender, message, clientId, timestamp, status, files }: MessageDraft & { status?: ReplyStatus | undefined }): AppendResult {
    let log = this.#threads.get(room);
    const original = log?.find(sender.id, clientId);
    if (log && original !== undefined) return { message: log.messageAt(original, this.#idPrefix), duplicate: true };
    if (!log) {
      log = new MemoryThread(room);
      this.#threads.set(room, log);
    }
    const index = log.append(this.#nextId++, timestamp.getTime(), this.#shared(sender), message, clientId, files);
    if (status) log.updateReply(index, { message, citations: [] }, status, Date.now());
    const stored = log.messageAt(index, this.#idPrefix);
    if (log.size >= 2 * this.#maxPerRoom) log.keepNewest(this.#maxPerRoom);
    return { message: stored, duplicate: false };
  }

  #shared({ id, name, role }: Sender): Sender {
    const known = this.#senders.get(id);
    if (known && known.name === name && known.role === role) return known;
    // Bounded by the people writing now: the cache is cheap to rebuild.
    if (this.#senders.size >= 10_000) this.#senders.clear();
    const sender = Object.freeze({ id, name, role });
    this.#senders.set(id, sender);
    return sender;
  }

  async listMessages({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    const log = this.#threads.get(room);
    if (!log) return { messages: [], hasMore: false };
    let start: number;
    let end: number;
    let hasMore: boolean;
    if (after !== undefined) {
      start = log.indexAbove(after);
      end = Math.min(log.size, start + limit);
      hasMore = end < log.size;
    } else {
      end = before === undefined ? log.size : log.indexAbove(before - 1);
      start = Math.max(0, end - limit);
      hasMore = start > 0;
    }
    const messages = [];
    for (let i = start; i < end; i++) messages.push(log.messageAt(i, this.#idPrefix));
    return { messages, hasMore };
  }

  async countMessages({ room, after, role }: { room: string; after: number; role: SenderRole }): Promise<number> {
    const log = this.#threads.get(room);
    if (!log) return 0;
    let count = 0;
    for (let i = log.indexAbove(after); i < log.size; i++) if (log.roleAt(i) === role) count++;
    return count;
  }

  async saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord> {
    const now = new Date();
    const existing = this.#users.get(visitorId);
    const record: UserRecord = {
      id: visitorId,
      name: details.name,
      email: details.email,
      phone: details.phone,
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    this.#users.set(visitorId, record);
    return copied(record);
  }

  async getUser(visitorId: string): Promise<UserRecord | null> {
    const record = this.#users.get(visitorId);
    return record ? copied(record) : null;
  }

  async recordConsent(visitorId: string, consent: ConsentRecord): Promise<void> {
    const given = this.#consents.get(visitorId) ?? [];
    given.unshift({ version: consent.version, givenAt: new Date(consent.givenAt), ...(consent.address ? { address: consent.address } : {}) });
    this.#consents.set(visitorId, given);
  }

  async consents(visitorId: string): Promise<ConsentRecord[]> {
    return copied(this.#consents.get(visitorId) ?? []);
  }

  async appendToConversation(
    target: ConversationTarget,
    draft: ConversationMessageDraft,
  ): Promise<ConversationAppendResult | null> {
    let current = 'conversationId' in target ? this.#conversations.get(target.conversationId) : this.#byVisitor(target.inbox, target.visitor.id);
    if (current && 'conversationId' in target && target.inboxes && target.inboxes !== '*' && !target.inboxes.includes(current.inbox)) return null;
    let created = false;
    const handler = 'handler' in target ? target.handler : undefined;
    if (!current) {
      if ('conversationId' in target) return null;
      current = newConversation(target.inbox, target.visitor, draft.timestamp, handler);
      created = true;
    }
    const { message, duplicate } = this.#append({ ...draft, room: threadKey(current, draft.note) });
    if (duplicate) return { message, duplicate, conversation: copied(current), changed: null };
    const changed = {
      created,
      reopened: !created && !draft.note && current.status === 'resolved',
      ...(!draft.note && draft.sender.role === 'operator' && current.handler === 'assistant' ? { takenOver: true } : {}),
    };
    if (!draft.note) {
      const folded = foldMessage(current, message, handler);
      if (created) this.#conversationByVisitor.set(JSON.stringify([folded.inbox, folded.visitorId]), folded.id);
      this.#save(created ? null : current, folded);
      current = folded;
    }
    return { message, duplicate, conversation: copied(current), changed };
  }

  async findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    const record = this.#byVisitor(inbox, visitorId);
    return record ? copied(record) : null;
  }

  async visitorConversations(visitorId: string): Promise<ConversationRecord[]> {
    return copied([...this.#conversations.values()].filter((record) => record.visitorId === visitorId));
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const record = this.#conversations.get(id);
    return record ? copied(record) : null;
  }

  async updateConversation(
    id: string,
    expectedVersion: number,
    change: ConversationChange,
  ): Promise<ConversationRecord | null> {
    const record = this.#conversations.get(id);
    if (!record || record.version !== expectedVersion) return null;
    const updated: ConversationRecord = {
      ...record,
      ...copied(change),
      updatedAt: new Date(),
      version: nextVersion(record.version),
    };
    this.#save(record, updated);
    return copied(updated);
  }

  async setVisitorLastSeen(id: string, at: Date): Promise<void> {
    const record = this.#conversations.get(id);
    if (record) record.visitorLastSeenAt = at;
  }

  async updateReply(room: string, id: string, update: ReplyUpdate): Promise<ChatMessage | null> {
    const log = this.#threads.get(room);
    const index = log?.indexOfId(id, this.#idPrefix);
    if (!log || index === undefined || log.replyStatusAt(index) !== 'streaming') return null;
    log.updateReply(index, update, update.status ?? 'streaming', Date.now());
    return log.messageAt(index, this.#idPrefix);
  }

  async staleReplies(before: Date, limit: number): Promise<Array<{ message: ChatMessage; conversationId: string }>> {
    const stale = [];
    for (const log of this.#threads.values()) {
      for (const index of log.streamingSince(before.getTime())) {
        if (stale.length >= limit) return stale;
        stale.push({ message: log.messageAt(index, this.#idPrefix), conversationId: log.room.split('/')[1]! });
      }
    }
    return stale;
  }

  async listConversations({ inboxes, status, assigneeId, handler, before, limit }: ConversationQuery): Promise<ConversationPage> {
    const matching = this.#matching({ inboxes, status, assigneeId, handler })
      .filter((record) => before === undefined || record.version < before)
      .sort((a, b) => b.version - a.version);
    return { conversations: copied(matching.slice(0, limit)), hasMore: matching.length > limit };
  }

  async conversationChanges({ inboxes, since, limit }: ConversationChangesQuery) {
    const changed = this.#matching({ inboxes })
      .filter((record) => record.version > since)
      .sort((a, b) => a.version - b.version);
    return { conversations: copied(changed.slice(0, limit)), hasMore: changed.length > limit };
  }

  async inboxCounts(inboxes: readonly string[] | '*'): Promise<InboxCounts[]> {
    const names = inboxes === '*' ? [...this.#counts.keys()] : inboxes.filter((inbox) => this.#counts.has(inbox));
    return names.map((inbox) => inboxCountsOf(inbox, this.#counts.get(inbox)!));
  }

  #byVisitor(inbox: string, visitorId: string): ConversationRecord | undefined {
    const id = this.#conversationByVisitor.get(JSON.stringify([inbox, visitorId]));
    return id === undefined ? undefined : this.#conversations.get(id);
  }

  /** Stores a conversation's new state, and moves it between the tab counts. */
  #save(before: ConversationRecord | null, after: ConversationRecord): void {
    this.#conversations.set(after.id, after);
    let counts = this.#counts.get(after.inbox);
    if (!counts) this.#counts.set(after.inbox, (counts = new Map()));
    const changes = countChanges(before, after);
    for (const [key, change] of changes) {
      const count = (counts.get(key) ?? 0) + change;
      if (count > 0) counts.set(key, count);
      else counts.delete(key);
    }
    if (changes.length) counts.set(COUNTS_VERSION_KEY, (counts.get(COUNTS_VERSION_KEY) ?? 0) + 1);
  }

  #matching({ inboxes, status, assigneeId, handler }: Omit<ConversationQuery, 'before' | 'limit'>): ConversationRecord[] {
    return [...this.#conversations.values()].filter(
      (record) =>
        (inboxes === '*' || inboxes.includes(record.inbox)) &&
        (status === undefined || record.status === status) &&
        (assigneeId === undefined || ((record.assignee?.id ?? null) === assigneeId && (assigneeId !== null || record.handler !== 'assistant'))) &&
        (handler === undefined || record.handler === handler),
    );
  }
}

/**
 * A deep copy of the store's plain data (objects, arrays, Dates), so that what a caller changes
 * never reaches the store. Several times faster than `structuredClone` on records this small,
 * which the chat copies a few times per message.
 */
function copied<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (Array.isArray(value)) return value.map(copied) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) copy[key] = copied(field);
  return copy as T;
}
