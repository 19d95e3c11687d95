import { createHmac } from 'node:crypto';
import type {
  Assignee,
  ChatMessage,
  ConversationStatus,
  ConversationSummary,
  ConversationVisitor,
  Sender,
  VisitorConversation,
} from '../protocol.js';
import { threadKey, type ConversationChange, type ConversationRecord } from '../stores/types.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { ConversationEventType, Visitor } from '../server/options.js';
import { channels } from '../server/channels.js';
import { InboxList, mayRead, type InboxScope } from './inbox-list.js';
import { ConversationsOnline } from './online.js';
import { UnseenReplies } from './unseen-replies.js';
import { asNote, summaryOf, visitorViewOf } from './views.js';

/** Which inboxes an operator (or the host's own code, `'*'`) may read. */
export interface OperatorPost {
  message: string;
  clientId: string;
  /** Who writes: an operator or a bot of the host, by the host's id and a display name. */
  as: { id: string; name: string };
  note?: boolean | undefined;
}

/** Compare-and-set attempts before a busy conversation is answered as unavailable. */
const MAX_ATTEMPTS = 10;

const NO_SUCH_CONVERSATION = () => new ChatError('NOT_FOUND', 'There is no such conversation');

/**
 * Support conversations: one private thread per (inbox, visitor), under the same store, seq and
 * idempotency rules as rooms. Every change goes through a compare-and-set on the conversation's
 * version and is then published: a summary to the inbox's operators, the visitor's view to the
 * visitor's tabs, and the hooks. Socket handlers (visitors and operators) and `chat.conversations`
 * all go through here, so they cannot disagree.
 */
