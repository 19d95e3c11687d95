import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  ChatErrorPayload,
  ChatMessage,
  ClientToServerEvents,
  HistoryAck,
  InboxJoinAck,
  InboxMessageAck,
  JoinAck,
  MessageAck,
  ReadAck,
  ServerToClientEvents,
  UserDetailsAck,
  UserDetailsPayload,
  VisitorConversation,
  VisitorDetails,
} from '../../src/protocol.js';
import { GAP_GRACE_MS, HISTORY_PAGE, TYPING_REFRESH_MS, TYPING_SHOWN_MS } from './timing.js';
import { refusedConnection, type ConnectionStatus } from './connection.js';
import { MessageLog } from './message-log.js';
import { ACK_TIMEOUT_MS, Outbox, type OutgoingMessage } from './outbox.js';
import { load, save } from '../shared/storage.js';
import { storageKeys } from './storage-keys.js';

export type { ConnectionStatus, OutgoingMessage };

/** A public room, or the visitor's own conversation with the team in an inbox. */
export type ChatTarget = { room: string } | { inbox: string };

export interface ChatClientOptions {
  /** Origin of the chat server; empty for the page's own origin. */
  server: string;
  basePath: string;
  target: ChatTarget;
  userId?: string | undefined;
  userHash?: string | undefined;
  /** More Socket.IO client options, e.g. `transports` for a client outside the browser. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
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

const TYPING_IDLE_MS = 3_000;

/**
 * The widget's connection to the chat: identity, the messages of its room (or of the visitor's
 * conversation in an inbox) in seq order, and an outbox kept in localStorage until the server
 * acknowledges each message. After any reconnect it joins with the last seq it has, so there are
 * no gaps; messages are keyed by id and outbox entries by clientId, so nothing shows twice.
 */
export class ChatClient {
  status: ConnectionStatus = 'connecting';
  hasMore = false;
  /** Room mode: distinct visitors in the room. */
  online = 0;
  /** Inbox mode: operators of the inbox online; undefined until known. */
  teamOnline: number | undefined;
  /** Inbox mode: the visitor's conversation, null until their first message creates it. */
  conversation: VisitorConversation | null = null;
  visitorId: string | undefined;
  user: VisitorDetails | undefined;
  loadingOlder = false;
  /** Why the server refused the connection for good, when `status` is `refused`. */
  refusal: ChatErrorPayload | undefined;

  readonly #options: ChatClientOptions;
  readonly #keys: ReturnType<typeof storageKeys>;
  readonly #listeners: ChatClientEvents;
  /** Inbox mode: what the next page was last told (see storageKeys), once the conversation is known. */
  #resume: boolean | undefined;
  readonly #log = new MessageLog();
  readonly #outbox: Outbox;
  readonly #typing = new Map<string, { name: string; timer: ReturnType<typeof setTimeout> }>();
  #socket: ChatSocket | undefined;
  #catchingUp: Promise<boolean> | undefined;
  #token: string | undefined;
  #repairTimer: ReturnType<typeof setTimeout> | undefined;
  #typingSentAt = 0;
  #typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #onOnline = () => this.#reconnectNow();
  readonly #onOffline = () => this.#socket?.io.engine?.close();

  constructor(options: ChatClientOptions, listeners: ChatClientEvents) {
    this.#options = options;
    this.#keys = storageKeys(options);
    this.#listeners = listeners;
    this.#outbox = new Outbox(this.#keys.outbox, {
      stored: (message) => {
        if (this.#merge([message])) listeners.message(message, true);
      },
      failed: (error) => listeners.error(error),
      change: () => this.#changed(),
    });
  }

  get messages(): readonly ChatMessage[] {
    return this.#log.messages;
  }

  /** Inbox mode: the team's replies the visitor has not read yet. */
  get unreadReplies(): number {
    const read = this.conversation?.visitorReadSeq ?? 0;
    return this.#log.messages.filter((message) => message.sender.role === 'operator' && message.seq > read).length;
  }

