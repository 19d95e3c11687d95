import type { ChatMessage, Sender } from '../protocol.js';

/** A validated message on its way into the store; the store assigns `id` and `seq`. */
export interface MessageDraft {
  room: string;
  sender: Sender;
  message: string;
  clientId: string;
  timestamp: Date;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when `(room, sender.id, clientId)` was already stored: `message` is the original. */
  duplicate: boolean;
}

/**
 * One page of a room, oldest first. Give at most one of `before` (older than that seq; without
 * either, the latest page) or `after` (newer than that seq, for catch-up).
 */
export interface MessageQuery {
  room: string;
  limit: number;
  before?: number;
  after?: number;
}

export interface MessagePage {
  messages: ChatMessage[];
  /** More messages exist beyond this page, in the direction of the query. */
  hasMore: boolean;
}

/** Details a visitor gave, already validated (phone in E.164). */
export interface UserDetails {
  name: string;
  email: string;
  phone: string;
}

export interface UserRecord extends UserDetails {
  /** The visitor id: an anonymous `v_…` id or a host-app user id as `user:<id>`. */
  id: string;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Storage under the chat server. Implementations must make `appendMessage` atomic per
 * `(room, sender.id, clientId)` (a retry returns the original) and assign strictly
 * increasing `seq` values per room. Values passed in have been validated: strings are
 * strings, numbers are finite integers.
 */
export interface ChatStore {
  /**
   * Prepares storage (indexes) and checks it. The server calls it before accepting clients, and
   * again each time `onAvailable` reports storage back. While storage is unreachable it must
   * reject at once (a `ChatError` with `STORAGE_UNAVAILABLE`) rather than wait for it.
   */
  init(): Promise<void>;
  /**
   * Calls `listener` each time storage becomes reachable (a database that came up late, or came
   * back), so the server gets ready again by itself. Returns a function that stops the calls.
   * Stores that are always reachable leave it out.
   */
  onAvailable?(listener: () => void): () => void;
  appendMessage(draft: MessageDraft): Promise<AppendResult>;
  listMessages(query: MessageQuery): Promise<MessagePage>;
  saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord>;
  getUser(visitorId: string): Promise<UserRecord | null>;
  /** Resolves when storage is reachable; rejects otherwise (at once when it knows it is unreachable). */
  ping(): Promise<void>;
}
