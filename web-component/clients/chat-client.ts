import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  ChatErrorPayload,
  FileLimits,
  ChatMessage,
  ClientToServerEvents,
  ConsentState,
  InboxMessageAck,
  MessageAck,
  ServerToClientEvents,
  TeamMember,
  AssistantActivity,
  ConversationHandler,
  InboxTeamView,
  UserDetailsAck,
  UserDetailsPayload,
  VisitorConversation,
  VisitorDetails,
} from '../../src/protocol.js';
import { load, save } from '../shared/storage.js';
import { followConnection, type ConnectionStatus } from './connection.js';
import { ACK_TIMEOUT_MS, type OutgoingFile, type OutgoingMessage } from './outbox.js';
import { storageKeys } from './storage-keys.js';
import { Thread, type ThreadPage } from './thread.js';
import { HISTORY_PAGE } from './timing.js';
import { TypingIndicators, TypingSignal } from './typing.js';

export type { ConnectionStatus, OutgoingFile, OutgoingMessage };

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
 * The widget's connection to the chat: identity, the thread of its room (or of the visitor's
 * conversation in an inbox; see thread.ts for catch-up, gap repair and the outbox, kept in
 * localStorage until the server acknowledges each message), who is online and who is typing.
 */
export class ChatClient {
  status: ConnectionStatus = 'connecting';
  /** Room mode: distinct visitors in the room. */
  online = 0;
  /** Inbox mode: operators of the inbox online; undefined until known. */
  teamOnline: number | undefined;
  /** Inbox mode: some of the operators online, to show by name and picture. */
  team: readonly TeamMember[] = [];
  /** Inbox mode: whether the team is in, when it is next, and about how long a person takes (see InboxTeamView). */
  teamView: Omit<InboxTeamView, 'online' | 'members'> | undefined;
  /** Inbox mode: the inbox's assistant, if it has one. */
  assistant: { name: string } | null = null;
  /** Inbox mode: who the visitor chose to answer them before their conversation opened. */
  chosen: ConversationHandler | undefined;
  /** What the assistant is doing in the reply it is writing (by the reply's id). */
  activity: { id: string; activity: AssistantActivity } | undefined;
  /** Inbox mode: the visitor's conversation, null until their first message creates it. */
  conversation: VisitorConversation | null = null;
  visitorId: string | undefined;
  /** The id this visitor's messages carry: in a room the one the session gave for others to see, in a conversation the visitor id. */
  senderId: string | undefined;
  user: VisitorDetails | undefined;
  /** Why the server refused the connection for good, when `status` is `refused`. */
  refusal: ChatErrorPayload | undefined;
  /** What the chat takes in files, when it takes any (the session says). */
  fileLimits: FileLimits | undefined;
  /** Uploads the files of a message before it goes: the view that attached them sets it. */
  uploadFiles: ((entry: OutgoingMessage) => Promise<Ack>) | undefined;
  /** The chat's terms and whether this visitor agreed to them, when the host asks for consent (the session says). */
  consent: ConsentState | undefined;
  /** Inbox mode: the visitor may delete their conversation (`deleteConversation`). */
  canDeleteConversation = false;

  readonly #options: ChatClientOptions;
  readonly #keys: ReturnType<typeof storageKeys>;
  readonly #listeners: ChatClientEvents;
  /** Inbox mode: what the next page was last told (see storageKeys), once the conversation is known. */
  #resume: boolean | undefined;
  readonly #thread: Thread;
  readonly #typing: TypingIndicators;
  readonly #typingSignal: TypingSignal;
  #socket: ChatSocket | undefined;
  #token: string | undefined;
  /** A reply's whole text is being asked for (see #refetchReply). */
  #refetching = false;
  readonly #onOnline = () => this.#reconnectNow();
  readonly #onOffline = () => this.#socket?.io.engine?.close();

