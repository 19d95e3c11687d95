import type { Assignee, ChatFile, ChatMessage, Citation, ConversationHandler, ConversationStatus, EraseMode, Handoff, ReplyStatus, Sender, SenderRole } from '../protocol.js';

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
  /** Files sent with it, as the chat stores them (`url` relative, see `fileOfRecord`). */
  files?: ChatFile[] | undefined;
}

export interface AppendOptions {
  /**
   * The client says it sent this message before (a resend after a lost acknowledgement): the
   * store looks for the original first, so a retry never takes a seq.
   */
  retry?: boolean;
}

export interface AppendResult {
  message: ChatMessage;
  /** True when `(room, sender.id, clientId)` was already stored in the thread: `message` is the original. */
  duplicate: boolean;
}

/** A message of a support conversation: the visitor's, an operator's (or the host's bot's), or a note. */
export interface ConversationMessageDraft {
  sender: Sender;
  message: string;
  clientId: string;
  timestamp: Date;
  /** A note: only operators see it; it has its own seqs and leaves the conversation's summary as it is. */
  note?: boolean;
  /** An assistant's reply: `streaming` when it starts (see `updateReply`). */
  status?: ReplyStatus;
  /** As in `MessageDraft`. */
  files?: ChatFile[] | undefined;
}

/** The state an assistant's reply moves to: its text so far, and `status` once it ends. */
export interface ReplyUpdate {
  message: string;
  citations: Citation[];
  /** Left out while it streams on. */
  status?: Exclude<ReplyStatus, 'streaming'>;
}

/**
 * Where a conversation message goes: a conversation by id, or a visitor's own conversation in an
 * inbox, which their first message creates. `expect` is what the caller last knew of it (none
 * yet, open or resolved), which a store may use to try the right update first.
 */
export type ConversationTarget =
  /** `inboxes`: only if the conversation is in one of these (who asks may read only those). */
  | { conversationId: string; inboxes?: readonly string[] | '*' | undefined }
  | {
      inbox: string;
      visitor: { id: string; name: string };
      expect?: 'new' | 'open' | 'resolved' | undefined;
      /** Who answers the conversation if this message opens it (creates or reopens it). @default 'waiting' */
      handler?: ConversationHandler | undefined;
    };

