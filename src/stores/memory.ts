import { randomBytes } from 'node:crypto';
import type { ChatMessage, SenderRole } from '../protocol.js';
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
} from './types.js';

interface RoomLog {
  lastSeq: number;
  /** Sorted by seq, because seqs are assigned in insertion order. */
  messages: ChatMessage[];
}

export interface MemoryStoreOptions {
  /**
   * How many of each room's (and conversation's) newest messages are kept; older ones are
   * dropped, from history and from retry detection alike. Between this and twice this many are
   * held, so dropping is done in batches rather than on every message.
   * @default 1000
   */
  maxMessagesPerRoom?: number;
}

/**
 * Keeps everything in process memory: for tests, prototypes and measuring the library's own
 * overhead. Bounded per room (see `maxMessagesPerRoom`); data is lost on restart and is not
 * shared between server nodes. Messages are frozen and handed out as they are, never copied.
 */
export class MemoryStore implements ChatStore {
  readonly #maxPerRoom: number;
  readonly #idPrefix = randomBytes(6).toString('base64url');
  #nextId = 0;
  readonly #rooms = new Map<string, RoomLog>();
  readonly #byClientId = new Map<string, ChatMessage>();
  readonly #users = new Map<string, UserRecord>();
  readonly #conversations = new Map<string, ConversationRecord>();
  readonly #conversationByVisitor = new Map<string, string>();
  #conversationVersion = 0;

  constructor({ maxMessagesPerRoom = 1000 }: MemoryStoreOptions = {}) {
    if (!Number.isInteger(maxMessagesPerRoom) || maxMessagesPerRoom < 1) {
      throw new TypeError('parley-chat: MemoryStore maxMessagesPerRoom must be a positive integer');
    }
    this.#maxPerRoom = maxMessagesPerRoom;
  }

  async init(): Promise<void> {}

  async ping(): Promise<void> {}

  async appendMessage(draft: MessageDraft): Promise<AppendResult> {
    const key = clientKey(draft.room, draft.sender.id, draft.clientId);
    const original = this.#byClientId.get(key);
    if (original) return { message: original, duplicate: true };

    let log = this.#rooms.get(draft.room);
    if (!log) {
      log = { lastSeq: 0, messages: [] };
      this.#rooms.set(draft.room, log);
    }
    const message: ChatMessage = Object.freeze({
      id: `${this.#idPrefix}${(this.#nextId++).toString(36)}`,
      room: draft.room,
      seq: ++log.lastSeq,
      sender: Object.freeze({ id: draft.sender.id, name: draft.sender.name, role: draft.sender.role }),
      message: draft.message,
      timestamp: draft.timestamp.toISOString(),
      clientId: draft.clientId,
    });
    log.messages.push(message);
    this.#byClientId.set(key, message);
    if (log.messages.length >= 2 * this.#maxPerRoom) this.#trim(log);
    return { message, duplicate: false };
  }

  /** Drops all but the newest maxMessagesPerRoom messages of a room, and their retry keys. */
  #trim(log: RoomLog): void {
    const dropped = log.messages.splice(0, log.messages.length - this.#maxPerRoom);
    for (const message of dropped) this.#byClientId.delete(clientKey(message.room, message.sender.id, message.clientId));
  }

  async listMessages({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    const all = this.#rooms.get(room)?.messages ?? [];
    let start: number;
    let end: number;
    let hasMore: boolean;
    if (after !== undefined) {
      start = firstIndexAbove(all, after);
      end = Math.min(all.length, start + limit);
      hasMore = end < all.length;
    } else {
      end = before === undefined ? all.length : firstIndexAbove(all, before - 1);
      start = Math.max(0, end - limit);
      hasMore = start > 0;
    }
    return { messages: all.slice(start, end), hasMore };
  }

  async countMessages({ room, after, role }: { room: string; after: number; role: SenderRole }): Promise<number> {
    const all = this.#rooms.get(room)?.messages ?? [];
    let count = 0;
    for (let i = firstIndexAbove(all, after); i < all.length; i++) if (all[i]!.sender.role === role) count++;
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
    return structuredClone(record);
  }

  async getUser(visitorId: string): Promise<UserRecord | null> {
    const record = this.#users.get(visitorId);
    return record ? structuredClone(record) : null;
  }

  async openConversation(
    inbox: string,
    visitor: { id: string; name: string },
  ): Promise<{ conversation: ConversationRecord; created: boolean }> {
    const key = JSON.stringify([inbox, visitor.id]);
    const existingId = this.#conversationByVisitor.get(key);
    if (existingId) return { conversation: structuredClone(this.#conversations.get(existingId)!), created: false };
    const now = new Date();
    const record: ConversationRecord = {
      id: randomBytes(12).toString('hex'),
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
      version: ++this.#conversationVersion,
    };
    this.#conversations.set(record.id, record);
    this.#conversationByVisitor.set(key, record.id);
    return { conversation: structuredClone(record), created: true };
  }

  async findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    const id = this.#conversationByVisitor.get(JSON.stringify([inbox, visitorId]));
    return id ? structuredClone(this.#conversations.get(id)!) : null;
  }

  async getConversation(id: string): Promise<ConversationRecord | null> {
    const record = this.#conversations.get(id);
    return record ? structuredClone(record) : null;
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
      ...structuredClone(change),
      updatedAt: new Date(),
      version: ++this.#conversationVersion,
    };
    this.#conversations.set(id, updated);
    return structuredClone(updated);
  }

  async listConversations({ inboxes, status, assigneeId, before, limit }: ConversationQuery): Promise<ConversationPage> {
    const matching = this.#matching({ inboxes, status, assigneeId })
      .filter((record) => before === undefined || record.version < before)
      .sort((a, b) => b.version - a.version);
    return { conversations: structuredClone(matching.slice(0, limit)), hasMore: matching.length > limit };
  }

  async conversationChanges({ inboxes, since, limit }: ConversationChangesQuery) {
    const changed = this.#matching({ inboxes })
      .filter((record) => record.version > since)
      .sort((a, b) => a.version - b.version);
    return { conversations: structuredClone(changed.slice(0, limit)), hasMore: changed.length > limit };
  }

  async countConversations(query: Omit<ConversationQuery, 'before' | 'limit'>): Promise<number> {
    return this.#matching(query).length;
  }

  #matching({ inboxes, status, assigneeId }: Omit<ConversationQuery, 'before' | 'limit'>): ConversationRecord[] {
    return [...this.#conversations.values()].filter(
      (record) =>
        (inboxes === '*' || inboxes.includes(record.inbox)) &&
        (status === undefined || record.status === status) &&
        (assigneeId === undefined || (record.assignee?.id ?? null) === assigneeId),
    );
  }
}

function clientKey(room: string, senderId: string, clientId: string): string {
  // Room names and visitor ids never hold a newline; clientIds are [A-Za-z0-9_-].
  return `${room}\n${senderId}\n${clientId}`;
}

/** Index of the first message with a seq above `seq` (binary search; the log is sorted by seq). */
function firstIndexAbove(messages: readonly ChatMessage[], seq: number): number {
  let low = 0;
  let high = messages.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (messages[mid]!.seq > seq) high = mid;
    else low = mid + 1;
  }
  return low;
}
