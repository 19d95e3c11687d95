import type { IpAddressPolicy } from './client-address.js';
import type { ConsentOptions } from '../privacy/consent.js';
import type { RetentionOptions } from '../privacy/retention-options.js';
import type { WebhookEndpoint } from '../webhooks/options.js';
import type { FilesOptions } from '../files/options.js';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { CountryCode } from 'libphonenumber-js/min';
import type { Connection, Mongoose } from 'mongoose';
import type { ServerOptions } from 'socket.io';
import type { AssistantActivity, ChatMessage, Citation, ConversationRating, ConversationSummary, ConversationVisitor, OperatorPermission } from '../protocol.js';
import type { HoursOptions } from '../assistant/hours.js';
import type { ChatStore, UserRecord } from '../stores/types.js';
import type { RateLimit } from './rate-limiter.js';

// The options of `createChatServer`, each documented where users read it; resolve-options.ts
// merges the defaults and checks them.

/** What `identify` and hooks can read of a connecting client's handshake. */
export interface ChatHandshake {
  headers: IncomingHttpHeaders;
  /** The handshake `auth` object as the client sent it; untrusted. */
  auth: Record<string, unknown>;
  address: string;
  /**
   * The HTTP request the client connected with, after the chat's `middleware` ran on it: with
   * express-session there, `request.session` is the visitor's or operator's session.
   */
  request: IncomingMessage;
}

/**
 * Connect-style middleware, as Express and express-session write it. Declared as a method so that
 * handlers typed for Express's own `req` and `res` (which extend Node's) are accepted too.
 */
