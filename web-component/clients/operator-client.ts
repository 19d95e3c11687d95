import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  FileLimits,
  Assignee,
  ChatErrorPayload,
  ChatMessage,
  ConversationAck,
  ConversationCounts,
  ConversationStatus,
  ConversationSummary,
  EraseMode,
  EraseVisitorAck,
  ExportVisitorAck,
  HistoryAck,
  OpenAck,
  OperatorClientToServerEvents,
  OperatorMessageAck,
  OperatorPermission,
  OperatorsAck,
  OperatorServerToClientEvents,
  OperatorSessionEvent,
  RepliesAck,
  RepliesPayload,
  SearchAck,
  SearchPayload,
} from '../../src/protocol.js';
import { followConnection, type ConnectionStatus } from './connection.js';
import { ConversationList, type InboxFilter } from './conversation-list.js';
import { OpenThread, type OpenConversation } from './open-thread.js';
import { ACK_TIMEOUT_MS, type OutgoingFile, type OutgoingMessage } from './outbox.js';
import type { ThreadPage } from './thread.js';
import { HISTORY_PAGE } from './timing.js';
import { TypingSignal } from './typing.js';

export type { InboxFilter, OpenConversation };

type OperatorSocket = Socket<OperatorServerToClientEvents, OperatorClientToServerEvents>;

export interface OperatorClientOptions {
  /** Origin of the chat server; empty for the page's own origin. */
  server: string;
  basePath: string;
  /** One inbox; empty for every inbox the operator may read. */
  inbox?: string | undefined;
  /** More Socket.IO client options, e.g. `extraHeaders` for a client outside the browser. */
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
}

export interface OperatorClientEvents {
  /** Something the view shows changed. */
  change(): void;
  /** A message arrived, in any conversation of the inbox (from its summary) or in the open one. */
  message(message: ChatMessage, conversation: ConversationSummary | undefined): void;
  error(error: ChatErrorPayload): void;
  /**
   * A conversation was deleted (its visitor erased, the retention rules, or the visitor): it has
   * left the list, and was closed if it was the open one. `summary` is what the list knew of it.
   */
  deleted?(conversationId: string, summary: ConversationSummary | undefined, wasOpen: boolean): void;
}

/** An export or an erase reads or removes a visitor's whole history: it may take longer than a message. */
const PRIVACY_ACK_TIMEOUT_MS = 60_000;

/**
 * The team's connection to the chat, for `<chat-inbox>`: the conversation list (kept live by
 * `conversation` events, and caught up with `changes` after a reconnect, so nothing is missed or
 * reloaded), the open conversation (caught up from the last seq it has), and an outbox with the
 * same rules as the visitor's. Knows nothing of the DOM.
 */
export class OperatorClient {
  status: ConnectionStatus = 'connecting';
  me: OperatorSessionEvent | undefined;
  /** Why the server refused the connection for good, when `status` is `refused`. */
  refusal: ChatErrorPayload | undefined;
  /** Uploads the files of a reply or a note before it goes: the view that attached them sets it. */
  uploadFiles: ((entry: OutgoingMessage) => Promise<Ack>) | undefined;

  readonly #options: OperatorClientOptions;
  readonly #listeners: OperatorClientEvents;
  #open: OpenThread | undefined;
  readonly #list: ConversationList;
  #socket: OperatorSocket | undefined;
  readonly #typingSignal: TypingSignal;

  constructor(options: OperatorClientOptions, listeners: OperatorClientEvents) {
    this.#options = options;
    this.#listeners = listeners;
    this.#list = new ConversationList(
      (event, payload) => this.#request(event, payload),
      options.inbox || undefined,
      () => this.me?.id,
      () => listeners.change(),
    );
    this.#typingSignal = new TypingSignal((typing) => {
      const socket = this.#socket;
      if (!socket?.connected || !this.#open) return false;
      socket.emit('typing', { conversationId: this.#open.id, typing });
      return true;
    });
  }

  /** The conversation open in the thread pane. */
  get open(): OpenConversation | undefined {
    return this.#open;
  }

  /** The list's tab: Mine, Unassigned, Open or Resolved. */
  get filter(): InboxFilter {
    return this.#list.filter;
  }
  set filter(filter: InboxFilter) {
    this.#list.filter = filter;
  }

  /** The server's count of each tab. */
  get counts(): ConversationCounts | undefined {
    return this.#list.counts;
  }

  get hasMoreConversations(): boolean {
    return this.#list.hasMore;
  }

  /** The conversations of the current filter, most recently changed first. */
  get conversations(): ConversationSummary[] {
    return this.#list.conversations;
  }

  get(id: string): ConversationSummary | undefined {
    return this.#list.get(id);
  }