export interface ConversationAppendResult extends AppendResult {
  /** The conversation with the message folded in (for a duplicate, as it is now). */
  conversation: ConversationRecord;
  /**
   * What the message did to its conversation, told to the call that stored it (also when that
   * call finished what a failed first attempt started); null for a duplicate. `takenOver`: an
   * operator's message took the conversation from the assistant.
   */
  changed: { created: boolean; reopened: boolean; takenOver?: boolean } | null;
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
  /**
   * Every seq up to this one is in the thread or never will be: a missing one below it was burnt,
   * one above it may still be on its way (a write that took its seq and has not landed yet).
   * Stores that write a message in one step leave it out.
   */
  settledSeq?: number;
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

/** A visitor's consent to a version of the chat's terms (`privacy.consent`), and when it was given. */
export interface ConsentRecord {
  version: string;
  givenAt: Date;
  /** Where it was given from, as far as `privacy.ipAddresses` lets the chat keep it. */
  address?: string | undefined;
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
  /** Who answers it (see `ConversationHandler`). */
  handler: ConversationHandler;
  /** The last handoff from the assistant to the team, while the team has it. */
  handoff: Handoff | null;
  /** The assistant's replies since the conversation last opened. */
  assistantReplies: number;
  /** When it was last resolved (kept when it reopens): names each resolution, for ratings and webhooks. */
  resolvedAt: Date | null;
  /** The rating asked for the latest resolution (`ratings` on, not skipped), and the visitor's answer. */
  rating: RatingRecord | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * Taken at every change from a clock shared by the whole store (see `nextVersion`), so it grows
   * across all conversations: the inbox's change cursor. Also the compare-and-set token of
   * `updateConversation`.
   */
  version: number;
}

/** An inbox's conversations by tab, as the store keeps them counted. */
export interface InboxCounts {
  inbox: string;
  open: number;
  /** Open and assigned to nobody, and the assistant does not answer it. */
  unassigned: number;
  resolved: number;
  /** Open, and the assistant answers it. */
  assistant: number;
  /** Open conversations per assignee id. */
  assigned: Record<string, number>;
  /** Grows with every change of the counts: of two answers, the one with the higher version is the newer. */
  version: number;
}

/** A rating asked of the visitor for one resolution; `score` is null until they answer. */
export interface RatingRecord {
  /** The resolution it is about: the conversation's `resolvedAt` when it was asked. */
  resolvedAt: Date;
  /** Who the conversation was assigned to when it was resolved. */
  assignee: Assignee | null;
  score: number | null;
  comment: string | null;
  at: Date | null;
}

/** What `updateConversation` may change; everything else is the store's. */
export type ConversationChange = Partial<
  Pick<
    ConversationRecord,
    /** Only to anonymise a conversation (see `eraseVisitor`): the store then forgets which messages created or reopened it. */
    | 'visitorId'
    | 'visitorLastSeenAt'
    | 'visitorName'
    | 'status'
    | 'assignee'
    | 'unread'
    | 'visitorReadSeq'
    | 'operatorReadSeq'
    | 'waitingSince'
    | 'unseenNotifiedSeq'
    | 'handler'
    | 'handoff'
    | 'assistantReplies'
    | 'resolvedAt'
    | 'rating'
    | 'lastMessage'
  >
>;

export interface ConversationQuery {
  /** The inboxes to list; `'*'` for all. */
  inboxes: readonly string[] | '*';
  status?: ConversationStatus;
  /**
   * An operator's id; `null` for unassigned (and not answered by the assistant: nobody answers
   * them); absent for any.
   */
  assigneeId?: string | null;
  /** Only the conversations the assistant answers. */
  handler?: 'assistant';
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

/** What the chat knows of a visitor beside their details: when a tab of theirs last connected, and whether they were erased. */
export interface VisitorActivity {
  lastSeenAt: Date | null;
  /** When their erasure began, if it ever did. */
  erasedAt: Date | null;
  /** Their erasure began and has not finished (how it erases): they may not connect meanwhile. */
  erasing: EraseMode | null;
}

/** A conversation whose deletion began: once it is gone, its threads' messages follow. */
export interface PendingDeletion {
  conversationId: string;
  inbox: string;
  at: Date;
}

/**
 * What `chat.privacy` needs of storage: finding everything of one visitor, erasing it, and deleting
 * what the retention rules say is due, in bounded batches.
 */
export interface PrivacyStore {
  visitorActivity(visitorId: string): Promise<VisitorActivity | null>;
  /** A tab of the visitor connected at `at` (a host user erased before may come back). */
  visitorSeen(visitorId: string, at: Date): Promise<void>;
  /**
   * The visitor's erasure began at `at`, erasing as `erasing` says (their tokens stop working, they
   * may not connect), or, with `erasing` null, is done (and they are no longer counted as seen).
   */
  markErased(visitorId: string, at: Date, erasing: EraseMode | null): Promise<void>;
  /** Visitors not seen since `before`, at most `limit`. */
  inactiveVisitors(before: Date, limit: number): Promise<string[]>;
  /** Visitors whose erasure began before `before` and has not finished (a failure cut it short). */
  unfinishedErasures(before: Date, limit: number): Promise<Array<{ visitorId: string; mode: EraseMode }>>;
  /**
   * Messages of any thread sent by one of `senderIds` and not erased yet, in the store's order:
   * `after` is the `id` of the previous page's last message.
   */
  messagesBySender(senderIds: readonly string[], after: string | undefined, limit: number): Promise<ChatMessage[]>;
  /**
   * Turns messages into tombstones (`ChatMessage.erased`): no text, no files, no citations, the
   * sender's id and name gone; seq, thread, time and role kept. Resolves how many it changed.
   */
  eraseMessages(ids: readonly string[]): Promise<number>;
  /** Replaces a message's text (the team's words that named an erased visitor). */
  rewriteMessage(id: string, message: string): Promise<void>;
  /**
   * Deletes a conversation and its place in the counts, if it still has `record.version`; its
   * messages are `deleteThread`'s. Resolves false when it changed meanwhile or is gone already.
   */
  deleteConversation(record: ConversationRecord): Promise<boolean>;
  /** Deletes every message of a thread (`room`); resolves how many. */
  deleteThread(room: string): Promise<number>;
  /** Notes that a conversation's deletion began, so that a deletion cut short is finished. */
  beginDeletion(deletion: PendingDeletion): Promise<void>;
  /** Deletions begun before `before` and not ended, at most `limit`. */
  pendingDeletions(before: Date, limit: number): Promise<PendingDeletion[]>;
  endDeletion(conversationId: string): Promise<void>;
  /** Deletes the visitor's details; resolves how many records (0 or 1). */
  deleteUser(visitorId: string): Promise<number>;
  deleteConsents(visitorId: string): Promise<number>;
  /** Messages (of any thread, notes included) stored before `before`, oldest first, at most `limit`. */
  messagesBefore(before: Date, limit: number): Promise<ChatMessage[]>;
  /** Deletes messages by id; resolves how many. */
  deleteMessages(ids: readonly string[]): Promise<number>;
  /** Conversations resolved (and unchanged) since before `before`, oldest first, at most `limit`. */
  resolvedBefore(before: Date, limit: number): Promise<ConversationRecord[]>;
  /** Each conversation whose last message is still the one named forgets it (it was deleted). */
  forgetLastMessages(gone: ReadonlyArray<{ conversationId: string; messageId: string }>): Promise<void>;
  /**
   * Takes the lease `name` for `holder` until `until`, or renews it, unless another holder has it
   * past `now`. Resolves whether `holder` has it.
   */
  lease(name: string, holder: string, now: Date, until: Date): Promise<boolean>;
}

/** Messages of support conversations (not notes, not erased) that contain every word of `text`. */
export interface MessageSearch {
  text: string;
  inboxes: readonly string[] | '*';
  /** Only in these conversations' threads (see `threadKey`). */
  threads?: readonly string[] | undefined;
  /** Sent before this time. */
  before?: Date | undefined;
  /** Sent at or after this time. */
  since?: Date | undefined;
  limit: number;
}

/** Conversations whose visitor `term` names: their visitor id, email, or the start of their name; or the conversation's id. */
export interface VisitorSearch {
  term: string;
  inboxes: readonly string[] | '*';
  /** Changed before this time. */
  before?: Date | undefined;
  since?: Date | undefined;
  limit: number;
}

/**
 * Search for the team (see `chat.conversations.search`). A store may use the server's text search
 * where it has one; what it finds then is whole words, and otherwise any part of a word.
 */
export interface SearchStore {
  /** Newest first (by `timestamp`). */
  searchMessages(query: MessageSearch): Promise<ChatMessage[]>;
  /** Newest change first (by `updatedAt`). */
  searchVisitors(query: VisitorSearch): Promise<ConversationRecord[]>;
  /** The conversations with these ids that exist, in any order. */
  conversationsByIds(ids: readonly string[]): Promise<ConversationRecord[]>;
}

/**
 * Storage under the chat server. Implementations store a message once per
 * `(thread, sender.id, clientId)` (a retry returns the original without taking a new seq) and give
 * each thread seqs 1, 2, 3, … Values passed in have been validated: strings are strings, numbers
 * are finite integers. `test/stores/store-contract.ts` is the contract every store passes.
 */
export interface ChatStore extends PrivacyStore, SearchStore {
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
  /** Stores a message of a public room. */
  appendMessage(draft: MessageDraft, options?: AppendOptions): Promise<AppendResult>;
  listMessages(query: MessageQuery): Promise<MessagePage>;
  /** How many messages of the thread `room` after seq `after` were written by senders of `role`. */
  countMessages(query: { room: string; after: number; role: SenderRole }): Promise<number>;
  saveUserDetails(visitorId: string, details: UserDetails): Promise<UserRecord>;
  getUser(visitorId: string): Promise<UserRecord | null>;
  /** Records that the visitor consented to `version` of the chat's terms (the latest consent to each version kept). */
  recordConsent(visitorId: string, consent: ConsentRecord): Promise<void>;
  /** The visitor's consents, newest first. */
  consents(visitorId: string): Promise<ConsentRecord[]>;
  /** Resolves when storage is reachable; rejects otherwise (at once when it knows it is unreachable). */
  ping(): Promise<void>;

