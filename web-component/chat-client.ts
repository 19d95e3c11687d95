import { io, type Socket } from 'socket.io-client';
import type {
  ChatErrorPayload,
  ChatMessage,
  ClientToServerEvents,
  HistoryAck,
  JoinAck,
  MessageAck,
  ServerToClientEvents,
  UserDetailsAck,
  UserDetailsPayload,
  VisitorDetails,
} from '../src/protocol.js';

export type ConnectionStatus = 'connecting' | 'online' | 'offline';

/** A message of this visitor that the server has not acknowledged yet. */
export interface OutgoingMessage {
  clientId: string;
  message: string;
  createdAt: string;
  status: 'pending' | 'failed';
  error?: ChatErrorPayload;
}

export interface ChatClientOptions {
  /** Origin of the chat server; empty for the page's own origin. */
  server: string;
  basePath: string;
  room: string;
  userId?: string | undefined;
  userHash?: string | undefined;
}

export interface ChatClientEvents {
  /** Something the view shows changed. */
  change(): void;
  /** A message arrived or was sent: new to this client. */
  message(message: ChatMessage, own: boolean): void;
  error(error: ChatErrorPayload): void;
  details(user: VisitorDetails): void;
}

type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const ACK_TIMEOUT_MS = 10_000;
const RETRY_DELAY_MS = 3_000;
const TYPING_REFRESH_MS = 2_000;
const TYPING_IDLE_MS = 3_000;
const TYPING_SHOWN_MS = 6_000;
const HISTORY_PAGE = 30;

/**
 * The widget's connection to the chat: identity, the room's messages in seq order, and an outbox
 * kept in localStorage until the server acknowledges each message. After any reconnect it joins
 * with the last seq it has, so the room has no gaps; messages are keyed by id and outbox entries
 * by clientId, so nothing shows twice.
 */
export class ChatClient {
  status: ConnectionStatus = 'connecting';
  hasMore = false;
  online = 0;
  visitorId: string | undefined;
  user: VisitorDetails | undefined;
  loadingOlder = false;

  readonly #options: ChatClientOptions;
  readonly #listeners: ChatClientEvents;
  readonly #messages = new Map<string, ChatMessage>();
  #sorted: ChatMessage[] = [];
  #outbox: OutgoingMessage[];
  readonly #typing = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
  #socket: ChatSocket | undefined;
  #flushing = false;
  /** The room is joined on this connection: the server takes messages for it. */
  #joined = false;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #typingSentAt = 0;
  #typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onOnline = () => this.#reconnectNow();
  readonly #onOffline = () => this.#socket?.io.engine?.close();

  constructor(options: ChatClientOptions, listeners: ChatClientEvents) {
    this.#options = options;
    this.#listeners = listeners;
    this.#outbox = this.#load<OutgoingMessage[]>(this.#outboxKey) ?? [];
  }

  get messages(): readonly ChatMessage[] {
    return this.#sorted;
  }

  get outbox(): readonly OutgoingMessage[] {
    return this.#outbox;
  }

