import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  Assignee,
  AssigneeFilter,
  ChangesAck,
  ChatErrorPayload,
  ChatMessage,
  ConversationAck,
  ConversationCounts,
  ConversationStatus,
  ConversationSummary,
  ConversationVisitor,
  HistoryAck,
  InboxListAck,
  OpenAck,
  OperatorClientToServerEvents,
  OperatorMessageAck,
  OperatorsAck,
  OperatorServerToClientEvents,
  OperatorSessionEvent,
} from '../../src/protocol.js';
import { GAP_GRACE_MS, HISTORY_PAGE, TYPING_REFRESH_MS, TYPING_SHOWN_MS } from './timing.js';
import { refusedConnection, type ConnectionStatus } from './connection.js';
import { MessageLog } from './message-log.js';
import { ACK_TIMEOUT_MS, Outbox, type OutgoingMessage } from './outbox.js';

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

export interface InboxFilter {
  status: ConversationStatus;
  assignee: AssigneeFilter;
}

export interface OperatorClientEvents {
  /** Something the view shows changed. */
  change(): void;
  /** A message arrived, in any conversation of the inbox (from its summary) or in the open one. */
  message(message: ChatMessage, conversation: ConversationSummary | undefined): void;
  error(error: ChatErrorPayload): void;
}

/** The conversation an operator has open: its thread, notes, visitor, outbox and typing. */
export interface OpenConversation {
  id: string;
  messages: MessageLog;
  notes: MessageLog;
  visitor: ConversationVisitor | undefined;
  hasMore: boolean;
  outbox: Outbox;
  visitorTyping: boolean;
}

const COUNTS_REFRESH_MS = 1_000;

/**
 * The team's connection to the chat, for `<chat-inbox>`: the conversation list (kept live by
 * `conversation` events, and caught up with `changes` after a reconnect, so nothing is missed or
 * reloaded), the open conversation (caught up from the last seq it has), and an outbox with the
 * same rules as the visitor's. Knows nothing of the DOM.
 */
export class OperatorClient {
  status: ConnectionStatus = 'connecting';
  me: OperatorSessionEvent | undefined;
  filter: InboxFilter = { status: 'open', assignee: 'any' };
  counts: ConversationCounts | undefined;
  hasMoreConversations = false;
  open: OpenConversation | undefined;
  /** Why the server refused the connection for good, when `status` is `refused`. */
  refusal: ChatErrorPayload | undefined;

