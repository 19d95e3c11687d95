import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '../protocol.js';
import type {
  AppendResult,
  ChatStore,
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

/**
 * Keeps everything in process memory: for tests, prototypes and measuring the library's own
 * overhead. Data is lost on restart and is not shared between server nodes.
 */
export class MemoryStore implements ChatStore {
  readonly #rooms = new Map<string, RoomLog>();
  readonly #byClientId = new Map<string, ChatMessage>();
  readonly #users = new Map<string, UserRecord>();

  async init(): Promise<void> {}

  async ping(): Promise<void> {}

  async appendMessage(draft: MessageDraft): Promise<AppendResult> {
    const key = JSON.stringify([draft.room, draft.sender.id, draft.clientId]);
    const original = this.#byClientId.get(key);
    if (original) return { message: structuredClone(original), duplicate: true };

    let log = this.#rooms.get(draft.room);
    if (!log) {
      log = { lastSeq: 0, messages: [] };
      this.#rooms.set(draft.room, log);
    }
    const message: ChatMessage = {
      id: randomUUID(),
      room: draft.room,
      seq: ++log.lastSeq,
      sender: { id: draft.sender.id, name: draft.sender.name },
      message: draft.message,
      timestamp: draft.timestamp.toISOString(),
      clientId: draft.clientId,
    };
    log.messages.push(message);
    this.#byClientId.set(key, message);
    return { message: structuredClone(message), duplicate: false };
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
    return { messages: structuredClone(all.slice(start, end)), hasMore };
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