  get typingNames(): string[] {
    return [...this.#typing.values()].map((entry) => entry.name);
  }

  connect(): void {
    if (this.#socket) return;
    const { server, basePath } = this.#options;
    const options = {
      path: `${basePath}/socket.io`,
      // A function, so every reconnect sends the newest token.
      auth: (callback: (auth: object) => void) => callback(this.#auth()),
      reconnectionDelayMax: 5_000,
    };
    const socket: ChatSocket = server ? io(server, options) : io(options);
    this.#socket = socket;

    socket.on('session', ({ visitorId, token, user }) => {
      this.visitorId = visitorId;
      if (user) this.user = user;
      this.#save(this.#tokenKey, token);
      this.#listeners.change();
    });
    socket.on('connect', () => void this.#onConnect());
    socket.on('disconnect', () => {
      this.#joined = false;
      this.#setStatus('offline');
    });
    socket.on('connect_error', (error: Error & { data?: ChatErrorPayload }) => {
      this.#setStatus('offline');
      if (!error.data) return; // a transport error: Socket.IO retries by itself
      this.#listeners.error(error.data);
      // The server refused the handshake; Socket.IO leaves retrying to us.
      if (error.data.retryable || error.data.code === 'RATE_LIMITED') {
        setTimeout(() => socket.connect(), error.data.retryAfterMs ?? RETRY_DELAY_MS);
      }
    });
    socket.on('message', (message) => {
      if (message.room !== this.#options.room) return;
      const own = message.sender.id === this.visitorId;
      if (this.#merge([message])) this.#listeners.message(message, own);
      this.#listeners.change();
    });
    socket.on('presence', ({ room, online }) => {
      if (room !== this.#options.room) return;
      this.online = online;
      this.#listeners.change();
    });
    socket.on('typing', ({ room, sender, typing }) => {
      if (room !== this.#options.room || sender.id === this.visitorId) return;
      this.#showTyping(sender.id, sender.name, typing);
    });

    addEventListener('online', this.#onOnline);
    addEventListener('offline', this.#onOffline);
  }

  disconnect(): void {
    removeEventListener('online', this.#onOnline);
    removeEventListener('offline', this.#onOffline);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#typingIdleTimer);
    for (const { timer } of this.#typing.values()) clearTimeout(timer);
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /** Queues a message; it is kept until the server acknowledges it, across reloads. */
  send(text: string): void {
    const message = text.trim();
    if (!message) return;
    this.#outbox.push({ clientId: newClientId(), message, createdAt: new Date().toISOString(), status: 'pending' });
    this.#persistOutbox();
    this.setTyping(false);
    this.#listeners.change();
    void this.#flush();
  }

  retry(clientId: string): void {
    const entry = this.#outbox.find((item) => item.clientId === clientId);
    if (!entry) return;
    entry.status = 'pending';
    delete entry.error;
    this.#persistOutbox();
    this.#listeners.change();
    void this.#flush();
  }

  async loadOlder(): Promise<void> {
    const socket = this.#socket;
    const oldest = this.#sorted[0];
    if (!socket?.connected || !this.hasMore || !oldest || this.loadingOlder) return;
    this.loadingOlder = true;
    this.#listeners.change();
    try {
      const ack: HistoryAck = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('history', { room: this.#options.room, before: oldest.seq, limit: HISTORY_PAGE });
      if (ack.ok) {
        this.#merge(ack.messages);
        this.hasMore = ack.hasMore;
      } else {
        this.#listeners.error(ack.error);
      }
    } catch {
      // Timed out: the button stays, and the next scroll tries again.
    } finally {
      this.loadingOlder = false;
      this.#listeners.change();
    }
  }

  /** Saves the visitor's details; resolves with the server's answer (per-field errors included). */
  async saveDetails(details: UserDetailsPayload): Promise<UserDetailsAck> {
    const socket = this.#socket;
    if (!socket?.connected) {
      return { ok: false, error: { code: 'STORAGE_UNAVAILABLE', message: 'Not connected', retryable: true } };
    }
    let ack: UserDetailsAck;
    try {
      ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('userDetails', details);
    } catch {
      return { ok: false, error: { code: 'STORAGE_UNAVAILABLE', message: 'No answer from the chat', retryable: true } };
    }
    if (ack.ok) {
      this.user = ack.user;
      this.#listeners.details(ack.user);
      this.#listeners.change();
    }
    return ack;
  }

  /** Tells the room this visitor is typing, at most every few seconds, and when they stop. */
  setTyping(typing: boolean): void {
    const socket = this.#socket;
    clearTimeout(this.#typingIdleTimer);
    if (!socket?.connected) return;
    const room = this.#options.room;
    if (!typing) {
      if (this.#typingSentAt) socket.emit('typing', { room, typing: false });
      this.#typingSentAt = 0;
      return;
    }
    if (Date.now() - this.#typingSentAt > TYPING_REFRESH_MS) {
      socket.emit('typing', { room, typing: true });
      this.#typingSentAt = Date.now();
    }
    this.#typingIdleTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE_MS);
  }

  async #onConnect(): Promise<void> {
    this.#setStatus('online');
    const socket = this.#socket!;
    const room = this.#options.room;
    // Catch up from the newest message we have; a fresh page otherwise. Repeat while the server
    // says more newer messages exist than one catch-up returns.
    let more = true;
    while (more && socket.connected) {
      const since = this.#sorted.at(-1)?.seq;
      let ack: JoinAck;
      try {
        ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', since === undefined ? { room } : { room, since });
      } catch {
        return; // no answer: the next connect tries again
      }
      if (!ack.ok) {
        this.#listeners.error(ack.error);
        return;
      }
      const fresh = this.#sorted.length === 0;
      for (const message of ack.messages) {
        if (this.#merge([message]) && !fresh) this.#listeners.message(message, message.sender.id === this.visitorId);
      }
      this.online = ack.online;
      if (since === undefined) this.hasMore = ack.hasMore;
      more = since !== undefined && ack.hasMore;
    }
    this.#joined = true;
    this.#listeners.change();
    await this.#flush();
  }

  /** Sends the outbox in order, one at a time, so the visitor's messages keep their order. */
  async #flush(): Promise<void> {
    if (this.#flushing) return;
    this.#flushing = true;
    clearTimeout(this.#retryTimer);
    try {
      for (const entry of [...this.#outbox]) {
        const socket = this.#socket;
        if (!socket?.connected || !this.#joined) return; // flushed again once the room is joined
        if (entry.status !== 'pending' || !this.#outbox.includes(entry)) continue;
        let ack: MessageAck;
        try {
          ack = await socket
            .timeout(ACK_TIMEOUT_MS)
            .emitWithAck('message', { room: this.#options.room, message: entry.message, clientId: entry.clientId });
        } catch {
          this.#scheduleRetry(RETRY_DELAY_MS); // no answer; the clientId makes a resend safe
          return;
        }
        if (ack.ok) {
          this.#outbox = this.#outbox.filter((item) => item !== entry);
          if (this.#merge([ack.message])) this.#listeners.message(ack.message, true);
        } else if (ack.error.retryable || ack.error.code === 'RATE_LIMITED') {
          this.#scheduleRetry(ack.error.retryAfterMs ?? RETRY_DELAY_MS);
          return;
        } else {
          entry.status = 'failed';
          entry.error = ack.error;
          this.#listeners.error(ack.error);
        }
        this.#persistOutbox();
        this.#listeners.change();
      }
    } finally {
      this.#flushing = false;
    }
  }

  #scheduleRetry(ms: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => void this.#flush(), ms);
  }

  /**
   * Adds messages by id, keeps seq order, and drops outbox entries the server has stored (a
   * reload can lose an ack, never the message). Returns whether anything was new.
   */
  #merge(messages: readonly ChatMessage[]): boolean {
    const fresh: ChatMessage[] = [];
    let inOrder = true;
    for (const message of messages) {
      if (this.#messages.has(message.id)) continue;
      // Live messages and catch-up arrive in seq order and are appended; older pages need a sort.
      const newest = fresh.at(-1) ?? this.#sorted.at(-1);
      if (newest && message.seq < newest.seq) inOrder = false;
      this.#messages.set(message.id, message);
      fresh.push(message);
    }
    if (fresh.length === 0) return false;
    if (inOrder) this.#sorted.push(...fresh);
    else this.#sorted = [...this.#messages.values()].sort((a, b) => a.seq - b.seq);
    const stored = new Set(
      fresh.filter((message) => message.sender.id === this.visitorId).map((message) => message.clientId),
    );
    if (stored.size && this.#outbox.some((entry) => stored.has(entry.clientId))) {
      this.#outbox = this.#outbox.filter((entry) => !stored.has(entry.clientId));
      this.#persistOutbox();
    }
    return true;
  }

  #showTyping(senderId: string, name: string, typing: boolean): void {
    const existing = this.#typing.get(senderId);
    if (existing) clearTimeout(existing.timer);
    if (typing) {
      const timer = setTimeout(() => {
        this.#typing.delete(senderId);
        this.#listeners.change();
      }, TYPING_SHOWN_MS);
      this.#typing.set(senderId, { name, timer });
    } else {
      this.#typing.delete(senderId);
    }
    this.#listeners.change();
  }

  #reconnectNow(): void {
    const socket = this.#socket;
    if (!socket || socket.connected) return;
    // Skip the backoff wait: the network is back now.
    socket.disconnect();
    socket.connect();
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#listeners.change();
  }

  #auth(): Record<string, string> {
    const { userId, userHash } = this.#options;
    if (userId && userHash) return { userId, userHash };
    const token = this.#load<string>(this.#tokenKey);
    return token ? { token } : {};
  }

  get #tokenKey(): string {
    return `parley-chat:${this.#options.server}${this.#options.basePath}:token`;
  }

  get #outboxKey(): string {
    return `parley-chat:${this.#options.server}${this.#options.basePath}:${this.#options.room}:outbox`;
  }

  #persistOutbox(): void {
    this.#save(this.#outboxKey, this.#outbox);
  }

  // Storage can be missing or refuse (privacy modes, quotas): the chat then works for this page only.
  #load<T>(key: string): T | undefined {
    try {
      const raw = localStorage.getItem(key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    } catch {
      return undefined;
    }
  }

  #save(key: string, value: unknown): void {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // See #load.
    }
  }
}

function newClientId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