  get #inbox(): string | undefined {
    return 'inbox' in this.#options.target ? this.#options.target.inbox : undefined;
  }

  /** Whether a message belongs here: this room, or (inbox mode) the visitor's conversation. */
  #isOurs(message: ChatMessage): boolean {
    const inbox = this.#inbox;
    // The server sends a visitor only their own conversation, under `<inbox>/<id>`.
    return inbox === undefined ? message.room === (this.#options.target as { room: string }).room : message.room.startsWith(`${inbox}/`);
  }

  get outbox(): readonly OutgoingMessage[] {
    return this.#outbox.entries;
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
      ...this.#options.socketOptions,
    };
    const socket: ChatSocket = server ? io(server, options) : io(options);
    this.#socket = socket;

    socket.on('session', ({ visitorId, token, user }) => {
      this.visitorId = visitorId;
      if (user) this.user = user;
      this.#token = token;
      save(this.#keys.token, token);
      this.#changed();
    });
    socket.on('connect', () => void this.#onConnect());
    socket.on('disconnect', () => {
      this.#outbox.setSender(undefined);
      this.#setStatus('offline');
    });
    socket.on('connect_error', (error: Error & { data?: ChatErrorPayload }) =>
      refusedConnection(socket, error, {
        setStatus: (status) => this.#setStatus(status),
        error: (reason) => this.#listeners.error(reason),
        refuse: (reason) => (this.refusal = reason),
      }),
    );
    socket.on('message', (message) => {
      if (!this.#isOurs(message)) return;
      const own = message.sender.id === this.visitorId;
      if (this.#merge([message])) this.#listeners.message(message, own);
      this.#repairSoon();
      this.#changed();
    });
    // The server may have lost packets (its link between nodes was down): fetch what is missing.
    socket.on('resync', () => void this.#catchUp().then(() => this.#changed()));
    socket.on('presence', ({ room, online }) => {
      if (!('room' in this.#options.target) || room !== this.#options.target.room) return;
      this.online = online;
      this.#changed();
    });
    socket.on('conversation', (conversation) => {
      if (conversation.inbox !== this.#inbox) return;
      this.conversation = conversation;
      this.#changed();
    });
    socket.on('team', ({ inbox, online }) => {
      if (inbox !== this.#inbox) return;
      this.teamOnline = online;
      this.#changed();
    });
    socket.on('typing', ({ room, inbox, sender, typing }) => {
      const target = this.#options.target;
      const here = 'room' in target ? room === target.room : inbox === target.inbox;
      if (!here || sender.id === this.visitorId) return;
      this.#showTyping(sender.id, sender.name, typing);
    });

    // Absent outside a browser (a client in Node, tests).
    pageEvents().addEventListener?.('online', this.#onOnline);
    pageEvents().addEventListener?.('offline', this.#onOffline);
  }

  disconnect(): void {
    pageEvents().removeEventListener?.('online', this.#onOnline);
    pageEvents().removeEventListener?.('offline', this.#onOffline);
    clearTimeout(this.#repairTimer);
    this.#outbox.stop();
    clearTimeout(this.#typingIdleTimer);
    for (const { timer } of this.#typing.values()) clearTimeout(timer);
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /** Queues a message; it is kept until the server acknowledges it, across reloads. */
  send(text: string): void {
    const message = text.trim();
    if (!message) return;
    this.#outbox.add(message);
    this.setTyping(false);
    void this.#outbox.flush();
  }

  retry(clientId: string): void {
    this.#outbox.retry(clientId);
  }

  async loadOlder(): Promise<void> {
    const socket = this.#socket;
    const oldest = this.#log.oldest;
    if (!socket?.connected || !this.hasMore || !oldest || this.loadingOlder) return;
    this.loadingOlder = true;
    this.#changed();
    try {
      const ack: HistoryAck = await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('history', { ...this.#options.target, before: oldest.seq, limit: HISTORY_PAGE });
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
      this.#changed();
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
      this.#changed();
    }
    return ack;
  }

  /** Inbox mode: tells the team the visitor has read everything shown. */
  async markRead(): Promise<void> {
    const socket = this.#socket;
    const inbox = this.#inbox;
    const newest = this.#log.newest;
    if (!socket?.connected || !inbox || !this.conversation || !newest || newest.seq <= this.conversation.visitorReadSeq) return;
    try {
      const ack: ReadAck = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('read', { inbox, seq: newest.seq });
      if (ack.ok) {
        this.conversation = ack.conversation;
        this.#changed();
      }
    } catch {
      // No answer: the next message read marks it again.
    }
  }

  /** Tells the room (or the team) this visitor is typing, at most every few seconds, and when they stop. */
  setTyping(typing: boolean): void {
    const socket = this.#socket;
    clearTimeout(this.#typingIdleTimer);
    if (!socket?.connected) return;
    const target = this.#options.target;
    if (!typing) {
      if (this.#typingSentAt) socket.emit('typing', { ...target, typing: false });
      this.#typingSentAt = 0;
      return;
    }
    if (Date.now() - this.#typingSentAt > TYPING_REFRESH_MS) {
      socket.emit('typing', { ...target, typing: true });
      this.#typingSentAt = Date.now();
    }
    this.#typingIdleTimer = setTimeout(() => this.setTyping(false), TYPING_IDLE_MS);
  }

  async #onConnect(): Promise<void> {
    this.#setStatus('online');
    const socket = this.#socket!;
    const target = this.#options.target;
    if (!(await this.#catchUp())) return;
    // Joined on this connection: the server takes messages for it now.
    this.#outbox.setSender(async (entry) => {
      const ack = (await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('message', { ...target, message: entry.message, clientId: entry.clientId })) as MessageAck | InboxMessageAck;
      if (ack.ok && 'conversation' in ack) this.conversation = ack.conversation;
      return ack;
    });
    this.#changed();
    await this.#outbox.flush();
  }

  /**
   * Joins (again) and fetches everything after the last contiguous seq: on every connect, when a
   * message arrived past a hole, and when the server says packets may have been lost. One at a
   * time; resolves with whether it got through.
   */
  #catchUp(): Promise<boolean> {
    this.#catchingUp ??= this.#fetchMissing().finally(() => (this.#catchingUp = undefined));
    return this.#catchingUp;
  }

  async #fetchMissing(): Promise<boolean> {
    const socket = this.#socket;
    const target = this.#options.target;
    // Catch up from the last contiguous message; a fresh page when there is none. Repeat while the
    // server says more newer messages exist than one catch-up returns.
    let more = true;
    let highest = 0;
    while (more) {
      if (!socket?.connected) return false;
      const since = this.#log.messages.length ? this.#log.contiguousSeq : undefined;
      let ack: JoinAck | InboxJoinAck;
      try {
        ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('join', since === undefined ? target : { ...target, since });
      } catch {
        return false; // no answer: the next connect tries again
      }
      if (!ack.ok) {
        this.#listeners.error(ack.error);
        return false;
      }
      const fresh = this.#log.messages.length === 0;
      if (fresh) this.#log.start(ack.messages);
      highest = Math.max(highest, ack.messages.at(-1)?.seq ?? 0);
      for (const message of ack.messages) {
        if (this.#merge([message]) && !fresh) this.#listeners.message(message, message.sender.id === this.visitorId);
      }
      if ('online' in ack) this.online = ack.online;
      if ('team' in ack) {
        this.teamOnline = ack.team.online;
        this.conversation = ack.conversation;
        // From now on the conversation is known, and what the next page should do with it.
        this.#resume ??= load<boolean>(this.#keys.resume) === true;
      }
      if (since === undefined) this.hasMore = ack.hasMore;
      more = since !== undefined && ack.hasMore;
    }
    // Everything the server had after the contiguous seq is here: a seq it skipped was burnt. Only
    // up to what it returned, though: a live message newer than that may be past one still on its
    // way, which the next repair asks for.
    this.#log.acceptHolesThrough(highest);
    this.#repairSoon();
    return true;
  }

  /** A message came past a hole: wait a moment for the missing ones in flight, then ask for them. */
  #repairSoon(): void {
    if (this.#repairTimer || !this.#log.hasGap) return;
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = undefined;
      if (this.#log.hasGap) void this.#catchUp().then(() => this.#changed());
    }, GAP_GRACE_MS);
  }

  /**
   * Adds messages by id in seq order, and drops outbox entries the server has stored (a reload
   * can lose an ack, never the message). Returns whether anything was new.
   */
  #merge(messages: readonly ChatMessage[]): boolean {
    const fresh = this.#log.merge(messages);
    if (fresh.length === 0) return false;
    const stored = fresh.filter((message) => message.sender.id === this.visitorId).map((message) => message.clientId);
    if (stored.length) this.#outbox.drop(new Set(stored));
    return true;
  }

  #showTyping(senderId: string, name: string, typing: boolean): void {
    const existing = this.#typing.get(senderId);
    if (existing) clearTimeout(existing.timer);
    if (typing) {
      const timer = setTimeout(() => {
        this.#typing.delete(senderId);
        this.#changed();
      }, TYPING_SHOWN_MS);
      this.#typing.set(senderId, { name, timer });
    } else {
      this.#typing.delete(senderId);
    }
    this.#changed();
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
    this.#changed();
  }

  #auth(): Record<string, string> {
    const { userId, userHash } = this.#options;
    if (userId && userHash) return { userId, userHash };
    // Kept in memory too, for where storage is missing or refuses (see storage.ts).
    const token = load<string>(this.#keys.token) ?? this.#token;
    return token ? { token } : {};
  }

  /** Tells the view, and the next page whether to connect before the visitor opens the chat. */
  #changed(): void {
    if (this.#resume !== undefined && this.#resume !== this.#resumeNext) {
      this.#resume = this.#resumeNext;
      save(this.#keys.resume, this.#resume);
    }
    this.#listeners.change();
  }

  /** Inbox mode: a conversation still open, or a reply not read yet, is worth connecting for. */
  get #resumeNext(): boolean {
    const conversation = this.conversation;
    return conversation !== null && (conversation.status === 'open' || this.unreadReplies > 0);
  }
}

/** The page's `online` and `offline` events, where there is a page. */
function pageEvents(): {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
} {
  return globalThis as object;
}