  /** Unread visitor messages across the open conversations this client knows. */
  get unreadTotal(): number {
    return this.#list.unreadTotal;
  }

  connect(): void {
    if (this.#socket) return;
    const { server, basePath } = this.#options;
    // withCredentials: the host's session cookie is what identifies an operator, on any origin.
    const options = { path: `${basePath}/socket.io`, reconnectionDelayMax: 5_000, withCredentials: true, ...this.#options.socketOptions };
    const socket: OperatorSocket = io(`${server}/operators`, options);
    this.#socket = socket;

    socket.on('session', (session) => {
      this.me = session;
      this.#listeners.change();
    });
    followConnection(socket, {
      connected: () => this.#onConnect(),
      disconnected: () => this.#open?.outbox.setSender(undefined),
      setStatus: (status) => this.#setStatus(status),
      error: (reason) => this.#listeners.error(reason),
      refuse: (reason) => (this.refusal = reason),
    });
    socket.on('conversation', (summary) => {
      if (this.#list.changed(summary) && this.#open?.id !== summary.id) this.#listeners.message(summary.lastMessage!, summary);
      if (this.#open?.id === summary.id && this.#openVisitorChanged()) void this.#reloadOpen();
      this.#listeners.change();
    });
    socket.on('message', (message) => {
      const open = this.#open;
      if (!open || message.conversationId !== open.id) return;
      const { conversationId: _, ...plain } = message;
      open.receive(plain);
      this.#listeners.change();
    });
    // The server may have lost packets between its nodes: what changed, and the open thread.
    socket.on('resync', () => void this.#list.refresh().then(() => this.#catchUpOpen()));
    socket.on('typing', ({ conversationId, sender, typing }) => {
      const open = this.#open;
      if (!open || conversationId !== open.id || sender.role !== 'visitor') return;
      open.typing.set(sender.id, sender.name, typing);
    });
    socket.on('delta', ({ id, conversationId, offset, text, activity }) => {
      const open = this.#open;
      if (!open || conversationId !== open.id) return;
      if (activity) open.activity = { id, activity };
      // A delta lost on the way: the reply's next state (every second, and its end) brings the rest.
      open.messages.applyDelta(id, offset, text);
      this.#listeners.change();
    });
    socket.on('erased', ({ conversationId, seqs }) => {
      const open = this.#open;
      if (!open || conversationId !== open.id) return;
      open.eraseMessages(seqs);
      this.#listeners.change();
    });
    socket.on('conversationDeleted', ({ conversationId }) => {
      const summary = this.#list.forget(conversationId);
      const wasOpen = this.#open?.id === conversationId;
      if (wasOpen) {
        // Nothing is left to close on the server: it let go of the conversation with it.
        this.#open!.stop();
        this.#open = undefined;
      }
      this.#listeners.deleted?.(conversationId, summary, wasOpen);
      this.#listeners.change();
    });
    socket.on('counts', (counts) => {
      this.#list.countsChanged(counts);
      this.#listeners.change();
    });
    socket.on('visitor', ({ conversationId, online, lastSeenAt, details }) => {
      if (this.#open?.id === conversationId && this.#open.visitor) {
        this.#open.visitor = { ...this.#open.visitor, ...details, online, ...(lastSeenAt ? { lastSeenAt } : {}) };
      }
      this.#list.visitorOnline(conversationId, online);
      this.#listeners.change();
    });
  }

  disconnect(): void {
    this.#open?.stop();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /** Shows another tab of the list: Mine, Unassigned, Open, Resolved. */
  setFilter(filter: InboxFilter): Promise<void> {
    return this.#list.setFilter(filter);
  }

  loadMoreConversations(): Promise<void> {
    return this.#list.loadMore();
  }

  /** Opens a conversation: its latest messages, its notes and the visitor's details. */
  async openConversation(id: string): Promise<void> {
    if (this.#open?.id === id) return;
    this.#open?.stop();
    const open: OpenThread = new OpenThread(
      id,
      {
        fetch: (since, notesSince) => this.#openPage(open, since, notesSince),
        fetchOlder: async (before) => {
          const ack = await this.#request<HistoryAck>('history', { conversationId: id, before, limit: HISTORY_PAGE });
          return ack?.ok ? ack : undefined;
        },
        ownSenderId: () => this.me?.senderId,
        // Told of live messages only: a catch-up is what the list's summaries already said.
        arrived: (messages, how) => {
          if (how !== 'live') return;
          for (const message of messages) this.#listeners.message(message, this.#list.get(id));
        },
        failed: (error) => this.#listeners.error(error),
        change: () => this.#listeners.change(),
        upload: (entry) => this.uploadFiles?.(entry),
      },
      () => this.#listeners.change(),
    );
    this.#open = open;
    this.#listeners.change();
    await this.#catchUpOpen();
  }

  /** Whether the operator's `identify` granted `permission` (the session's `can`). */
  hasPermission(permission: OperatorPermission): boolean {
    return this.me?.can?.includes(permission) ?? false;
  }

  /**
   * Everything the chat holds about the visitor of a conversation (needs `can: ['privacy']`);
   * undefined when the chat did not answer.
   */
  exportVisitor(conversationId: string): Promise<ExportVisitorAck | undefined> {
    return this.#request<ExportVisitorAck>('exportVisitor', { conversationId }, PRIVACY_ACK_TIMEOUT_MS);
  }

  /**
   * Erases the visitor of a conversation from the chat, in every inbox (needs `can: ['privacy']`):
   * `delete` their conversations, or `anonymize` them. The list and the thread follow from the
   * `conversationDeleted`, `erased` and `conversation` events. Undefined when the chat did not answer.
   */
  eraseVisitor(conversationId: string, mode: EraseMode): Promise<EraseVisitorAck | undefined> {
    return this.#request<EraseVisitorAck>('eraseVisitor', { conversationId, mode }, PRIVACY_ACK_TIMEOUT_MS);
  }

  /** Stops showing the open conversation: its messages and typing no longer come. */
  closeConversation(): void {
    const open = this.#open;
    if (!open) return;
    open.stop();
    this.#open = undefined;
    void this.#request('close', { conversationId: open.id });
    this.#listeners.change();
  }

  async loadOlder(): Promise<void> {
    await this.#open?.loadOlder();
  }

  /** What the chat takes in files, when it takes any (the session says). */
  get fileLimits(): FileLimits | undefined {
    return this.me?.files;
  }

  /** Queues a reply (or a note), with text, files or both, to the open conversation; kept until the server has it. */
  send(text: string, note = false, files?: OutgoingFile[]): void {
    const open = this.#open;
    const message = text.trim();
    if (!open || (!message && !files?.length)) return;
    open.outbox.add(message, { ...(note ? { note: true } : {}), ...(files?.length ? { files } : {}) });
    this.setTyping(false);
    void open.outbox.flush();
  }

  retry(clientId: string): void {
    this.#open?.outbox.retry(clientId);
  }

  /** Takes a reply back from the outbox: its upload was cancelled. */
  unsend(clientId: string): void {
    this.#open?.outbox.remove(clientId);
  }

  /** Shows what changed in the outbox (an upload's progress or id). */
  outboxChanged(): void {
    this.#listeners.change();
  }

  /**
   * Fresh URLs for the files of a message or a note of the open conversation, whose signed ones
   * expired: a note comes again from `open` (which `history` does not page), a message from `history`.
   */
  async renewFiles(message: ChatMessage): Promise<void> {
    const open = this.#open;
    if (!open) return;
    if (message.note) {
      const ack = await this.#request<OpenAck>('open', { conversationId: open.id, since: open.messages.contiguousSeq, notesSince: message.seq - 1 });
      if (ack?.ok && this.#open === open) open.notes.renew(ack.notes);
    } else {
      const ack = await this.#request<HistoryAck>('history', { conversationId: open.id, before: message.seq + 1, limit: 1 });
      if (ack?.ok && this.#open === open) open.messages.renew(ack.messages);
    }
    this.#listeners.change();
  }

  /** Operators online now who may take the open conversation (the caller included). */
  async teammates(): Promise<Assignee[]> {
    const summary = this.#open && this.#list.get(this.#open.id);
    if (!summary) return [];
    const ack = await this.#request<OperatorsAck>('operators', { inbox: summary.inbox });
    return ack?.ok ? ack.operators : [];
  }

  /** Takes, hands over (`to` another operator's id) or releases (`null`) the open conversation. */
  assign(to: string | null): Promise<ConversationAck | undefined> {
    const summary = this.#open && this.#list.get(this.#open.id);
    if (!summary) return Promise.resolve(undefined);
    return this.#update('assign', { conversationId: summary.id, to, expected: summary.assignee?.id ?? null });
  }

  /** Resolves or reopens the open conversation; `skipRating` resolves it without asking the visitor to rate it. */
  setStatus(status: ConversationStatus, { skipRating = false } = {}): Promise<ConversationAck | undefined> {
    if (!this.#open) return Promise.resolve(undefined);
    return this.#update('status', { conversationId: this.#open.id, status, ...(skipRating ? { skipRating: true } : {}) });
  }

  /** The operator's saved replies: list, save or remove one; undefined when the chat did not answer. */
  replies(payload: RepliesPayload): Promise<RepliesAck | undefined> {
    return this.#request<RepliesAck>('replies', payload);
  }

  /** Searches the conversations of the inboxes this operator reads; undefined when the chat did not answer. */
  search(payload: SearchPayload): Promise<SearchAck | undefined> {
    return this.#request<SearchAck>('search', { ...(this.#options.inbox ? { inbox: this.#options.inbox } : {}), ...payload });
  }

  /**
   * Loads older pages of the open conversation until its message `seq` is there (or there is
   * nothing older); says whether it is.
   */
  async loadThrough(seq: number): Promise<boolean> {
    const open = this.#open;
    const present = () => open!.messages.messages.some((message) => message.seq === seq);
    while (open && this.#open === open && !present() && open.hasMore && (open.messages.oldest?.seq ?? 0) > seq) {
      const before = open.messages.oldest?.seq;
      await open.loadOlder();
      // No answer, or no progress: stop rather than ask forever.
      if (open.messages.oldest?.seq === before) break;
    }
    return Boolean(open && this.#open === open && present());
  }

  /** Marks the open conversation read up to its newest message. */
  async markRead(): Promise<void> {
    const open = this.#open;
    const newest = open?.messages.newest;
    const summary = open && this.#list.get(open.id);
    if (!open || !newest || !summary || newest.seq <= summary.operatorReadSeq) return;
    await this.#update('read', { conversationId: open.id, seq: newest.seq });
  }

  setTyping(typing: boolean): void {
    this.#typingSignal.set(typing);
  }

  /** What the outbox of the open conversation still holds. */
  get pending(): readonly OutgoingMessage[] {
    return this.#open?.outbox.entries ?? [];
  }

  async #onConnect(): Promise<void> {
    // After a reconnect or a sleep: what changed meanwhile, then the open thread from its last seq.
    await this.#list.refresh();
    if (this.#openVisitorChanged()) await this.#reloadOpen();
    else await this.#catchUpOpen();
  }

  /**
   * The open conversation's visitor is no longer the one it was opened with: they were erased and
   * the conversation anonymised, which also rewrote the team's words that named them.
   */
  #openVisitorChanged(): boolean {
    const open = this.#open;
    const listed = open && this.#list.get(open.id);
    return Boolean(open?.visitor && listed && listed.visitor.id !== open.visitor.id);
  }

  /** Reads the open conversation again from its latest page, with its visitor as they are now; its outbox stays. */
  async #reloadOpen(): Promise<void> {
    const open = this.#open;
    if (!open) return;
    // Not read again while this reload is on its way.
    open.visitor = undefined;
    open.forgetMessages();
    this.#listeners.change();
    await this.#catchUpOpen();
  }

  /** Opens (again) the open conversation, from its last contiguous seq, and sends its outbox. */
  async #catchUpOpen(): Promise<void> {
    const open = this.#open;
    const socket = this.#socket;
    if (!open || !socket?.connected) return;
    if (!(await open.catchUp()) || this.#open !== open) return;
    open.outbox.setSender((entry, retry) =>
      socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message', {
        conversationId: open.id,
        message: entry.message,
        clientId: entry.clientId,
        ...(entry.files ? { files: entry.files.map((file) => file.id!) } : {}),
        ...(entry.note ? { note: true } : {}),
        ...(retry ? { retry } : {}),
      }) as Promise<OperatorMessageAck>,
    );
    this.#listeners.change();
    await open.outbox.flush();
  }

  /** `open`: the thread's latest page (or what came after `since`), the notes after `notesSince`, the visitor. */
  async #openPage(open: OpenThread, since: number | undefined, notesSince: number): Promise<ThreadPage | undefined> {
    const ack = await this.#request<OpenAck>('open', { conversationId: open.id, ...(since === undefined ? {} : { since }), notesSince });
    if (!ack?.ok || this.#open !== open) return undefined;
    this.#list.keep(ack.conversation);
    open.visitor = ack.visitor;
    return ack;
  }

  async #update(event: 'assign' | 'status' | 'read', payload: object): Promise<ConversationAck | undefined> {
    const ack = await this.#request<ConversationAck>(event, payload);
    if (ack?.ok) {
      this.#list.keep(ack.conversation);
      this.#listeners.change();
    } else if (ack) {
      // CONFLICT carries who has it now; the list shows that once the next event arrives.
      this.#listeners.error(ack.error);
    }
    return ack;
  }

  async #request<A extends Ack>(event: keyof OperatorClientToServerEvents, payload: object, timeoutMs = ACK_TIMEOUT_MS): Promise<A | undefined> {
    const socket = this.#socket;
    if (!socket?.connected) return undefined;
    try {
      return (await (socket.timeout(timeoutMs) as unknown as {
        emitWithAck(event: string, payload: object): Promise<A>;
      }).emitWithAck(event, payload)) as A;
    } catch {
      return undefined; // no answer: the next reconnect catches up
    }
  }

  #setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.#listeners.change();
  }
}
