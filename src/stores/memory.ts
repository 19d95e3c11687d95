import { randomBytes } from 'node:crypto';
import type { ChatMessage, EraseMode, ReplyStatus, Sender, SenderRole } from '../protocol.js';
import { copied } from './copied.js';
import { MemoryBookkeeping } from './memory-bookkeeping.js';
import { MemoryThread } from './memory-thread.js';
import { searchThreads, searchVisitorConversations } from './memory-search.js';
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
  PendingDeletion,
  UserRecord,
  VisitorActivity,
  MessageSearch,
  VisitorSearch,
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
  /** Visitors' activity, deletions begun, leases: the bookkeeping of privacy (memory-bookkeeping.ts). */
  readonly #books = new MemoryBookkeeping();

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
    const given = (this.#consents.get(visitorId) ?? []).filter((earlier) => earlier.version !== consent.version);
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

  async searchMessages(query: MessageSearch): Promise<ChatMessage[]> {
    return searchThreads(this.#threads.values(), query, this.#idPrefix);
  }

  async searchVisitors(query: VisitorSearch): Promise<ConversationRecord[]> {
    return copied(searchVisitorConversations(this.#conversations.values(), this.#users, query));
  }

  async conversationsByIds(ids: readonly string[]): Promise<ConversationRecord[]> {
    return ids.flatMap((id) => {
      const record = this.#conversations.get(id);
      return record ? [copied(record)] : [];
    });
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
    if (updated.visitorId !== record.visitorId) {
      this.#conversationByVisitor.delete(JSON.stringify([record.inbox, record.visitorId]));
      this.#conversationByVisitor.set(JSON.stringify([updated.inbox, updated.visitorId]), updated.id);
    }
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

  visitorActivity(visitorId: string): Promise<VisitorActivity | null> {
    return this.#books.visitorActivity(visitorId);
  }

  visitorSeen(visitorId: string, at: Date): Promise<void> {
    return this.#books.visitorSeen(visitorId, at);
  }

  markErased(visitorId: string, at: Date, erasing: EraseMode | null): Promise<void> {
    return this.#books.markErased(visitorId, at, erasing);
  }

  inactiveVisitors(before: Date, limit: number): Promise<string[]> {
    return this.#books.inactiveVisitors(before, limit);
  }

  unfinishedErasures(before: Date, limit: number): Promise<Array<{ visitorId: string; mode: EraseMode }>> {
    return this.#books.unfinishedErasures(before, limit);
  }

  beginDeletion(deletion: PendingDeletion): Promise<void> {
    return this.#books.beginDeletion(deletion);
  }

  pendingDeletions(before: Date, limit: number): Promise<PendingDeletion[]> {
    return this.#books.pendingDeletions(before, limit);
  }

  endDeletion(conversationId: string): Promise<void> {
    return this.#books.endDeletion(conversationId);
  }

  lease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    return this.#books.lease(name, holder, now, until);
  }

  async messagesBySender(senderIds: readonly string[], after: string | undefined, limit: number): Promise<ChatMessage[]> {
    const found: Array<[number, ChatMessage]> = [];
    const afterNumber = after === undefined ? -1 : this.#number(after);
    for (const log of this.#threads.values()) {
      for (let i = 0; i < log.size; i++) {
        if (!senderIds.includes(log.senderIdAt(i)) || log.isErased(i)) continue;
        const message = log.messageAt(i, this.#idPrefix);
        const number = this.#number(message.id);
        if (number > afterNumber) found.push([number, message]);
      }
    }
    return found.sort((a, b) => a[0] - b[0]).slice(0, limit).map(([, message]) => message);
  }

  async eraseMessages(ids: readonly string[]): Promise<number> {
    let erased = 0;
    for (const id of ids) {
      const found = this.#messageById(id);
      if (!found || found.log.isErased(found.index)) continue;
      // The shared sender object holds their name: it goes with their last message.
      this.#senders.delete(found.log.senderIdAt(found.index));
      found.log.erase(found.index);
      erased++;
    }
    return erased;
  }

  async rewriteMessage(id: string, message: string): Promise<void> {
    const found = this.#messageById(id);
    if (found) found.log.replaceText(found.index, message);
  }

  async deleteConversation(record: ConversationRecord): Promise<boolean> {
    const current = this.#conversations.get(record.id);
    if (!current || current.version !== record.version) return false;
    this.#conversations.delete(record.id);
    this.#conversationByVisitor.delete(JSON.stringify([current.inbox, current.visitorId]));
    this.#save(current, null);
    return true;
  }

  async deleteThread(room: string): Promise<number> {
    const count = this.#threads.get(room)?.size ?? 0;
    this.#threads.delete(room);
    return count;
  }

  async deleteUser(visitorId: string): Promise<number> {
    return this.#users.delete(visitorId) ? 1 : 0;
  }

  async deleteConsents(visitorId: string): Promise<number> {
    const count = this.#consents.get(visitorId)?.length ?? 0;
    this.#consents.delete(visitorId);
    return count;
  }

  async messagesBefore(before: Date, limit: number): Promise<ChatMessage[]> {
    const due: ChatMessage[] = [];
    for (const log of this.#threads.values()) {
      const count = Math.min(log.countBefore(before.getTime()), limit - due.length);
      for (let i = 0; i < count; i++) due.push(log.messageAt(i, this.#idPrefix));
      if (due.length >= limit) break;
    }
    return due;
  }

  async deleteMessages(ids: readonly string[]): Promise<number> {
    // Retention deletes the oldest of each thread: its held messages are dropped from the front.
    const dropped = new Map<MemoryThread, number>();
    for (const id of ids) {
      const found = this.#messageById(id);
      if (found) dropped.set(found.log, Math.max(dropped.get(found.log) ?? 0, found.index + 1));
    }
    let deleted = 0;
    for (const [log, count] of dropped) {
      deleted += count;
      if (count === log.size) this.#threads.delete(log.room);
      else log.keepNewest(log.size - count);
    }
    return deleted;
  }

  async resolvedBefore(before: Date, limit: number): Promise<ConversationRecord[]> {
    const due = [...this.#conversations.values()].filter((record) => record.status === 'resolved' && record.updatedAt < before);
    return copied(due.slice(0, limit));
  }

  async forgetLastMessages(gone: ReadonlyArray<{ conversationId: string; messageId: string }>): Promise<void> {
    for (const { conversationId, messageId } of gone) {
      const record = this.#conversations.get(conversationId);
      if (record?.lastMessage?.id === messageId) record.lastMessage = null;
    }
  }

  #number(id: string): number {
    return id.startsWith(this.#idPrefix) ? Number.parseInt(id.slice(this.#idPrefix.length), 36) : -1;
  }

  #messageById(id: string): { log: MemoryThread; index: number } | undefined {
    for (const log of this.#threads.values()) {
      const index = log.indexOfId(id, this.#idPrefix);
      if (index !== undefined) return { log, index };
    }
    return undefined;
  }

  #byVisitor(inbox: string, visitorId: string): ConversationRecord | undefined {
    const id = this.#conversationByVisitor.get(JSON.stringify([inbox, visitorId]));
    return id === undefined ? undefined : this.#conversations.get(id);
  }

  /** Stores a conversation's new state (none: deleted), and moves it between the tab counts. */
  #save(before: ConversationRecord | null, after: ConversationRecord | null): void {
    const inbox = (after ?? before)!.inbox;
    if (after) this.#conversations.set(after.id, after);
    let counts = this.#counts.get(inbox);
    if (!counts) this.#counts.set(inbox, (counts = new Map()));
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