  /**
   * Stores a message of a conversation and folds it into the conversation in the step that takes
   * its seq (see `foldMessage`): a visitor's message creates their conversation if there is none
   * (one per inbox and visitor, however many first messages race, on any number of nodes) and
   * reopens a resolved one; an operator's answers (and so reads) the visitor's. A retry that finds
   * the message's seq taken but the message missing (the first attempt failed between its
   * steps) stores it under that seq. Resolves null for a conversation id that does not exist.
   */
  appendToConversation(
    target: ConversationTarget,
    draft: ConversationMessageDraft,
    options?: AppendOptions,
  ): Promise<ConversationAppendResult | null>;
  findConversation(inbox: string, visitorId: string): Promise<ConversationRecord | null>;
  /** Every conversation of a visitor, in any inbox (one each at most). */
  visitorConversations(visitorId: string): Promise<ConversationRecord[]>;
  getConversation(id: string): Promise<ConversationRecord | null>;
  /**
   * Applies `change` if the conversation still has `expectedVersion`, giving it a new version and
   * setting `updatedAt`, and keeps the inbox's counts; resolves with the updated record, or null
   * when it changed meanwhile (or does not exist).
   */
  updateConversation(id: string, expectedVersion: number, change: ConversationChange): Promise<ConversationRecord | null>;
  /** When a tab of the visitor last left: not a change of the conversation (no new version). */
  setVisitorLastSeen(id: string, at: Date): Promise<void>;
  /**
   * Moves an assistant's reply on while it is still `streaming`: its text and citations so far
   * (which renews its lease, see `staleReplies`), or how it ended. Resolves with the message, or
   * null when the reply is not streaming any more (another node ended it first).
   */
  updateReply(room: string, id: string, update: ReplyUpdate): Promise<ChatMessage | null>;
  /**
   * Replies still `streaming` that nothing has moved on since `before`: their node went away. At
   * most `limit`, with the conversation id of each.
   */
  staleReplies(before: Date, limit: number): Promise<Array<{ message: ChatMessage; conversationId: string }>>;
  listConversations(query: ConversationQuery): Promise<ConversationPage>;
  /** Conversations changed after `since`, oldest change first. */
  conversationChanges(query: ConversationChangesQuery): Promise<{ conversations: ConversationRecord[]; hasMore: boolean }>;
  /**
   * The tab counts of the inboxes, kept as conversations change rather than counted on each
   * call; an inbox without conversations has none.
   */
  inboxCounts(inboxes: readonly string[] | '*'): Promise<InboxCounts[]>;
}