export type RequestMiddleware = {
  handle(req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
}['handle'];

/** A user of the host app, vouched for by the host through `identify`. */
export interface IdentifiedUser {
  id: string;
  name?: string;
  email?: string;
}

/** Who is behind a socket, as hooks and the `rooms` policy see it. */
export interface Visitor {
  /** `v_…` for anonymous visitors, `user:<id>` for host users (identify or identity verification). */
  id: string;
  name: string;
  /** True for host users: identified by `identify` or by a valid `userHash`. */
  verified: boolean;
}

export interface ChatLimits {
  /** Longest message text, in UTF-16 code units; longer gets `TOO_LARGE`. @default 2000 */
  maxMessageLength: number;
  /** Messages in the `join` ack and the default `history` page size. @default 50 */
  pageSize: number;
  /** Largest `history` page a client may ask for. @default 100 */
  maxPageSize: number;
  /** Most messages one `join { since }` returns; `hasMore` says when to join again. @default 500 */
  catchUpLimit: number;
  /** Messages per visitor. @default { max: 20, perMs: 10_000 } */
  messageRate: RateLimit;
  /**
   * Messages per client address, all its visitors together: a new visitor id costs nothing, so
   * the per-visitor limit alone is sidestepped by opening fresh connections. Sized for a team
   * behind one office NAT. @default { max: 100, perMs: 10_000 }
   */
  addressMessageRate: RateLimit;
  /**
   * Handshakes per client address that start a new anonymous visitor (no valid token); more are
   * refused with `RATE_LIMITED`. Returning visitors and host users do not count.
   * @default { max: 30, perMs: 60_000 }
   */
  newVisitorRate: RateLimit;
  /** Other events (join, history, userDetails, typing) per visitor. @default { max: 60, perMs: 10_000 } */
  eventRate: RateLimit;
  /**
   * The team's searches per operator, on top of `eventRate`: each reads far more of the database
   * than another event. @default { max: 30, perMs: 10_000 }
   */
  searchRate: RateLimit;
  /** Largest Socket.IO packet; a client sending more is disconnected, on WebSocket and polling alike. @default 65_536 */
  maxPayloadBytes: number;
  /**
   * Most data waiting to be sent to one connection (string length of the encoded packets, close
   * to bytes). A client that stops reading is disconnected once it passes this, long before the
   * ping timeout, so it cannot make the server hold its rooms' traffic; reading clients stay far
   * below it. @default 1_048_576
   */
  maxUnsentBytes: number;
  /**
   * How long a request (an event, a handshake) waits on storage before it is answered
   * `STORAGE_UNAVAILABLE` (retryable). A database that went away can hold operations for the
   * driver's whole server-selection timeout (30 s) before anyone notices. A write answered so
   * may still complete once the database is back: a retry with the same `clientId` then returns
   * it. @default 5000
   */
  storageTimeoutMs: number;
}

/** An operator: a user of the host app who answers support conversations. */
export interface OperatorIdentity {
  /** The host app's user id; other operators see it, visitors never do. */
  id: string;
  /** The display name visitors see on this operator's messages. */
  name: string;
  /** The inboxes this operator may read. @default every inbox */
  inboxes?: readonly string[];
  /**
   * A picture of the operator, shown to visitors with the team: an `https:` or `http:` URL, or a
   * path on the chat server's origin. Visitors see initials without one (`undefined`, `null`,
   * `''`), and instead of one they could not safely load, which the chat logs once.
   */
  avatarUrl?: string | null;
  /**
   * What else the operator may do: `'privacy'` lets them export and erase the data of the
   * visitors of the conversations they can read (`<chat-inbox>` shows those actions to them only).
   * @default []
   */
  can?: readonly OperatorPermission[];
}

export interface OperatorsOptions {
  /**
   * Decides from the handshake (the host's session cookie, a header) whether a connection to
   * `/operators` is an operator; `null` refuses it with `UNAUTHORIZED`. The chat stores no
   * passwords: this is the host app's own login.
   */
  identify: (handshake: ChatHandshake) => OperatorIdentity | null | undefined | Promise<OperatorIdentity | null | undefined>;
  /** The inboxes that exist; a visitor naming another gets `NOT_FOUND`. @default any valid name */
  inboxes?: readonly string[];
  /** How long an operator's reply may stay unread before `hooks.onUnseenReply`. @default 120_000 */
  unseenReplyDelayMs?: number;
  /**
   * Origins (e.g. `https://admin.example`) whose pages may connect to `/operators`, besides the
   * chat's own origin. The team's inbox never follows the widget's `allowedOrigins`: a site may
   * embed the widget anywhere and still keep its inbox to its own admin pages.
   * @default [] (same origin only)
   */
  allowedOrigins?: readonly string[];
  /**
   * About how many minutes an operator takes to answer one visitor, for the wait visitors are
   * told: the visitors waiting before them, plus them, times this, shared by the operators online.
   * @default 3
   */
  minutesPerVisitor?: number;
}

/** What the assistant's `reply` gets for each reply it writes. */
export interface AssistantReplyContext {
  /** The conversation, as operators see it. */
  conversation: ConversationSummary;
  /** What the visitor sees of the conversation, oldest first (notes never; the reply being written not). */
  messages: ChatMessage[];
  /** The visitor, with the details they gave. */
  visitor: ConversationVisitor;
  /** Aborts when the reply must stop: a person took over, the visitor asked for one, it ran past `timeoutMs`, the chat is closing. */
  signal: AbortSignal;
  /** Cites a source (http or https) under the reply. */
  cite(source: Citation): void;
  /** Says what the assistant is doing, for the visitor's status line. */
  status(activity: AssistantActivity): void;
  /** Hands the conversation to the team once this reply ends; `summary` is for the person who takes over. */
  handoff(handoff: { reason: string; summary?: string }): void;
}

export interface AssistantOptions {
  /** The assistant's display name (its messages' `sender.name`). */
  name: string;
  /** The inboxes it answers in. @default every inbox */
  inboxes?: readonly string[];
  /**
   * When a new (or reopened) conversation goes to the assistant: `always`, `noOperatorOnline`
   * (nobody of the inbox's team is online), or `outsideHours` (needs `hours`). The visitor may
   * choose otherwise, either way, at any time. @default 'noOperatorOnline'
   */
  when?: 'always' | 'noOperatorOnline' | 'outsideHours';
  /** Writes one reply: an async iterable of text, streamed to the visitor as it comes. */
  reply: (context: AssistantReplyContext) => AsyncIterable<string>;
  /** A reply still writing after this long ends `interrupted` and hands off. @default 60_000 */
  timeoutMs?: number;
  /** Past this many replies in a conversation, it hands off instead. @default 20 */
  maxRepliesPerConversation?: number;
}

export type ConversationEventType = 'created' | 'assigned' | 'resolved' | 'reopened';

export interface ChatHooks {
  /**
   * Before a message is stored; throw a `ChatError` to refuse it (e.g. `FORBIDDEN`). For a
   * visitor's message in a support conversation, `inbox` is set and `room` is the conversation's.
   */
  beforeMessage?: (draft: { room: string; inbox?: string; message: string; sender: Visitor }) => void | Promise<void>;
  /** After a new message is stored and broadcast (not for repeats). Errors are logged, not sent. */
  onMessage?: (message: ChatMessage, sender: Visitor) => void | Promise<void>;
  /** After a visitor saved their details. Errors are logged, not sent. */
  onUserDetails?: (user: UserRecord, visitor: Visitor) => void | Promise<void>;
  /** A support conversation was created (by its first message), assigned, resolved or reopened. */
  onConversation?: (event: { type: ConversationEventType; conversation: ConversationSummary }) => void | Promise<void>;
  /** A visitor wrote and no operator of that inbox is online: time for a push or an email to the team. */
  onVisitorWaiting?: (event: { conversation: ConversationSummary; message: ChatMessage }) => void | Promise<void>;
  /** A visitor rated a resolution of their conversation (`ratings`); once per rating. */
  onRating?: (event: { conversation: ConversationSummary; rating: ConversationRating }) => void | Promise<void>;
  /**
   * Operator replies the visitor has not read `operators.unseenReplyDelayMs` after the first of
   * them: called once per batch, not per message, and not at all once the visitor read them. The
   * place to email the visitor (`visitor.email` is empty when they gave none).
   */
  onUnseenReply?: (event: {
    conversation: ConversationSummary;
    messages: ChatMessage[];
    visitor: ConversationVisitor;
  }) => void | Promise<void>;
}

export interface ChatLogger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
}