  constructor(options: ChatClientOptions, listeners: ChatClientEvents) {
    this.#options = options;
    this.#keys = storageKeys(options);
    this.#listeners = listeners;
    this.#thread = new Thread({
      fetch: (since) => this.#join(since),
      fetchOlder: (before) => this.#history(before),
      ownSenderId: () => this.senderId,
      outboxKey: this.#keys.outbox,
      arrived: (messages) => {
        for (const message of messages) listeners.message(message, message.sender.id === this.senderId);
      },
      failed: (error) => this.#failed(error),
      change: () => this.#changed(),
      upload: (entry) => this.uploadFiles?.(entry),
    });
    this.#typing = new TypingIndicators(() => this.#changed());
    this.#typingSignal = new TypingSignal((typing) => {
      if (!this.#socket?.connected) return false;
      this.#socket.emit('typing', { ...this.#options.target, typing });
      return true;
    }, TYPING_IDLE_MS);
  }

  get messages(): readonly ChatMessage[] {
    return this.#thread.messages.messages;
  }

  get outbox(): readonly OutgoingMessage[] {
    return this.#thread.pending;
  }

  /** Older messages exist before the oldest shown. */
  get hasMore(): boolean {
    return this.#thread.hasMore;
  }

  get loadingOlder(): boolean {
    return this.#thread.loadingOlder;
  }

  /** Inbox mode: the team's replies the visitor has not read yet. */
  get unreadReplies(): number {
    return this.repliesAfter(this.conversation?.visitorReadSeq ?? 0).length;
  }

  /** Inbox mode: the team's replies after `seq`, oldest first: a person's, and the assistant's once written. */
  repliesAfter(seq: number): ChatMessage[] {
    return this.messages.filter(
      (message) => message.seq > seq && (message.sender.role === 'operator' || (message.sender.role === 'assistant' && message.status !== 'streaming' && message.message !== '')),
    );
  }

  /** Inbox mode: who answers the visitor now (the assistant, a person, or nobody yet). */
  get handler(): ConversationHandler | undefined {
    return this.conversation?.handler ?? this.chosen;
  }

  /**
   * Inbox mode: "Talk to a person" (`person`) or "Ask the assistant": who answers the visitor from
   * now on. Resolves once the server said so.
   */
  async choose(choice: 'person' | 'assistant'): Promise<void> {
    const inbox = this.#inbox;
    if (!inbox) return;
    // Unanswered: the visitor may choose again.
    const ack = await this.ask(choice === 'person' ? 'handoff' : 'assistant', { inbox });
    if (!ack?.ok) {
      if (ack) this.#failed(ack.error);
      return;
    }
    if (ack.conversation) this.conversation = ack.conversation;
    this.chosen = ack.handler;
    this.#changed();
  }

  get typingNames(): string[] {
    return this.#typing.names;
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

  /** Whether an event names this room, or (inbox mode) the visitor's conversation. */
  #here(event: { room?: string | undefined; inbox?: string | undefined }): boolean {
    const target = this.#options.target;
    return 'room' in target ? event.room === target.room : event.inbox === target.inbox;
  }

  /** The server refused something: a refusal for want of consent (a new version of the terms) asks for it again. */
  #failed(error: ChatErrorPayload): void {
    if (error.code === 'CONSENT_REQUIRED' && this.consent) this.consent.given = false;
    this.#listeners.error(error);
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

    socket.on('session', ({ visitorId, senderId, token, user, files, consent, canDeleteConversation }) => {
      this.visitorId = visitorId;
      this.fileLimits = files;
      this.consent = consent;
      this.canDeleteConversation = canDeleteConversation === true;
      this.senderId = 'room' in this.#options.target ? (senderId ?? visitorId) : visitorId;
      if (user) this.user = user;
      this.#token = token;
      save(this.#keys.token, token);
      this.#changed();
    });
    followConnection(socket, {
      connected: () => this.#onConnect(),
      disconnected: () => this.#thread.outbox.setSender(undefined),
      setStatus: (status) => this.#setStatus(status),
      error: (reason) => this.#listeners.error(reason),
      refuse: (reason) => (this.refusal = reason),
    });
    socket.on('message', (message) => {
      if (!this.#isOurs(message)) return;
      this.#thread.receive(message);
      this.#changed();
    });
    // The server may have lost packets (its link between nodes was down): fetch what is missing.
    socket.on('resync', () => void this.#thread.catchUp().then(() => this.#changed()));
    socket.on('presence', (event) => {
      if (!this.#here(event)) return;
      this.online = event.online;
      this.#changed();
    });
    socket.on('conversation', (conversation) => {
      if (conversation.inbox !== this.#inbox) return;
      this.conversation = conversation;
      this.#changed();
    });
    socket.on('team', ({ inbox, online, members, ...view }) => {
      if (inbox !== this.#inbox) return;
      this.teamOnline = online;
      this.team = members ?? [];
      if ('open' in view) this.teamView = view as Omit<InboxTeamView, 'online' | 'members'>;
      this.#changed();
    });
    socket.on('delta', ({ id, inbox, offset, text, activity }) => {
      if (inbox !== this.#inbox) return;
      if (activity) this.activity = { id, activity };
      // Some of the reply went missing on the way: its whole text so far, from the server.
      if (this.#thread.messages.applyDelta(id, offset, text) === 'behind') this.#refetchReply(id);
      this.#changed();
    });
    socket.on('typing', (event) => {
      if (this.#here(event) && event.sender.id !== this.senderId) this.#typing.set(event.sender.id, event.sender.name, event.typing);
    });
    // Erased messages keep their place (and seq) as tombstones.
    socket.on('erased', (event) => {
      if (!this.#here(event)) return;
      this.#thread.messages.renew(
        this.messages
          .filter((message) => event.seqs.includes(message.seq))
          .map((message) => ({ ...message, message: '', files: undefined, citations: undefined, sender: { ...message.sender, name: '' }, erased: true })),
      );
      this.#changed();
    });
    socket.on('conversationDeleted', (event) => this.#here(event) && this.dropThread());
    // The chat erased this visitor: what this page holds of them goes too, and the server's
    // disconnect that follows is answered by connecting again, without a token, as someone new.
    socket.on('forgotten', () => {
      save(this.#keys.token, null);
      this.#token = this.user = undefined;
      this.#thread.outbox.drop(new Set(this.outbox.map((entry) => entry.clientId)));
      this.dropThread();
      socket.once('disconnect', () => socket.connect());
    });

    // Absent outside a browser (a client in Node, tests).
    pageEvents().addEventListener?.('online', this.#onOnline);
    pageEvents().addEventListener?.('offline', this.#onOffline);
  }

  disconnect(): void {
    pageEvents().removeEventListener?.('online', this.#onOnline);
    pageEvents().removeEventListener?.('offline', this.#onOffline);
    this.#thread.stop();
    this.#typingSignal.stop();
    this.#typing.clear();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /** Queues a message (text, files or both); it is kept until the server acknowledges it, across reloads. */
  send(text: string, files?: OutgoingFile[]): void {
    const message = text.trim();
    if (!message && !files?.length) return;
    this.#thread.outbox.add(message, files?.length ? { files } : {});
    this.setTyping(false);
    void this.#thread.outbox.flush();
  }

  retry(clientId: string): void {
    this.#thread.outbox.retry(clientId);
  }

  /** Takes a message back from the outbox: its upload was cancelled, or its files must be chosen again. */
  unsend(clientId: string): void {
    this.#thread.outbox.remove(clientId);
  }

  /** Keeps what changed in the outbox (an upload's id) across a reload, and shows it. */
  outboxChanged(): void {
    this.#thread.outbox.save();
    this.#changed();
  }

  /** The visitor's token, which uploads carry. */
  get token(): string | undefined {
    return load<string>(this.#keys.token) ?? this.#token;
  }

  /** Fresh URLs for the files of a message, whose signed ones expired. */
  async renewFiles(message: ChatMessage): Promise<void> {
    const page = await this.#history(message.seq + 1, 1);
    if (page) this.#thread.messages.renew(page.messages);
    this.#changed();
  }

  async loadOlder(): Promise<void> {
    if (!this.#socket?.connected) return;
    await this.#thread.loadOlder();
  }

  /** Sends an acknowledged event; resolves with the server's answer, or undefined when not connected or unanswered in time. */
  async ask<E extends Exclude<keyof ClientToServerEvents, 'typing'>>(
    event: E,
    payload: Parameters<ClientToServerEvents[E]>[0],
  ): Promise<Parameters<Parameters<ClientToServerEvents[E]>[1]>[0] | undefined> {
    try {
      if (this.#socket?.connected) return await (this.#socket.timeout(ACK_TIMEOUT_MS).emitWithAck as (event: E, payload: unknown) => Promise<never>)(event, payload);
    } catch {
      // Unanswered: as if not connected.
    }
    return undefined;
  }

  /** The conversation (or the room's thread) is gone: an empty one is shown, and the next message starts anew. */
  dropThread(): void {
    this.#thread.messages.clear();
    this.#thread.hasMore = false;
    this.conversation = null;
    this.#changed();
  }

  /** Saves the visitor's details; resolves with the server's answer (per-field errors included). */
  async saveDetails(details: UserDetailsPayload): Promise<UserDetailsAck> {
    const ack = (await this.ask('userDetails', details)) ?? { ok: false, error: { code: 'STORAGE_UNAVAILABLE', message: 'No answer from the chat', retryable: true } };
    if (ack.ok) {
      this.user = ack.user;
      this.#listeners.details(ack.user);
      this.#changed();
    }
    return ack;
  }

  /** Inbox mode: tells the team the visitor has read everything shown. */
  async markRead(): Promise<void> {
    const inbox = this.#inbox;
    const newest = this.#thread.messages.newest;
    if (!inbox || !this.conversation || !newest || newest.seq <= this.conversation.visitorReadSeq) return;
    // Unanswered: the next message read marks it again.
    const ack = await this.ask('read', { inbox, seq: newest.seq });
    if (ack?.ok) {
      this.conversation = ack.conversation;
      this.#changed();
    }
  }

  /** The whole text so far of a reply whose deltas went missing, asked for one at a time. */
  #refetchReply(id: string): void {
    const reply = this.#thread.messages.messages.find((message) => message.id === id);
    if (!reply || this.#refetching) return;
    this.#refetching = true;
    void this.#history(reply.seq + 1, 1).then((page) => {
      this.#refetching = false;
      if (page) this.#thread.messages.merge(page.messages);
      this.#changed();
    });
  }

  /** Tells the room (or the team) this visitor is typing, at most every few seconds, and when they stop. */
  setTyping(typing: boolean): void {
    this.#typingSignal.set(typing);
  }

  async #onConnect(): Promise<void> {
    const socket = this.#socket!;
    const target = this.#options.target;
    if (!(await this.#thread.catchUp())) return;
    // Joined on this connection: the server takes messages for it now.
    this.#thread.outbox.setSender(async (entry, retry) => {
      const ack = (await socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('message', {
          ...target,
          message: entry.message,
          clientId: entry.clientId,
          ...(entry.files ? { files: entry.files.map((file) => file.id!) } : {}),
          ...(retry ? { retry } : {}),
        })) as
        | MessageAck
        | InboxMessageAck;
      if (ack.ok && 'conversation' in ack) this.conversation = ack.conversation;
      return ack;
    });
    this.#changed();
    await this.#thread.outbox.flush();
  }

  /** `join` (again): the latest page, or what came after `since`, with who is online. */
  async #join(since: number | undefined): Promise<ThreadPage | undefined> {
    const target = this.#options.target;
    const ack = await this.ask('join', since === undefined ? target : { ...target, since });
    // Unanswered: the next connect tries again.
    if (!ack?.ok) {
      if (ack) this.#failed(ack.error);
      return undefined;
    }
    if ('online' in ack) this.online = ack.online;
    if ('team' in ack) {
      const { online, members, ...view } = ack.team;
      this.teamOnline = online;
      this.team = members ?? [];
      this.teamView = view;
      this.assistant = ack.assistant ?? null;
      this.conversation = ack.conversation;
      // From now on the conversation is known, and what the next page should do with it.
      this.#resume ??= load<boolean>(this.#keys.resume) === true;
    }
    return ack;
  }

  /** A page of messages before `before`; undefined without an answer (the button stays, and the next scroll tries again). */
  async #history(before: number, limit = HISTORY_PAGE): Promise<{ messages: ChatMessage[]; hasMore: boolean } | undefined> {
    const ack = await this.ask('history', { ...this.#options.target, before, limit });
    if (ack?.ok) return ack;
    if (ack) this.#failed(ack.error);
    return undefined;
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
