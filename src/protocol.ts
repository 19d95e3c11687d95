// Longer than our other files on purpose: the whole wire protocol in one place, for client authors.
/**
 * The wire protocol between the chat server and its clients (the `<chat-widget>` or any
 * `socket.io-client`). Types and constants only: the widget imports this file, so nothing
 * here may pull server code into the browser bundle.
 *
 * Every client → server event except `typing` takes an acknowledgement callback, and every
 * acknowledgement is an {@link Ack}: `{ ok: true, ... }` or `{ ok: false, error }`.
 */

/** The closed set of error codes a client can receive. */
export const ERROR_CODES = [
  'VALIDATION',
  'TOO_LARGE',
  'RATE_LIMITED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'STORAGE_UNAVAILABLE',
  'CONFLICT',
  'INTERNAL',
  'CONSENT_REQUIRED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error half of every acknowledgement, and `err.data` of a refused handshake. */
export interface ChatErrorPayload {
  code: ErrorCode;
  /** Human-readable, safe to show to a visitor; never contains server internals. */
  message: string;
  /** Per-field messages for `VALIDATION`, keyed by payload field (`name`, `email`, ...). */
  fields?: Record<string, string>;
  /** For `RATE_LIMITED`: how long to wait before the next attempt can succeed. */
  retryAfterMs?: number;
  /** True when the same request may succeed if sent again later (`STORAGE_UNAVAILABLE`). */
  retryable?: boolean;
  /** For `CONFLICT` on `assign`: who the conversation is assigned to now. */
  assignee?: Assignee | null;
}

export type AckError = { ok: false; error: ChatErrorPayload };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

export type SenderRole = 'visitor' | 'operator' | 'assistant' | 'system';

/**
 * How an assistant's reply stands: `streaming` while it is written (its text grows through
 * `delta` events), then `complete`, `interrupted` (it failed, timed out, or a person took over)
 * or `handoff` (it handed the conversation to the team).
 */
export type ReplyStatus = 'streaming' | 'complete' | 'interrupted' | 'handoff';

/** A source an assistant's reply cites. */
export interface Citation {
  title: string;
  /** http or https. */
  url: string;
}

/** What the assistant is doing while it streams a reply, for a status line. */
export type AssistantActivity = 'thinking' | 'searching' | 'writing';

/**
 * Who answers a support conversation: the `assistant`, nobody yet (`waiting` for a person of the
 * team) or an `operator`.
 */
export type ConversationHandler = 'assistant' | 'waiting' | 'operator';

/** Why and how a conversation went from the assistant to the team. */
export interface Handoff {
  /** `visitor` (they asked for a person), `error` (the reply failed or ran past its time), `limit`, or the model's or the host's own words. */
  reason: string;
  /** What the assistant says the visitor needs, for the person who takes over. */
  summary?: string;
  /** Who handed it over: the assistant (the model, or a failure), the visitor, or the host's code. */
  by: 'assistant' | 'visitor' | 'host';
  /** ISO 8601. */
  at: string;
}

/**
 * The public face of whoever wrote a message. Never an email or phone, and for operators never
 * the host app's user id: an operator's `id` is a stable opaque id (`op_…`).
 */
export interface Sender {
  id: string;
  name: string;
  role: SenderRole;
}

export interface ChatMessage {
  /** Store-assigned id, unique across rooms. */
  id: string;
  /**
   * The room, or for a support conversation `<inbox>/<conversationId>` (and
   * `<inbox>/<conversationId>/notes` for operators' notes). Room names never contain `/`.
   */
  room: string;
  /**
   * Increases by one per message in its room or conversation, with no gaps in normal operation:
   * the cursor for `history.before` and `join.since`. (A failure between taking a seq and storing
   * the message can burn one; clients accept a hole that stays empty after they asked for it.)
   */
  seq: number;
  sender: Sender;
  message: string;
  /** ISO 8601, set by the server when the message is stored. */
  timestamp: string;
  /** Made by the client; a repeat of `(room, sender, clientId)` returns the original message. */
  clientId: string;
  /** Operators only: a note, which visitors never see. Notes have their own seq. */
  note?: true;
  /** The assistant's replies: how the reply stands (see `ReplyStatus`). */
  status?: ReplyStatus;
  /** The assistant's replies: the sources it cited. */
  citations?: Citation[];
  /** Files sent with the message (see `ChatFile`); absent when it has none. */
  files?: ChatFile[];
  /**
   * The message was erased (its sender's data was, see `chat.privacy.eraseVisitor`): it keeps its
   * seq so catch-up stays exact, with `message` '', no files and the sender's name ''.
   */
  erased?: true;
}

/**
 * A file sent with a message. `url` and `thumbnailUrl` are signed for the reader they were sent
 * to and expire (15 minutes by default): `join` and `history` give fresh ones. Whoever holds a
 * URL may read the file until it expires; a request that also carries a visitor's token must be
 * that reader's.
 */
export interface ChatFile {
  id: string;
  /** The name it was uploaded with, cleaned of paths and control characters. */
  name: string;
  /** Sniffed from the content, never taken from the name or the client: one of the chat's `files.types`. */
  type: string;
  /** Bytes. */
  size: number;
  /** Images whose size is known. */
  width?: number;
  height?: number;
  /** Where to read it (`GET <basePath>/files/<id>?…`); images of the allowed types are served inline, the rest as attachments. */
  url: string;
  /** Images with a thumbnail (when the server has `sharp`): at most 320 pixels a side, WebP. */
  thumbnailUrl?: string;
}

/** The answer of `POST <basePath>/files`: the file, stored but not yet sent (see `ChatFile`). */
export interface UploadAck {
  ok: true;
  file: { id: string; name: string; type: string; size: number; width?: number; height?: number };
}

/**
 * More text of an assistant's reply that is `streaming`: append `text` when `offset` is the
 * length (UTF-16 code units) of the text you have; otherwise skip it and wait for the reply's
 * next `message`, which carries the whole text. Sent at most every 100 ms, and volatile.
 */
export interface DeltaEvent {
  /** The reply's message id. */
  id: string;
  /** Visitors: the inbox of the conversation. */
  inbox?: string;
  /** Operators: the conversation. */
  conversationId?: string;
  offset: number;
  text: string;
  /** What the assistant is doing now, when it said. */
  activity?: AssistantActivity;
}

/** A visitor's own details, sent only to that visitor's sockets. */
export interface VisitorDetails {
  id: string;
  name: string;
  email: string;
  /** E.164, e.g. `+442079460958`; empty when the visitor gave none. */
  phone: string;
}

export interface JoinPayload {
  room: string;
  /** The last `seq` the client has; the ack then holds every message after it (catch-up). */
  since?: number;
}

export interface MessagePayload {
  room: string;
  /** May be empty when `files` has any. */
  message: string;
  /** 1–64 characters of `[A-Za-z0-9_-]`; reuse it when retrying the same message. */
  clientId: string;
  /** Ids from `POST <basePath>/files`, uploaded by this sender and not sent yet (or sent with this clientId). */
  files?: string[];
  /**
   * Set when resending a message the client sent before without an answer: the server looks for
   * the stored original first, so the retry takes no seq. Optional; a retry without it is still
   * stored once.
   */
  retry?: boolean;
}

export interface HistoryPayload {
  room: string;
  /** Return messages with a `seq` below this one. */
  before: number;
  /** Page size, 1–100; defaults to the server's page size. */
  limit?: number;
}

export interface UserDetailsPayload {
  /** 1–100 characters after trimming. */
  name: string;
  email: string;
  /** Optional; with its country code (`+44 20 7946 0958`) unless the server sets a default country. */
  phone?: string;
}

export interface TypingPayload {
  room: string;
  typing: boolean;
}

// Support conversations, visitor side: the same events with `{ inbox }` instead of `{ room }`,
// naming the visitor's own conversation in that inbox.

export interface InboxJoinPayload {
  inbox: string;
  /** The last `seq` the client has of its conversation; the ack then holds every message after it. */
  since?: number;
}

export interface InboxMessagePayload {
  inbox: string;
  /** May be empty when `files` has any. */
  message: string;
  clientId: string;
  /** As in `MessagePayload`. */
  files?: string[];
  /** As in `MessagePayload`. */
  retry?: boolean;
}

export interface InboxHistoryPayload {
  inbox: string;
  before: number;
  limit?: number;
}

export interface InboxTypingPayload {
  inbox: string;
  typing: boolean;
}

/** The visitor has read their conversation up to and including `seq`. */
export interface ReadPayload {
  inbox: string;
  seq: number;
}

export type ConversationStatus = 'open' | 'resolved';

/** An operator as other operators see them: the host app's user id and display name. */
export interface Assignee {
  id: string;
  name: string;
}

/** The visitor's view of their conversation: no operator ids, no internal counters. */
export interface VisitorConversation {
  id: string;
  inbox: string;
  status: ConversationStatus;
  /** The display name of the operator who took it, if any. */
  assignee: { name: string } | null;
  /** The last seq the visitor has read. */
  visitorReadSeq: number;
  /** The last seq an operator has read: the visitor's messages up to it are "Seen". */
  operatorReadSeq: number;
  /** Who answers it now. */
  handler: ConversationHandler;
  /**
   * With `ratings` on: the rating asked for the conversation's latest resolution. Ask for it
   * (`rate`) while `status` is `resolved` and `score` is null. Absent when none was asked (ratings
   * off, never resolved, or resolved with `skipRating`).
   */
  rating?: VisitorRatingState;
}

/** The rating a visitor is asked for, once per resolution of their conversation. */
export interface VisitorRatingState {
  asked: true;
  /** The question to show (`ratings.ask`). */
  ask: string;
  /** Their answer, 1 to 5, once they gave it. */
  score: number | null;
}

/** A visitor's rating of a resolution of their conversation, as the team sees it. */
export interface ConversationRating {
  /** 1 (bad) to 5 (good). */
  score: number;
  comment: string | null;
  /** ISO 8601: when they rated. */
  at: string;
  /** ISO 8601: the resolution they rated (`resolvedAt` when it was rated). */
  resolvedAt: string;
  /** Who the conversation was assigned to when it was resolved. */
  assignee: Assignee | null;
}

/** `rate`: the visitor rates the latest resolution of their conversation in `inbox`. */
export interface RatePayload {
  inbox: string;
  /** A whole number from 1 to 5. */
  score: number;
  /** At most 1000 characters. */
  comment?: string;
}
export type RateAck = Ack<{ conversation: VisitorConversation }>;

/** The team's side of a conversation, for operators' lists. */
export interface ConversationSummary {
  id: string;
  inbox: string;
  status: ConversationStatus;
  visitor: {
    /** The visitor id of the visitor's `session` event. */
    id: string;
    name: string;
    online: boolean;
    /** ISO 8601: when a tab of the visitor last left the conversation; null while never. */
    lastSeenAt: string | null;
  };
  assignee: Assignee | null;
  /** The newest message visitors can see (notes excluded). */
  lastMessage: ChatMessage | null;
  /** Visitor messages after `operatorReadSeq`. */
  unread: number;
  visitorReadSeq: number;
  operatorReadSeq: number;
  /** ISO 8601: since when the visitor has been waiting for a person; null when answered (or the assistant answers). */
  waitingSince: string | null;
  /** Who answers it now. */
  handler: ConversationHandler;
  /** The last handoff from the assistant to the team, while the team has it. */
  handoff: Handoff | null;
  /** ISO 8601: when it was last resolved (kept when it reopens); null while never. */
  resolvedAt: string | null;
  /** The visitor's rating of that resolution, once they gave one. */
  rating: ConversationRating | null;
  createdAt: string;
  updatedAt: string;
  /** Grows with every change of the conversation; opaque, compare only with `<`. */
  version: number;
}

export type InboxJoinAck = Ack<{
  inbox: string;
  /** Null until the visitor's first message creates it. */
  conversation: VisitorConversation | null;
  messages: ChatMessage[];
  hasMore: boolean;
  /**
   * With `since`: every seq up to this one is in `messages` (or was delivered before), or never
   * will be; a missing seq above it may still be on its way. Absent when the server cannot tell
   * (then every missing seq up to the last message is burnt).
   */
  settledSeq?: number;
  team: InboxTeamView;
  /** The inbox's assistant, when it has one. */
  assistant: { name: string } | null;
}>;

/** Who of the team answers, and when a person would. */
export interface InboxTeamView extends TeamView {
  /** Within the team's hours (always, without hours). */
  open: boolean;
  /** ISO 8601, outside hours: when the team is next in. */
  nextOpening?: string;
  /** Outside hours: what the host says then. */
  awayMessage?: string;
  /** Within hours with someone online: about how many minutes a person takes to answer. */
  waitMinutes?: number;
}

/** `handoff` and `assistant`: who answers the visitor's conversation now (also before it exists). */
export type HandlerAck = Ack<{ conversation: VisitorConversation | null; handler: ConversationHandler }>;
export type InboxMessageAck = Ack<{ message: ChatMessage; conversation: VisitorConversation }>;
export type ReadAck = Ack<{ conversation: VisitorConversation }>;

/** What visitors see of the team: one operator online. */
export interface TeamMember {
  /** The opaque id on the operator's messages (`sender.id`), never the host's user id. */
  id: string;
  name: string;
  avatarUrl?: string;
}

/** Who of an inbox's team is online. */
export interface TeamView {
  /** Operators of this inbox online now. */
  online: number;
  /** Some of them (at most 5), by name, to show with the greeting. */
  members: TeamMember[];
}

export interface TeamEvent extends InboxTeamView {
  inbox: string;
}

export type JoinAck = Ack<{
  room: string;
  /** Oldest first. */
  messages: ChatMessage[];
  /**
   * Without `since`: older messages exist (page with `history`). With `since`: more newer
   * messages exist than one catch-up returns; join again with the last `seq` received.
   */
  hasMore: boolean;
  /**
   * With `since`: every seq up to this one is in `messages` (or was delivered before), or never
   * will be; a missing seq above it may still be on its way. Absent when the server cannot tell
   * (then every missing seq up to the last message is burnt).
   */
  settledSeq?: number;
  online: number;
}>;
export type MessageAck = Ack<{ message: ChatMessage }>;
export type HistoryAck = Ack<{ messages: ChatMessage[]; hasMore: boolean }>;
export type UserDetailsAck = Ack<{ user: VisitorDetails }>;

export interface SessionEvent {
  visitorId: string;
  /**
   * The id this visitor's messages and typing carry in public rooms: `visitorId` for an anonymous
   * visitor, an opaque one for a user of the host (whose own id other visitors never see).
   */
  senderId?: string;
  /** Keep it and send it back as `auth.token` to stay the same visitor. */
  token: string;
  user?: VisitorDetails;
  /** What may be uploaded (`POST <basePath>/files`), when the chat takes files; absent otherwise. */
  files?: FileLimits;
  /** The chat's terms, when the host set `privacy.consent`: whether this visitor agreed to the current version. */
  consent?: ConsentState;
  /** True when the host lets visitors delete their conversations (`deleteConversation`). */
  canDeleteConversation?: boolean;
}

/** Messages whose text was erased: show them as deleted (`ChatMessage.erased`). */
export interface ErasedEvent {
  /** The room, for a public room's messages. */
  room?: string;
  /** The inbox, for the visitor's own conversation. */
  inbox?: string;
  /** Operators: the conversation. */
  conversationId?: string;
  seqs: number[];
}

export interface DeleteConversationPayload {
  inbox: string;
}

/** `deleted` is false when there was no conversation to delete. */
export type DeleteConversationAck = Ack<{ deleted: boolean }>;

/** The chat's terms and this visitor's answer: send `consent { version }` to agree. */
export interface ConsentState {
  /** Messages and details are refused (`CONSENT_REQUIRED`) until the visitor agreed. */
  required: boolean;
  version: string;
  given: boolean;
  /** What to show with the checkbox. */
  text?: string;
}

export interface ConsentPayload {
  /** The version agreed to: the session's `consent.version`. */
  version: string;
}

export type ConsentAck = { ok: true; consent: ConsentState } | AckError;

/** The chat's limits on files, for clients to check before uploading. */
export interface FileLimits {
  /** Bytes per file. */
  maxBytes: number;
  /** Files per message. */
  maxPerMessage: number;
  /** The media types taken (sniffed from the content). */
  types: string[];
}

/** Someone in the room, or in the visitor's conversation (`inbox`), is typing. */
export interface TypingEvent {
  room?: string;
  inbox?: string;
  sender: Sender;
  typing: boolean;
}

export interface PresenceEvent {
  room: string;
  /** Distinct visitors in the room, counted across every tab and server node. */
  online: number;
}

/** What the handshake `auth` may carry. All fields optional; unknown fields are ignored. */
export interface HandshakeAuth {
  /** The token from a previous `session` event. */
  token?: string;
  /** Identity verification: the host app's user id and HMAC-SHA256(userId, secret) in hex. */
  userId?: string;
  userHash?: string;
}

/** Event names, so clients need no string literals. */
export const EVENTS = {
  join: 'join',
  message: 'message',
  history: 'history',
  userDetails: 'userDetails',
  typing: 'typing',
  read: 'read',
  resync: 'resync',
  session: 'session',
  presence: 'presence',
  conversation: 'conversation',
  team: 'team',
} as const;

/**
 * Visitor events, on namespace `/`. `join`, `message`, `history` and `typing` name either a
 * public `room` or the visitor's conversation in an `inbox`; the ack has the matching shape.
 */
export interface ClientToServerEvents {
  join(payload: JoinPayload | InboxJoinPayload, ack: (res: JoinAck | InboxJoinAck) => void): void;
  message(payload: MessagePayload | InboxMessagePayload, ack: (res: MessageAck | InboxMessageAck) => void): void;
  history(payload: HistoryPayload | InboxHistoryPayload, ack: (res: HistoryAck) => void): void;
  userDetails(payload: UserDetailsPayload, ack: (res: UserDetailsAck) => void): void;
  /** Agrees to the chat's terms (see `SessionEvent.consent`). */
  consent(payload: ConsentPayload, ack: (res: ConsentAck) => void): void;
  read(payload: ReadPayload, ack: (res: ReadAck) => void): void;
  typing(payload: TypingPayload | InboxTypingPayload): void;
  /** "Talk to a person": the team answers from now on, not the assistant. */
  handoff(payload: { inbox: string }, ack: (res: HandlerAck) => void): void;
  /** Ask the assistant (again). */
  assistant(payload: { inbox: string }, ack: (res: HandlerAck) => void): void;
  /** Deletes the visitor's conversation in `inbox`, when `session.canDeleteConversation`. */
  deleteConversation(payload: DeleteConversationPayload, ack: (res: DeleteConversationAck) => void): void;
  /** Rates the latest resolution of the visitor's conversation in `inbox`, when it was asked (`conversation.rating`). */
  rate(payload: RatePayload, ack: (res: RateAck) => void): void;
}

export interface ServerToClientEvents {
  session(event: SessionEvent): void;
  message(message: ChatMessage): void;
  typing(event: TypingEvent): void;
  presence(event: PresenceEvent): void;
  /** The visitor's conversation changed: status, assignee, read marks. */
  conversation(conversation: VisitorConversation): void;
  /** How many operators of an inbox the visitor joined are online, when it changes. */
  team(event: TeamEvent): void;
  /** More text of an assistant's reply that is streaming. */
  delta(event: DeltaEvent): void;
  /**
   * Packets may have been lost on their way (the link between server nodes was down): catch up
   * from the last contiguous seq of what you joined.
   */
  resync(): void;
  /** Messages of a room (or of the visitor's conversation) were erased: drop their text. */
  erased(event: ErasedEvent): void;
  /**
   * The visitor's conversation in `inbox` was deleted (by the visitor in another tab, or by the
   * site's retention rules): drop its messages.
   */
  conversationDeleted(event: { inbox: string }): void;
  /**
   * Everything the chat held about this visitor was erased: forget the token and everything
   * shown. The server disconnects the socket right after; connect again as a new visitor.
   */
  forgotten(): void;
}

// Support conversations, operator side: namespace `/operators`, same path. Operators are the host
// app's users, recognised by `operators.identify`; every event is acknowledged.

export interface OperatorSessionEvent {
  /** The host app's user id, as `identify` returned it. */
  id: string;
  name: string;
  /** The opaque sender id visitors see on this operator's messages. */
  senderId: string;
  /** The inboxes this operator may read; `'*'` for every inbox. */
  inboxes: string[] | '*';
  /** The chat's assistant and the inboxes it answers in, if it has one. */
  assistant: { name: string; inboxes: string[] | '*' } | null;
  /** As in `SessionEvent`: what may be uploaded, when the chat takes files. */
  files?: FileLimits;
  /** True when visitors are asked to rate each resolution (`ratings` on): `status` may then skip it. */
  ratings: boolean;
  /**
   * What else `identify` allows this operator: `'privacy'` for `exportVisitor` and
   * `eraseVisitor`, `'replies'` to manage the team's saved replies.
   */
  can: OperatorPermission[];
}

/** Permissions `operators.identify` may grant beyond answering conversations. */
export const OPERATOR_PERMISSIONS = ['privacy', 'replies'] as const;
export type OperatorPermission = (typeof OPERATOR_PERMISSIONS)[number];

/** Names the visitor of a conversation the operator may read. */
export interface VisitorOfConversationPayload {
  conversationId: string;
}

export interface EraseVisitorPayload extends VisitorOfConversationPayload {
  /** `delete` (default) removes their conversations whole; `anonymize` keeps them without the visitor. */
  mode?: EraseMode;
}

export type EraseMode = 'delete' | 'anonymize';

/** A message as an export holds it. */
export interface ExportedMessage {
  seq: number;
  sender: { name: string; role: SenderRole };
  message: string;
  /** ISO 8601. */
  timestamp: string;
  files?: Array<{ id: string; name: string; type: string; size: number }>;
}

/** Everything the chat holds about one visitor (`chat.privacy.exportVisitor`, the `exportVisitor` event). */
export interface VisitorExport {
  visitorId: string;
  /** ISO 8601. */
  exportedAt: string;
  /** The details they gave; null when they gave none. */
  user: { name: string; email: string; phone: string; createdAt: string; updatedAt: string } | null;
  /** Every consent to the chat's terms, newest first (`givenAt` ISO 8601). */
  consents: Array<{ version: string; givenAt: string; address?: string }>;
  /** Their support conversations, each with every message and the team's notes on it. */
  conversations: Array<{
    id: string;
    inbox: string;
    /** The name the conversation shows for them. */
    visitorName: string;
    status: ConversationStatus;
    createdAt: string;
    updatedAt: string;
    messages: ExportedMessage[];
    notes: ExportedMessage[];
    /** Their last rating of it, when they gave one (the operator by name only, as on messages). */
    rating: (Omit<ConversationRating, 'assignee'> & { assignee: { name: string } | null }) | null;
  }>;
  /** Messages they wrote in public rooms. */
  roomMessages: Array<ExportedMessage & { room: string }>;
  /** The files in all of the above, each with a signed URL that reads it until `urlExpiresAt`. */
  files: Array<{ id: string; name: string; type: string; size: number; uploadedAt: string; url: string; urlExpiresAt: string }>;
}

/** What an erase removed (or anonymised); a second erase of the same visitor counts nothing. */
export interface ErasedCounts {
  /** Messages deleted or turned into tombstones. */
  messages: number;
  /** Conversations deleted (`delete`) or anonymised (`anonymize`). */
  conversations: number;
  files: number;
  /** Saved details (0 or 1). */
  users: number;
  consents: number;
}

export type ExportVisitorAck = Ack<{ export: VisitorExport }>;
export type EraseVisitorAck = Ack<{ removed: ErasedCounts }>;

export type AssigneeFilter = 'me' | 'none' | 'any';

export interface InboxListPayload {
  /** One inbox; without it, every inbox the operator may read. */
  inbox?: string;
  /** @default 'open' */
  status?: ConversationStatus;
  /** @default 'any' */
  assignee?: AssigneeFilter;
  /** `assistant`: open conversations the assistant answers (with `assignee` left out). */
  handler?: 'assistant';
  /** The `version` of the last conversation of the previous page: older ones follow. */
  before?: number;
  limit?: number;
}

export interface ChangesPayload {
  /** The `version` of the previous `inbox` or `changes` answer. */
  since: number;
  inbox?: string;
}

export interface OpenPayload {
  conversationId: string;
  /** The last seq the operator has of the conversation's messages: the ack holds those after it. */
  since?: number;
  /** The last seq the operator has of its notes. */
  notesSince?: number;
}

export interface OperatorMessagePayload {
  conversationId: string;
  /** May be empty when `files` has any. */
  message: string;
  clientId: string;
  /** As in `MessagePayload`; files go in notes too. */
  files?: string[];
  /** A note: seen by operators only. */
  note?: boolean;
  /**
   * Set when resending a message the client sent before without an answer: the server looks for
   * the stored original first, so the retry takes no seq. Optional; a retry without it is still
   * stored once.
   */
  retry?: boolean;
}

export interface OperatorHistoryPayload {
  conversationId: string;
  before: number;
  limit?: number;
}

export interface AssignPayload {
  conversationId: string;
  /** An operator's host id (the operator's own to take it), or null to unassign. */
  to: string | null;
  /** Who the caller believes it is assigned to now; a stale belief gets `CONFLICT`. */
  expected: string | null;
}

export interface StatusPayload {
  conversationId: string;
  status: ConversationStatus;
  /** With `status: 'resolved'` and `ratings` on: do not ask the visitor to rate this resolution. */
  skipRating?: boolean;
}

/** A saved reply: text an operator inserts by typing `/` and its shortcut. */
export interface SavedReply {
  id: string;
  /** 1 to 32 of `a-z`, `0-9`, `-` and `_`, unique in its scope. */
  shortcut: string;
  /**
   * Up to the message length limit. `{{visitor.name}}` and `{{operator.name}}` are filled in by
   * the client when it inserts the reply; any other text is kept as written.
   */
  text: string;
  /** The inbox it is for; null for every inbox. */
  inbox: string | null;
  /** The operator id of a personal reply; null for one the team shares. */
  owner: string | null;
  /** ISO 8601. */
  updatedAt: string;
}

/**
 * `replies`: an operator's saved replies. `list` gives the team's replies for the inboxes they
 * read (all, or those usable in `inbox`) and their own personal ones, by shortcut. `save` creates
 * one, or with `id` changes it (`inbox` and `personal` left out keep it where it was); a team reply
 * (not `personal`) needs `can: ['replies']`. A shortcut already used in the same scope is
 * `CONFLICT`. `remove` deletes one they may save.
 */
export type RepliesPayload =
  | { action: 'list'; inbox?: string }
  | { action: 'save'; id?: string; shortcut: string; text: string; inbox?: string | null; personal?: boolean }
  | { action: 'remove'; id: string };
/** Every action answers with the operator's replies as `list` gives them; `save` also with the reply saved. */
export type RepliesAck = Ack<{ replies: SavedReply[]; reply?: SavedReply }>;

/**
 * `search`: conversations of the inboxes the operator reads. `text` finds messages (not notes)
 * that contain it, visitors by name or email, and a conversation by its id; `visitor` only a
 * visitor's (their id, email or name). Newest first; for the next page send the same query with
 * the answer's `cursor`.
 */
export interface SearchPayload {
  /** 1 to 200 characters. */
  text?: string;
  /** A visitor id, an email, or the start of a name. */
  visitor?: string;
  inbox?: string;
  status?: ConversationStatus;
  /** ISO 8601: only hits before this time. */
  before?: string;
  /** ISO 8601: only hits at or after this time. */
  since?: string;
  /** 1 to 50. @default 20 */
  limit?: number;
  /** The previous page's `cursor`: the next page of the same query. */
  cursor?: string;
}

/** A conversation found by `search`, with the message that matched, if a message did. */
export interface SearchHit {
  conversation: ConversationSummary;
  /** The newest matching message on this page: open the conversation at `seq`. */
  match: { seq: number; message: string; timestamp: string } | null;
  /** ISO 8601: the matching message's time, else the conversation's last change. */
  at: string;
}
/**
 * One hit per conversation, and a conversation once across the pages of one search (up to its
 * first 500 conversations). `cursor` (opaque) asks for the next page; null when there is none.
 * A page can have fewer hits than `limit`, or none, and still a `cursor`: the search read as far
 * as one request may.
 */
export type SearchAck = Ack<{ conversations: SearchHit[]; hasMore: boolean; cursor: string | null }>;

export interface OperatorReadPayload {
  conversationId: string;
  seq: number;
}

export interface OperatorTypingPayload {
  conversationId: string;
  typing: boolean;
}

/** The visitor's details, as operators see them. */
export interface ConversationVisitor {
  id: string;
  name: string;
  email: string;
  /** E.164 (`+442079460958`), for `tel:` links; '' when not given. */
  phone: string;
  /** The same number as people read it (`+44 20 7946 0958`). */
  phoneDisplay: string;
  online: boolean;
  lastSeenAt: string | null;
}

export interface ConversationCounts {
  /** Open conversations assigned to the asking operator. */
  mine: number;
  /** Open conversations assigned to nobody, that the assistant does not answer. */
  unassigned: number;
  open: number;
  resolved: number;
  /** Open conversations the assistant answers. */
  assistant: number;
}

/** One inbox's tab counts, as the `counts` event tells them; `assigned` by operator id (open conversations). */
export interface InboxCountsEvent {
  inbox: string;
  open: number;
  unassigned: number;
  resolved: number;
  /** Open conversations the assistant answers. */
  assistant: number;
  assigned: Record<string, number>;
  /** Grows with every change of the inbox's counts: keep the counts with the higher version. */
  version: number;
}

export type InboxListAck = Ack<{
  conversations: ConversationSummary[];
  hasMore: boolean;
  /** Pass to `changes` to get what changed after this answer. */
  version: number;
  /** The tabs' counts over the inboxes asked for, for the asking operator. */
  counts: ConversationCounts;
  /** The same per inbox, which `counts` events then keep current. */
  inboxCounts: InboxCountsEvent[];
}>;
export type ChangesAck = Ack<{ conversations: ConversationSummary[]; version: number; hasMore: boolean }>;
export type OpenAck = Ack<{
  conversation: ConversationSummary;
  visitor: ConversationVisitor;
  messages: ChatMessage[];
  hasMore: boolean;
  notes: ChatMessage[];
  /** As in the visitor's `join` ack, for `messages` and for `notes`. */
  settledSeq?: number;
  notesSettledSeq?: number;
}>;
export type OperatorMessageAck = Ack<{ message: ChatMessage; conversation: ConversationSummary }>;
export type ConversationAck = Ack<{ conversation: ConversationSummary }>;

export interface OperatorTypingEvent {
  conversationId: string;
  sender: Sender;
  typing: boolean;
}

export interface VisitorOnlineEvent {
  conversationId: string;
  online: boolean;
  /** When the visitor left, with `online: false`. */
  lastSeenAt?: string;
  /** The visitor saved new details. */
  details?: { name: string; email: string; phone: string; phoneDisplay: string };
}

/** The operator stopped viewing a conversation: its messages and typing no longer come. */
export interface ClosePayload {
  conversationId: string;
}

/** Operators online now who may read `inbox` (or, without it, any inbox the caller reads): whom to assign to. */
export interface OperatorsPayload {
  inbox?: string;
}
export type OperatorsAck = Ack<{ operators: Assignee[] }>;

export interface OperatorClientToServerEvents {
  inbox(payload: InboxListPayload, ack: (res: InboxListAck) => void): void;
  operators(payload: OperatorsPayload, ack: (res: OperatorsAck) => void): void;
  changes(payload: ChangesPayload, ack: (res: ChangesAck) => void): void;
  open(payload: OpenPayload, ack: (res: OpenAck) => void): void;
  message(payload: OperatorMessagePayload, ack: (res: OperatorMessageAck) => void): void;
  history(payload: OperatorHistoryPayload, ack: (res: HistoryAck) => void): void;
  assign(payload: AssignPayload, ack: (res: ConversationAck) => void): void;
  status(payload: StatusPayload, ack: (res: ConversationAck) => void): void;
  read(payload: OperatorReadPayload, ack: (res: ConversationAck) => void): void;
  close(payload: ClosePayload, ack: (res: Ack) => void): void;
  typing(payload: OperatorTypingPayload): void;
  /** Needs `can: ['privacy']`: everything the chat holds about the conversation's visitor. */
  exportVisitor(payload: VisitorOfConversationPayload, ack: (res: ExportVisitorAck) => void): void;
  /** Needs `can: ['privacy']`: erases the conversation's visitor from the chat, in every inbox. */
  eraseVisitor(payload: EraseVisitorPayload, ack: (res: EraseVisitorAck) => void): void;
  replies(payload: RepliesPayload, ack: (res: RepliesAck) => void): void;
  search(payload: SearchPayload, ack: (res: SearchAck) => void): void;
}

export interface OperatorServerToClientEvents {
  session(event: OperatorSessionEvent): void;
  /** To every operator of the conversation's inbox, on every change (new messages included). */
  conversation(summary: ConversationSummary): void;
  /** To operators who have the conversation open; notes carry `note: true`. */
  message(message: ChatMessage & { conversationId: string }): void;
  typing(event: OperatorTypingEvent): void;
  /** Volatile, to operators who have the conversation open. */
  visitor(event: VisitorOnlineEvent): void;
  /** To every operator of the inbox, when its tab counts moved. */
  counts(event: InboxCountsEvent): void;
  /** More text of an assistant's reply streaming in a conversation the operator has open. */
  delta(event: DeltaEvent): void;
  /** Packets may have been lost: catch up with `changes`, and the open conversation from its last contiguous seq. */
  resync(): void;
  /** To operators who have the conversation open: these messages were erased (`ChatMessage.erased`). */
  erased(event: ErasedEvent & { conversationId: string }): void;
  /** To every operator of the inbox: the conversation was deleted (erase, retention, or its visitor). */
  conversationDeleted(event: { conversationId: string; inbox: string }): void;
}