/** Which rooms exist: a fixed list (others are `NOT_FOUND`) or a policy (false is `FORBIDDEN`). */
export type RoomPolicy =
  | readonly string[]
  | ((room: string, visitor: Visitor) => boolean | Promise<boolean>);

export interface ChatServerOptions {
  /**
   * The host app's Mongoose Connection (or the `mongoose` instance for its default connection).
   * The chat registers its models on it and never closes it. Give this or `store`.
   */
  mongoose?: Connection | Mongoose;
  /** Replaces storage, e.g. `new MemoryStore()` for tests. Give this or `mongoose`. */
  store?: ChatStore;
  /** Prefix of the chat's Mongoose model and collection names. @default 'chat_' */
  collectionPrefix?: string;
  /**
   * Signs visitor tokens and checks identity-verification hashes; at least 32 characters.
   * @default a random per-process secret, with a warning: visitors then lose their identity
   * when the process restarts, and multi-node deployments cannot share tokens.
   */
  secret?: string;
  /** Where the chat's HTTP routes live; Socket.IO is at `<basePath>/socket.io`. @default '/chat' */
  basePath?: string;
  /**
   * Origins (e.g. `https://shop.example`) whose pages may connect, checked on every handshake
   * (polling and WebSocket). Same-origin pages and non-browser clients (no `Origin` header) are
   * always allowed; `'*'` allows every origin.
   * @default [] (same origin only)
   */
  allowedOrigins?: readonly string[] | '*';
  /**
   * Whether to take the client's address for rate limits from `X-Forwarded-For`: `true` behind one
   * proxy (a load balancer) that appends the address it saw, or the number of such proxies in a
   * chain. Without it the header is ignored, since any client can write one.
   * @default false (the TCP peer's address)
   */
  trustProxy?: boolean | number;
  /**
   * Middleware run on the chat's Socket.IO requests (handshakes, polling and WebSocket upgrades)
   * before `identify` sees them, e.g. the host's express-session, so `handshake.request.session`
   * is there. Keep it to session loading: it runs on every polling request.
   * @default none
   */
  middleware?: readonly RequestMiddleware[];
  /** Lets the host app vouch for its logged-in user, e.g. from a session cookie. @default none */
  identify?: (handshake: ChatHandshake) => IdentifiedUser | null | undefined | Promise<IdentifiedUser | null | undefined>;
  /** @default see {@link ChatLimits} */
  limits?: Partial<ChatLimits>;
  /** Which rooms visitors may join. @default every valid room name */
  rooms?: RoomPolicy;
  /**
   * Support conversations: private threads between each visitor and the site's team. Operators
   * are the host app's users, recognised by `identify`; they connect to `/operators`.
   * @default none (visitors naming an `inbox` get `NOT_FOUND`)
   */
  operators?: OperatorsOptions;
  /** An assistant that answers support conversations first, streaming, and hands off to the team (needs `operators`). */
  assistant?: AssistantOptions;
  /** The team's business hours: what visitors are told outside them, and `assistant.when: 'outsideHours'`. */
  hours?: HoursOptions;
  /** Files and screenshots in messages (`POST <basePath>/files`). @default none: messages are text only */
  files?: FilesOptions;
  /**
   * Asks visitors to rate each resolution of their conversation, 1 to 5 with an optional comment
   * (needs `operators`). An operator may resolve without asking (`skipRating`). @default off
   */
  ratings?: RatingsOptions;
  /**
   * Receivers of the chat's events, signed per Standard Webhooks: `[{ url, events, secret }]`. Each
   * event is written to an outbox in the store with the change, and sent by one node at a time,
   * retried for a day. @default none
   */
  webhooks?: WebhookEndpoint[];
  /**
   * What the chat does for visitors' privacy: `consent` to its terms, what it keeps of IP
   * addresses, `retention`, and whether visitors may delete their conversations. Export and
   * erasure are always there (`chat.privacy`).
   */
  privacy?: PrivacyOptions;
  /** @default none */
  hooks?: ChatHooks;
  /**
   * A Socket.IO adapter for several server nodes: `createAdapter(redis)` from
   * `@socket.io/redis-streams-adapter` (recommended: it keeps what it could not deliver while Redis was
   * away, and restores sessions), or `createAdapter(pub, sub)` from `@socket.io/redis-adapter`.
   * @default in-memory (one node)
   */
  adapter?: ServerOptions['adapter'];
  /**
   * Socket.IO's connection state recovery: a client that comes back within the window gets its
   * rooms back and the packets it missed, replayed, instead of fetching them; authentication runs
   * again either way. Needs an adapter that stores sessions (the Redis Streams adapter does; the
   * in-memory one keeps them on this node only). Clients catch up by seq with or without it.
   * @default false
   */
  connectionStateRecovery?: boolean | { maxDisconnectionDurationMs?: number };
  /** Country for phone numbers typed without a `+country` prefix, e.g. `'GB'`. @default none: a prefix is required */
  defaultPhoneCountry?: CountryCode;
  /** How long a visitor token keeps a visitor's identity. @default 365 days */
  tokenMaxAgeMs?: number;
  /** Where warnings and server-side errors go. @default console */
  logger?: ChatLogger;
  /**
   * The directory of the browser files served under `<basePath>/`: `widget.js` (the launcher),
   * `chat-panel.js` (the chat window it loads when needed) and `inbox.js`.
   * @default the browser bundles shipped in this package (`dist/browser`)
   */
  browserBundles?: string;
}