  readonly #options: OperatorClientOptions;
  readonly #listeners: OperatorClientEvents;
  readonly #conversations = new Map<string, ConversationSummary>();
  #socket: OperatorSocket | undefined;
  #countsTimer: ReturnType<typeof setTimeout> | undefined;
  #repairTimer: ReturnType<typeof setTimeout> | undefined;
  #openingUp: Promise<void> | undefined;
  /** The `version` to catch up from after a reconnect; undefined before the first list. */
  #cursor: number | undefined;
  #typingSentAt = 0;
  #typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: OperatorClientOptions, listeners: OperatorClientEvents) {
    this.#options = options;
    this.#listeners = listeners;
  }

  /** The conversations of the current filter, most recently changed first. */
  get conversations(): ConversationSummary[] {
    return [...this.#conversations.values()]
      .filter((summary) => this.#matches(summary))
      .sort((a, b) => b.version - a.version);
  }

  get(id: string): ConversationSummary | undefined {
    return this.#conversations.get(id);
  }

  /** Unread visitor messages across the open conversations this client knows. */
  get unreadTotal(): number {
    let total = 0;
    for (const summary of this.#conversations.values()) if (summary.status === 'open') total += summary.unread;
    return total;
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
    socket.on('connect', () => void this.#onConnect());
    socket.on('disconnect', () => {
      this.open?.outbox.setSender(undefined);
      this.#setStatus('offline');
    });
    socket.on('connect_error', (error: Error & { data?: ChatErrorPayload }) =>
      refusedConnection(socket, error, {
        setStatus: (status) => this.#setStatus(status),
        error: (reason) => this.#listeners.error(reason),
        refuse: (reason) => (this.refusal = reason),
      }),
    );
    socket.on('conversation', (summary) => {
      this.#refreshCountsSoon();
      const previous = this.#conversations.get(summary.id);
      if (this.#keep(summary) && summary.lastMessage && summary.lastMessage.id !== previous?.lastMessage?.id) {
        if (!this.open || this.open.id !== summary.id) this.#listeners.message(summary.lastMessage, summary);
      }
      this.#listeners.change();
    });
    socket.on('message', (message) => {
      const open = this.open;
      if (!open || message.conversationId !== open.id) return;
      const { conversationId: _, ...plain } = message;
      const fresh = (plain.note ? open.notes : open.messages).merge([plain]);
      if (fresh.length) {
        this.#dropStored(open, fresh);
        this.#listeners.message(plain, this.#conversations.get(open.id));
      }
      this.#repairSoon(open);
      this.#listeners.change();
    });
    // The server may have lost packets between its nodes: what changed, and the open thread.
    socket.on('resync', () => void this.#catchUp().then(() => this.#catchUpOpen()));
    socket.on('typing', ({ conversationId, sender, typing }) => {
      const open = this.open;
      if (!open || conversationId !== open.id || sender.role !== 'visitor') return;
      open.visitorTyping = typing;
      clearTimeout(this.#typingTimer);
      if (typing) {
        this.#typingTimer = setTimeout(() => {
          open.visitorTyping = false;
          this.#listeners.change();
        }, TYPING_SHOWN_MS);
      }
      this.#listeners.change();
    });
    socket.on('visitor', ({ conversationId, online }) => {
      if (this.open?.id === conversationId && this.open.visitor) this.open.visitor = { ...this.open.visitor, online };
      const summary = this.#conversations.get(conversationId);
      if (summary) this.#conversations.set(conversationId, { ...summary, visitor: { ...summary.visitor, online } });
      this.#listeners.change();
    });
  }

  disconnect(): void {
    this.open?.outbox.stop();
    clearTimeout(this.#typingTimer);
    clearTimeout(this.#countsTimer);
    clearTimeout(this.#repairTimer);
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  /** Shows another tab of the list: Mine, Unassigned, Open, Resolved. */
  async setFilter(filter: InboxFilter): Promise<void> {
    this.filter = filter;
    this.#listeners.change();
    await this.#list();
  }

  async loadMoreConversations(): Promise<void> {
    const last = this.conversations.at(-1);
    if (!last || !this.hasMoreConversations) return;
    await this.#list(last.version);
  }

  /** Opens a conversation: its latest messages, its notes and the visitor's details. */
  async openConversation(id: string): Promise<void> {
    if (this.open?.id === id) return;
    this.open?.outbox.stop();
    this.open = {
      id,
      messages: new MessageLog(),
      notes: new MessageLog(),
      visitor: undefined,
      hasMore: false,
      visitorTyping: false,
      outbox: new Outbox(undefined, {
        stored: (message) => {
          const open = this.open;
          if (open?.id === id) (message.note ? open.notes : open.messages).merge([message]);
        },
        failed: (error) => this.#listeners.error(error),
        change: () => this.#listeners.change(),
      }),
    };
    this.#listeners.change();
    await this.#catchUpOpen();
  }

  closeConversation(): void {
    this.open?.outbox.stop();
    this.open = undefined;
    this.#listeners.change();
  }

  async loadOlder(): Promise<void> {
    const open = this.open;
    const oldest = open?.messages.oldest;
    if (!open || !oldest || !open.hasMore) return;
    const ack = await this.#request<HistoryAck>('history', { conversationId: open.id, before: oldest.seq, limit: HISTORY_PAGE });
    if (ack?.ok && this.open === open) {
      open.messages.merge(ack.messages);
      open.hasMore = ack.hasMore;
      this.#listeners.change();
    }
  }

  /** Queues a reply (or a note) to the open conversation; kept until the server has it. */
  send(text: string, note = false): void {
    const open = this.open;
    const message = text.trim();
    if (!open || !message) return;
    open.outbox.add(message, note ? { note: true } : {});
    this.setTyping(false);
    void open.outbox.flush();
  }

  retry(clientId: string): void {
    this.open?.outbox.retry(clientId);
  }

  /** Operators online now who may take the open conversation (the caller included). */
  async teammates(): Promise<Assignee[]> {
    const summary = this.open && this.#conversations.get(this.open.id);
    if (!summary) return [];
    const ack = await this.#request<OperatorsAck>('operators', { inbox: summary.inbox });
    return ack?.ok ? ack.operators : [];
  }

  /** Takes, hands over (`to` another operator's id) or releases (`null`) the open conversation. */
  assign(to: string | null): Promise<ConversationAck | undefined> {
    const summary = this.open && this.#conversations.get(this.open.id);
    if (!summary) return Promise.resolve(undefined);
    return this.#update('assign', { conversationId: summary.id, to, expected: summary.assignee?.id ?? null });
  }

  setStatus(status: ConversationStatus): Promise<ConversationAck | undefined> {
    if (!this.open) return Promise.resolve(undefined);
    return this.#update('status', { conversationId: this.open.id, status });
  }

  /** Marks the open conversation read up to its newest message. */
  async markRead(): Promise<void> {
    const open = this.open;
    const newest = open?.messages.newest;
    const summary = open && this.#conversations.get(open.id);
    if (!open || !newest || !summary || newest.seq <= summary.operatorReadSeq) return;
    await this.#update('read', { conversationId: open.id, seq: newest.seq });
  }

  setTyping(typing: boolean): void {
    const socket = this.#socket;
    const open = this.open;
    if (!socket?.connected || !open) return;
    if (!typing) {
      if (this.#typingSentAt) socket.emit('typing', { conversationId: open.id, typing: false });
      this.#typingSentAt = 0;
      return;
    }
    if (Date.now() - this.#typingSentAt > TYPING_REFRESH_MS) {
      socket.emit('typing', { conversationId: open.id, typing: true });
      this.#typingSentAt = Date.now();
    }
  }

  /** What the outbox of the open conversation still holds. */
  get pending(): readonly OutgoingMessage[] {
    return this.open?.outbox.entries ?? [];
  }

  async #onConnect(): Promise<void> {
    this.#setStatus('online');
    // After a reconnect or a sleep: what changed meanwhile, then the open thread from its last seq.
    if (this.#cursor === undefined) await this.#list();
    else await this.#catchUp();
    await this.#catchUpOpen();
  }

  async #list(before?: number): Promise<void> {
    const { status, assignee } = this.filter;
    const inbox = this.#options.inbox || undefined;
    const ack = await this.#request<InboxListAck>('inbox', {
      status,
      assignee,
      ...(inbox ? { inbox } : {}),
      ...(before === undefined ? {} : { before }),
    });
    if (!ack?.ok) return;
    if (before === undefined) {
      // A fresh first page replaces what this filter showed; the cursor starts here.
      for (const summary of [...this.#conversations.values()]) if (this.#matches(summary)) this.#conversations.delete(summary.id);
      this.#cursor = Math.max(this.#cursor ?? 0, ack.version);
    }
    for (const summary of ack.conversations) this.#keep(summary);
    this.counts = ack.counts;
    this.hasMoreConversations = ack.hasMore;
    this.#listeners.change();
  }

  /**
   * The tab counts are the server's, over the whole inbox: after changes arrive they are asked for
   * again, at most once a second however busy the inbox is.
   */
  #refreshCountsSoon(): void {
    if (this.#countsTimer) return;
    this.#countsTimer = setTimeout(() => {
      this.#countsTimer = undefined;
      void this.#refreshCounts();
    }, COUNTS_REFRESH_MS);
  }

  async #refreshCounts(): Promise<void> {
    const inbox = this.#options.inbox || undefined;
    const ack = await this.#request<InboxListAck>('inbox', { limit: 1, ...(inbox ? { inbox } : {}) });
    if (!ack?.ok) return;
    this.counts = ack.counts;
    this.#listeners.change();
  }

  async #catchUp(): Promise<void> {
    const inbox = this.#options.inbox || undefined;
    for (;;) {
      const ack = await this.#request<ChangesAck>('changes', { since: this.#cursor ?? 0, ...(inbox ? { inbox } : {}) });
      if (!ack?.ok) return;
      for (const summary of ack.conversations) this.#keep(summary);
      this.#cursor = Math.max(this.#cursor ?? 0, ack.version);
      if (!ack.hasMore) break;
    }
    // Counts are not part of changes: a fresh first page brings them.
    await this.#list();
  }

  /** A message came past a hole: wait a moment for the missing ones in flight, then ask for them. */
  #repairSoon(open: OpenConversation): void {
    if (this.#repairTimer || !(open.messages.hasGap || open.notes.hasGap)) return;
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = undefined;
      if (this.open === open && (open.messages.hasGap || open.notes.hasGap)) void this.#catchUpOpen();
    }, GAP_GRACE_MS);
  }

  /** Opens (again) the open conversation, from its last contiguous seq, and sends its outbox. */
  #catchUpOpen(): Promise<void> {
    this.#openingUp ??= this.#fetchOpen().finally(() => (this.#openingUp = undefined));
    return this.#openingUp;
  }

  async #fetchOpen(): Promise<void> {
    const open = this.open;
    const socket = this.#socket;
    if (!open || !socket?.connected) return;
    let ack: OpenAck | undefined;
    let highest = 0;
    let highestNote = 0;
    for (let more = true; more; ) {
      const since = open.messages.messages.length ? open.messages.contiguousSeq : undefined;
      ack = await this.#request<OpenAck>('open', {
        conversationId: open.id,
        ...(since === undefined ? {} : { since }),
        notesSince: open.notes.contiguousSeq,
      });
      if (!ack?.ok || this.open !== open) return;
      if (since === undefined) {
        open.messages.start(ack.messages);
        open.hasMore = ack.hasMore;
      }
      this.#dropStored(open, open.messages.merge(ack.messages));
      this.#dropStored(open, open.notes.merge(ack.notes));
      highest = Math.max(highest, ack.messages.at(-1)?.seq ?? 0);
      highestNote = Math.max(highestNote, ack.notes.at(-1)?.seq ?? 0);
      more = since !== undefined && ack.hasMore;
    }
    if (!ack?.ok) return;
    // What the server had after the contiguous seqs is here: a seq it skipped was burnt (only up
    // to what it returned; a newer live message may be past one still on its way).
    open.messages.acceptHolesThrough(highest);
    open.notes.acceptHolesThrough(highestNote);
    this.#repairSoon(open);
    this.#keep(ack.conversation);
    open.visitor = ack.visitor;
    open.outbox.setSender((entry) =>
      socket.timeout(ACK_TIMEOUT_MS).emitWithAck('message', {
        conversationId: open.id,
        message: entry.message,
        clientId: entry.clientId,
        ...(entry.note ? { note: true } : {}),
      }) as Promise<OperatorMessageAck>,
    );
    this.#listeners.change();
    await open.outbox.flush();
  }

  /** Drops outbox entries that a catch-up shows the server already stored. */
  #dropStored(open: OpenConversation, fresh: ChatMessage[]): void {
    const mine = fresh.filter((message) => message.sender.id === this.me?.senderId).map((message) => message.clientId);
    if (mine.length) open.outbox.drop(new Set(mine));
  }

  async #update(event: 'assign' | 'status' | 'read', payload: object): Promise<ConversationAck | undefined> {
    const ack = await this.#request<ConversationAck>(event, payload);
    if (ack?.ok) {
      this.#keep(ack.conversation);
      this.#listeners.change();
    } else if (ack) {
      // CONFLICT carries who has it now; the list shows that once the next event arrives.
      this.#listeners.error(ack.error);
    }
    return ack;
  }

  /** Keeps a summary unless a newer version is known; says whether it was kept. */
  #keep(summary: ConversationSummary): boolean {
    const known = this.#conversations.get(summary.id);
    if (known && known.version >= summary.version) return false;
    // Presence is not versioned: the newer of the two reports wins only by arriving later.
    this.#conversations.set(summary.id, summary);
    return true;
  }

  #matches(summary: ConversationSummary): boolean {
    const { status, assignee } = this.filter;
    if (summary.status !== status) return false;
    if (assignee === 'me') return summary.assignee?.id === this.me?.id;
    if (assignee === 'none') return summary.assignee === null;
    return true;
  }

  async #request<A extends Ack>(event: keyof OperatorClientToServerEvents, payload: object): Promise<A | undefined> {
    const socket = this.#socket;
    if (!socket?.connected) return undefined;
    try {
      return (await (socket.timeout(ACK_TIMEOUT_MS) as unknown as {
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
