import { randomBytes } from 'node:crypto';
import type { Assignee, ChatMessage, ConversationStatus, Sender, SenderRole } from '../protocol.js';

/** A validated message on its way into the store; the store assigns `id` and `seq`. */
export interface MessageDraft {
  /**
   * The thread the message belongs to: a public room's name, or a conversation's thread key
   * (`<inbox>/<conversationId>`, see `threadKey`). Named `room` as on `ChatMessage`.
   */
  room: string;
  sender: Sender;
  message: string;
  clientId: string;
  timestamp: Date;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when `(room, sender.id, clientId)` was already stored in the thread: `message` is the original. */
  duplicate: boolean;
}

/**
 * One page of a thread (`room`: a room's name or a conversation's thread key), oldest first. Give
 * at most one of `before` (older than that seq; without either, the latest page) or `after`
 * (newer than that seq, for catch-up).
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

/** A support conversation as stored: one per (inbox, visitor). */
export interface ConversationRecord {
  /** Random and unguessable; every access is still checked against who asks. */
  id: string;
  inbox: string;
  visitorId: string;
  /** The visitor's display name when the conversation last changed. */
  visitorName: string;
  status: ConversationStatus;
  assignee: Assignee | null;
  /** The newest message the visitor can see (notes excluded). */
  lastMessage: ChatMessage | null;
  /** Visitor messages after `operatorReadSeq`. */
  unread: number;
  visitorReadSeq: number;
  operatorReadSeq: number;
  /** Since when the visitor has waited for an answer; null when an operator answered last. */
  waitingSince: Date | null;
  /** When a tab of the visitor last left the conversation. */
  visitorLastSeenAt: Date | null;
  /** The last operator message the `onUnseenReply` hook was called for. */
  unseenNotifiedSeq: number;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Drawn from one counter for all conversations at every change, so it grows across the whole
   * store: the inbox's change cursor. Also the compare-and-set token of `updateConversation`.
   */
  version: number;
}

/** What `updateConversation` may change; everything else is the store's. */
export type ConversationChange = Partial<
  Pick<
    ConversationRecord,
    | 'visitorName'
    | 'status'
    | 'assignee'
    | 'lastMessage'
    | 'unread'
    | 'visitorReadSeq'
    | 'operatorReadSeq'
    | 'waitingSince'
    | 'visitorLastSeenAt'
    | 'unseenNotifiedSeq'
  >
>;

export interface ConversationQuery {
  /** The inboxes to list; `'*'` for all. */
  inboxes: readonly string[] | '*';
  status?: ConversationStatus;
  /** An operator's id; `null` for unassigned; absent for any. */
  assigneeId?: string | null;
  /** Only conversations with a version below this one (the previous page's last). */
  before?: number;
  limit: number;
}

export interface ConversationPage {
  /** Most recently changed first. */
  conversations: ConversationRecord[];
  hasMore: boolean;
}

export interface ConversationChangesQuery {
  inboxes: readonly string[] | '*';
  /** Changes with a version above this one. */
  since: number;
  limit: number;
}

/**
 * Storage under the chat server. Implementations must make `appendMessage` atomic per
 * `(room, sender.id, clientId)` (a retry returns the original without taking a new seq) and
 * give each thread seqs 1, 2, 3, … Values passed in have been validated: strings are strings,
 * numbers are finite integers.
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
  /** How many messages of the thread `room` after seq `after` were written by senders of `role`. */
  countMessages(query: { room: string; after: number; role: SenderRole }): Promise<number>;
  saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord>;
  getUser(visitorId: string): Promise<UserRecord | null>;
  /** Resolves when storage is reachable; rejects otherwise (at once when it knows it is unreachable). */
  ping(): Promise<void>;

  /**
   * The conversation of (inbox, visitor), created open if there is none. Two calls at once, from
   * any number of nodes, find the same one (a unique index, not a read-then-write); `created` is
   * true for the call that made it.
   */
  openConversation(
    inbox: string,
    visitor: { id: string; name: string },
  ): Promise<{ conversation: ConversationRecord; created: boolean }>;
  findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /**
   * Applies `change` if the conversation still has `expectedVersion`, drawing it a new version
   * and setting `updatedAt`; resolves with the updated record, or null when it changed meanwhile
   * (or does not exist).
   */
  updateConversation(id: string, expectedVersion: number, change: ConversationChange): Promise<ConversationRecord | null>;
  listConversations(query: ConversationQuery): Promise<ConversationPage>;
  /** Conversations changed after `since`, oldest change first. */
  conversationChanges(query: ConversationChangesQuery): Promise<{ conversations: ConversationRecord[]; hasMore: boolean }>;
  /** How many conversations match (for the inbox's tab counts). */
  countConversations(query: Omit<ConversationQuery, 'before' | 'limit'>): Promise<number>;
}

/** A conversation as its first message opens it: open, unassigned, nothing read, nothing waiting yet. */
export function newConversation(inbox: string, visitor: { id: string; name: string }, version: number): ConversationRecord {
  const now = new Date();
  return {
    // Random and unguessable; every access is still checked against who asks.
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
    version,
  };
}

/**
 * The thread key of a conversation, or of its notes: where the store keeps its messages, and
 * what their `room` field holds. Never a valid room name (it has `/`), so no public room can
 * ever read a conversation.
 */
export function threadKey(conversation: { inbox: string; id: string }, notes = false): string {
  return `${conversation.inbox}/${conversation.id}${notes ? '/notes' : ''}`;
}