export const DEFAULT_LIMITS: Readonly<ChatLimits> = {
  maxMessageLength: 2000,
  pageSize: 50,
  maxPageSize: 100,
  catchUpLimit: 500,
  messageRate: { max: 20, perMs: 10_000 },
  addressMessageRate: { max: 100, perMs: 10_000 },
  newVisitorRate: { max: 30, perMs: 60_000 },
  eventRate: { max: 60, perMs: 10_000 },
  searchRate: { max: 30, perMs: 10_000 },
  maxPayloadBytes: 65_536,
  maxUnsentBytes: 1_048_576,
  storageTimeoutMs: 5000,
};

export interface RatingsOptions {
  enabled: boolean;
  /** The question the widget shows. @default 'How would you rate this conversation?' */
  ask?: string;
}

export interface PrivacyOptions {
  /** Visitors agree to the chat's terms (this version of them) before they write; every consent is recorded. */
  consent?: ConsentOptions;
  /**
   * What the chat keeps of visitors' IP addresses wherever it stores one (a consent's record):
   * nothing, their network (IPv4 /24, IPv6 /48), or the whole address. Rate limits use whole
   * addresses in memory only.
   * @default 'truncated'
   */
  ipAddresses?: IpAddressPolicy;
  /**
   * How long the chat keeps what it stores, in days; each is off when left out. Every node runs
   * the sweep hourly, one at a time (a lease in the store); `chat.privacy.sweep()` runs it now.
   * @default none: nothing is deleted by age
   */
  retention?: RetentionOptions;
  /** Visitors may delete their own conversations (the widget's "Delete this conversation"). @default false */
  visitorsCanDeleteConversations?: boolean;
}