export class ConversationService {
  /** The inboxes, their lists and who may read them. */
  readonly inboxes: InboxList;
  readonly #ctx: ChatContext;
  readonly #online: ConversationsOnline;
  readonly #unseen: UnseenReplies | undefined;
  readonly #senderKey: Buffer;

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    const config = ctx.options.operators!;
    this.inboxes = new InboxList(ctx, config.inboxes, (records) => this.summaries(records));
    this.#online = new ConversationsOnline(ctx);
    this.#senderKey = createHmac('sha256', ctx.options.secret).update('parley-chat operator sender v1').digest();
    // Timers only when the host wants to hear about unseen replies.
    if (ctx.options.hooks.onUnseenReply) {
      this.#unseen = new UnseenReplies(config.unseenReplyDelayMs, (id) => this.#notifyUnseen(id), (error) =>
        ctx.report(error),
      );
    }
  }

  close(): void {
    this.#unseen?.close();
  }

  /** The stable, opaque id visitors see for an operator: never the host's user id. */
  senderId(operatorId: string): string {
    return `op_${createHmac('sha256', this.#senderKey).update(operatorId).digest('base64url').slice(0, 22)}`;
  }

  // Reading -------------------------------------------------------------------------------------

  /** A conversation the scope may read, or NOT_FOUND: guessing ids tells nothing. */
  async get(scope: InboxScope, id: string): Promise<ConversationRecord> {
    const record = await this.#ctx.store.getConversation(id);
    if (!record || !mayRead(scope, record.inbox)) throw NO_SUCH_CONVERSATION();
    return record;
  }

  /** Summaries with each visitor's presence, asked of every node at once. */
  async summaries(records: ConversationRecord[]): Promise<ConversationSummary[]> {
    const online = await Promise.all(records.map((record) => this.#online.visitor(record)));
    return records.map((record, i) => summaryOf(record, online[i]!));
  }

  /** A summary with the visitor's presence as this node knows it. */
  summary(record: ConversationRecord, online = this.#online.knows(record.id)): ConversationSummary {
    return summaryOf(record, online);
  }

  visitorView(record: ConversationRecord): VisitorConversation {
    return visitorViewOf(record);
  }

  async visitorDetails(record: ConversationRecord): Promise<ConversationVisitor> {
    const user = await this.#ctx.store.getUser(record.visitorId);
    const summary = (await this.summaries([record]))[0]!;
    return {
      id: record.visitorId,
      name: user?.name || record.visitorName,
      email: user?.email ?? '',
      phone: user?.phone ?? '',
      online: summary.visitor.online,
      lastSeenAt: summary.visitor.lastSeenAt,
    };
  }

  /** Messages of the conversation (or its notes), as `listMessages` pages them. */
  async messages(record: ConversationRecord, query: { before?: number; after?: number; limit: number }, notes = false) {
    const page = await this.#ctx.store.listMessages({ room: threadKey(record, notes), ...query });
    return { messages: notes ? page.messages.map(asNote) : page.messages, hasMore: page.hasMore };
  }

  // Writing -------------------------------------------------------------------------------------

  /**
   * A visitor's message: the first one creates the conversation, one on a resolved conversation
   * reopens it. Stored and broadcast inside the conversation's queue, so clients see seq order.
   */
  async postVisitorMessage(
    visitor: Visitor,
    inbox: string,
    text: string,
    clientId: string,
    exceptSocket?: string,
  ): Promise<{ message: ChatMessage; conversation: ConversationRecord; duplicate: boolean; created: boolean }> {
    const { store, threadQueue } = this.#ctx;
    const { conversation: opened, created } = await store.openConversation(inbox, { id: visitor.id, name: visitor.name });
    const thread = threadKey(opened);
    const sender: Sender = { id: visitor.id, name: visitor.name, role: 'visitor' };
    return threadQueue.run(thread, async () => {
      const appended = await store.appendMessage({ room: thread, sender, message: text, clientId, timestamp: new Date() });
      if (appended.duplicate) {
        const conversation = (await store.getConversation(opened.id)) ?? opened;
        return { message: appended.message, conversation, duplicate: true, created: false };
      }
      const { message } = appended;
      // Writing from a socket means being here: the team sees the visitor online from the start.
      if (exceptSocket && this.#online.setVisitor(opened.id, true)) {
        this.#ctx.interNode.tell('visitorOnline', opened.id, true);
      }
      this.#deliver(opened, message, exceptSocket);
      const conversation = await this.#record(opened.id, message, created ? 'created' : undefined);
      if (this.#ctx.options.hooks.onVisitorWaiting && (await this.teamOnline(inbox)) === 0) {
        const summary = this.summary(conversation);
        this.#ctx.runHook('onVisitorWaiting', () => this.#ctx.options.hooks.onVisitorWaiting?.({ conversation: summary, message }));
      }
      return { message, conversation, duplicate: false, created };
    });
  }

  /** An operator's (or the host's bot's) message or note, with the same idempotency as visitors'. */
  async postOperatorMessage(
    record: ConversationRecord,
    post: OperatorPost,
    exceptSocket?: string,
  ): Promise<{ message: ChatMessage; conversation: ConversationRecord }> {
    const { store, threadQueue } = this.#ctx;
    const note = post.note === true;
    const thread = threadKey(record, note);
    const sender: Sender = { id: this.senderId(post.as.id), name: post.as.name, role: 'operator' };
    return threadQueue.run(thread, async () => {
      const appended = await store.appendMessage({ room: thread, sender, message: post.message, clientId: post.clientId, timestamp: new Date() });
      const message = note ? asNote(appended.message) : appended.message;
      if (appended.duplicate) return { message, conversation: (await store.getConversation(record.id)) ?? record };
      if (note) {
        this.#toOpenConversation(record.id, message, exceptSocket);
        return { message, conversation: record };
      }
      this.#deliver(record, message, exceptSocket);
      const conversation = await this.#record(record.id, message);
      this.#unseen?.schedule(record.id);
      return { message, conversation };
    });
  }

  /** Compare-and-set: refused with CONFLICT (and who has it now) when `expected` is stale. */
  async assign(scope: InboxScope, id: string, to: Assignee | null, expected: string | null | undefined): Promise<ConversationRecord> {
    return this.#mutate(scope, id, (current) => {
      const currentId = current.assignee?.id ?? null;
      if (expected !== undefined && expected !== currentId) {
        throw new ChatError('CONFLICT', current.assignee ? `${current.assignee.name} has taken this conversation` : 'This conversation was unassigned meanwhile', {
          assignee: current.assignee,
        });
      }
      if ((to?.id ?? null) === currentId && to?.name === current.assignee?.name) return null;
      return { assignee: to && { id: to.id, name: to.name } };
    });
  }

  async setStatus(scope: InboxScope, id: string, status: ConversationStatus): Promise<ConversationRecord> {
    return this.#mutate(scope, id, (current) => (current.status === status ? null : { status }));
  }

  /** The visitor read up to `seq`; marks only grow. */
  async visitorRead(record: ConversationRecord, seq: number): Promise<ConversationRecord> {
    return this.#mutate('*', record.id, (current) => {
      const read = Math.min(seq, current.lastMessage?.seq ?? 0);
      return read > current.visitorReadSeq ? { visitorReadSeq: read } : null;
    });
  }

  /** An operator read up to `seq`: the visitor's messages up to it are seen, and unread recounted. */
  async operatorRead(scope: InboxScope, id: string, seq: number): Promise<ConversationRecord> {
    return this.#mutate(scope, id, async (current) => {
      const read = Math.min(seq, current.lastMessage?.seq ?? 0);
      if (read <= current.operatorReadSeq) return null;
      return { operatorReadSeq: read, unread: await this.#unreadAfter(current, read) };
    });
  }

  // Who is online ----------------------------------------------------------------------------------

  /** Operators of `inbox` online now, on every node (best effort). */
  teamOnline(inbox: string): Promise<number> {
    return this.#online.team(inbox);
  }

  /** A visitor's tab joined (or left) their conversation: operators who have it open are told. */
  async visitorPresenceChanged(record: ConversationRecord, joined: boolean): Promise<void> {
    const online = joined || (await this.#online.visitorConnected(record));
    if (!this.#online.setVisitor(record.id, online)) return;
    this.#ctx.interNode.tell('visitorOnline', record.id, online);
    if (!online) {
      await this.#mutate('*', record.id, () => ({ visitorLastSeenAt: new Date() })).catch((error: unknown) =>
        this.#ctx.report(error),
      );
    }
  }

  /** What another node learned of a visitor's presence. */
  setVisitorOnline(conversationId: string, online: boolean): void {
    this.#online.setVisitor(conversationId, online);
  }

  // Internals -----------------------------------------------------------------------------------

  /** A visitor-visible message reaches the visitor's tabs and the operators who have it open. */
  #deliver(record: ConversationRecord, message: ChatMessage, exceptSocket?: string): void {
    const thread = this.#ctx.visitorNamespace().to(channels.conversationVisitor(record.inbox, record.visitorId));
    (exceptSocket ? thread.except(exceptSocket) : thread).emit('message', message);
    this.#toOpenConversation(record.id, message, exceptSocket);
  }

  #toOpenConversation(conversationId: string, message: ChatMessage, exceptSocket?: string): void {
    const open = this.#ctx.operatorNamespace().to(channels.openConversation(conversationId));
    (exceptSocket ? open.except(exceptSocket) : open).emit('message', { ...message, conversationId });
  }

  /** Folds a new visitor-visible message into its conversation. */
  #record(id: string, message: ChatMessage, event?: 'created'): Promise<ConversationRecord> {
    return this.#mutate(
      '*',
      id,
      async (current) => {
        const change: ConversationChange = {};
        if ((current.lastMessage?.seq ?? 0) < message.seq) change.lastMessage = message;
        if (message.sender.role === 'visitor') {
          change.visitorName = message.sender.name;
          if (current.status === 'resolved') change.status = 'open';
          if (!current.waitingSince) change.waitingSince = new Date(message.timestamp);
          change.unread = await this.#unreadAfter(current, current.operatorReadSeq);
        } else {
          // Answering is reading: the visitor's messages up to here are seen.
          change.waitingSince = null;
          if (message.seq > current.operatorReadSeq) {
            change.operatorReadSeq = message.seq;
            change.unread = await this.#unreadAfter(current, message.seq);
          }
        }
        return change;
      },
      event,
    );
  }

  #unreadAfter(record: ConversationRecord, seq: number): Promise<number> {
    return this.#ctx.store.countMessages({ room: threadKey(record), after: seq, role: 'visitor' });
  }

  /**
   * Applies `compute`'s change with compare-and-set on the version, retrying when another change
   * won; `compute` sees the current record each time (and may throw, or return null for no-op).
   * Then publishes what changed.
   */
  async #mutate(
    scope: InboxScope | '*',
    id: string,
    compute: (current: ConversationRecord) => ConversationChange | null | Promise<ConversationChange | null>,
    event?: 'created',
  ): Promise<ConversationRecord> {
    const { store } = this.#ctx;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await store.getConversation(id);
      if (!current || (scope !== '*' && !mayRead(scope, current.inbox))) throw NO_SUCH_CONVERSATION();
      const change = await compute(current);
      if (!change) return current;
      const updated = await store.updateConversation(id, current.version, change);
      if (updated) {
        this.#publish(updated, current, event);
        return updated;
      }
    }
    throw new ChatError('STORAGE_UNAVAILABLE', 'This conversation is busy; try again', { retryable: true });
  }

  #publish(updated: ConversationRecord, previous: ConversationRecord, event?: 'created'): void {
    const summary = this.summary(updated);
    this.#ctx
      .operatorNamespace()
      .to([channels.inboxOperators(updated.inbox), channels.inboxOperators('*')])
      .emit('conversation', summary);
    const view = this.visitorView(updated);
    const before = this.visitorView(previous);
    if (JSON.stringify(view) !== JSON.stringify(before)) {
      this.#ctx.visitorNamespace().to(channels.conversationVisitor(updated.inbox, updated.visitorId)).emit('conversation', view);
    }
    const events: ConversationEventType[] = [];
    if (event) events.push(event);
    if (updated.assignee && updated.assignee.id !== previous.assignee?.id) events.push('assigned');
    if (updated.status !== previous.status) events.push(updated.status === 'resolved' ? 'resolved' : 'reopened');
    const hook = this.#ctx.options.hooks.onConversation;
    if (hook) {
      for (const type of events) this.#ctx.runHook('onConversation', () => hook({ type, conversation: summary }));
    }
  }

  /** Calls onUnseenReply for operator replies still unread, once per batch across nodes. */
  async #notifyUnseen(id: string): Promise<void> {
    const { store, options } = this.#ctx;
    const record = await store.getConversation(id);
    if (!record) return;
    const from = Math.max(record.visitorReadSeq, record.unseenNotifiedSeq);
    const page = await store.listMessages({ room: threadKey(record), after: from, limit: options.limits.catchUpLimit });
    const unseen = page.messages.filter((message) => message.sender.role === 'operator');
    if (unseen.length === 0) return;
    const through = unseen.at(-1)!.seq;
    // The compare-and-set claims the batch: of several nodes with a timer, one calls the hook.
    let claimed = false;
    const updated = await this.#mutate('*', id, (current) => {
      claimed = current.unseenNotifiedSeq < through && current.visitorReadSeq < through;
      return claimed ? { unseenNotifiedSeq: through } : null;
    });
    if (!claimed) return;
    const visitor = await this.visitorDetails(updated);
    const summary = this.summary(updated, visitor.online);
    const fresh = unseen.filter((message) => message.seq > updated.visitorReadSeq);
    this.#ctx.runHook('onUnseenReply', () => options.hooks.onUnseenReply?.({ conversation: summary, messages: fresh, visitor }));
  }
}
