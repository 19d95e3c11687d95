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
  'INTERNAL',
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
}

export type AckError = { ok: false; error: ChatErrorPayload };
export type Ack<T extends object = object> = ({ ok: true } & T) | AckError;

/** The public face of a visitor: what other visitors may see. Never an email or phone. */
export interface Sender {
  id: string;
  name: string;
}

export interface ChatMessage {
  /** Store-assigned id, unique across rooms. */
  id: string;
  room: string;
  /** Strictly increasing per room; the cursor for `history.before` and `join.since`. */
  seq: number;
  sender: Sender;
  message: string;
  /** ISO 8601, set by the server when the message is stored. */
  timestamp: string;
  /** Made by the client; a repeat of `(room, sender, clientId)` returns the original message. */
  clientId: string;
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
  message: string;
  /** 1–64 characters of `[A-Za-z0-9_-]`; reuse it when retrying the same message. */
  clientId: string;
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

export type JoinAck = Ack<{
  room: string;
  /** Oldest first. */
  messages: ChatMessage[];
  /**
   * Without `since`: older messages exist (page with `history`). With `since`: more newer
   * messages exist than one catch-up returns; join again with the last `seq` received.
   */
  hasMore: boolean;
  online: number;
}>;
export type MessageAck = Ack<{ message: ChatMessage }>;
export type HistoryAck = Ack<{ messages: ChatMessage[]; hasMore: boolean }>;
export type UserDetailsAck = Ack<{ user: VisitorDetails }>;

export interface SessionEvent {
  visitorId: string;
  /** Keep it and send it back as `auth.token` to stay the same visitor. */
  token: string;
  user?: VisitorDetails;
}

export interface TypingEvent {
  room: string;
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
  session: 'session',
  presence: 'presence',
} as const;

export interface ClientToServerEvents {
  join(payload: JoinPayload, ack: (res: JoinAck) => void): void;
  message(payload: MessagePayload, ack: (res: MessageAck) => void): void;
  history(payload: HistoryPayload, ack: (res: HistoryAck) => void): void;
  userDetails(payload: UserDetailsPayload, ack: (res: UserDetailsAck) => void): void;
  typing(payload: TypingPayload): void;
}

export interface ServerToClientEvents {
  session(event: SessionEvent): void;
  message(message: ChatMessage): void;
  typing(event: TypingEvent): void;
  presence(event: PresenceEvent): void;
}
