import { oneForReader } from '../files/links.js';
import { createHmac } from 'node:crypto';
import type {
  Assignee,
  ChatMessage,
  ConversationStatus,
  ConversationSummary,
  ConversationVisitor,
  InboxTeamView,
  TeamView,
  VisitorConversation,
  VisitorDetails,
} from '../protocol.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { ConversationEventType } from '../server/options.js';
import { threadKey } from '../stores/conversation-rules.js';
import type { ConversationChange, ConversationRecord } from '../stores/types.js';
import { CountsBroadcast } from './counts.js';
import { InboxList, mayRead, type InboxScope } from './inbox-list.js';
import { ConversationsOnline } from './online.js';
import { ConversationPosts, type PostResult } from './posting.js';
import { UnseenReplies } from './unseen-replies.js';
import { asNote, operatorDetailsOf, summaryOf, visitorViewOf } from './views.js';
import { AssistantReplies } from '../assistant/replies.js';
import { inboxTeamView } from '../assistant/wait.js';
import { conversationMessagePublished, resolutionPublished } from '../webhooks/events.js';

export interface OperatorPost {
  message: string;
  clientId: string;
  /** Who writes: an operator or a bot of the host, by the host's id and a display name. */
  as: { id: string; name: string };
  note?: boolean | undefined;
}

/** Compare-and-set attempts before a busy conversation is answered as unavailable. */
const MAX_ATTEMPTS = 10;
/** A visitor's last seen is written at most this often per conversation: page views and tab closes cost nothing more. */
const LAST_SEEN_EVERY_MS = 60_000;
/** Conversations whose last seen this node wrote recently, at most (an older half is forgotten past it). */
const MAX_LAST_SEEN_KEPT = 10_000;

const NO_SUCH_CONVERSATION = () => new ChatError('NOT_FOUND', 'There is no such conversation');

/**
 * Support conversations: one private thread per (inbox, visitor), under the same store, seq and
 * idempotency rules as rooms. Messages come in through `posts` (see posting.ts); every other
 * change goes through a compare-and-set on the conversation's version. Each is then published: a
 * summary to the inbox's operators, the visitor's view to the visitor's tabs, the inbox's counts
 * when they moved, and the hooks. Socket handlers (visitors and operators) and
 * `chat.conversations` all go through here, so they cannot disagree.
 */
export class ConversationService {
  /** The inboxes, their lists and who may read them. */
  readonly inboxes: InboxList;
  /** Messages into conversations. */
  readonly posts: ConversationPosts;
  /** The assistant's replies, handoffs and the visitor's choice, when the host has an assistant. */
  readonly assistant: AssistantReplies | undefined;
  readonly #ctx: ChatContext;
  readonly #online: ConversationsOnline;
  readonly #counts: CountsBroadcast;
  readonly #unseen: UnseenReplies | undefined;
  readonly #senderKey: Buffer;
  /** conversation id → when this node last wrote its visitor's last seen. */
  readonly #lastSeenWritten = new Map<string, number>();

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    const config = ctx.options.operators!;
    this.inboxes = new InboxList(ctx, config.inboxes, (records) => this.summaries(records));
    this.posts = new ConversationPosts(ctx, this);
    this.#online = new ConversationsOnline(ctx);
    this.#counts = new CountsBroadcast(ctx);
    this.#senderKey = createHmac('sha256', ctx.options.secret).update('parley-chat operator sender v1').digest();
    this.assistant = ctx.options.assistant ? new AssistantReplies(ctx, this) : undefined;
    // Timers only when the host wants to hear about unseen replies.
    if (ctx.options.hooks.onUnseenReply) {
      this.#unseen = new UnseenReplies(config.unseenReplyDelayMs, (id) => this.#notifyUnseen(id), (error) =>
        ctx.report(error),
      );
    }
  }

  /** Stops the timers, and the assistant's replies (resolves once they are saved as ended). */
  async close(): Promise<void> {
    this.#unseen?.close();
    this.#counts.close();
    await this.assistant?.close();
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
    const online = await this.#online.visitors(records);
    return records.map((record) => summaryOf(record, online.has(record.id)));
  }

  /** A summary with the visitor's presence as this node knows it. */
  summary(record: ConversationRecord, online = this.#online.knows(record.id)): ConversationSummary {
    return summaryOf(record, online);
  }

  visitorView(record: ConversationRecord): VisitorConversation {
    return visitorViewOf(record, this.#ctx.options.ratings?.ask);
  }

  async visitorDetails(record: ConversationRecord): Promise<ConversationVisitor> {
    const [user, summaries] = await Promise.all([this.#ctx.store.getUser(record.visitorId), this.summaries([record])]);
    const summary = summaries[0]!;
    const details = operatorDetailsOf({ name: user?.name || record.visitorName, email: user?.email ?? '', phone: user?.phone ?? '' });
    return {
      id: record.visitorId,
      ...details,
      online: summary.visitor.online,
      lastSeenAt: summary.visitor.lastSeenAt,
    };
  }

  /** Messages of the conversation (or its notes), as `listMessages` pages them. */
  async messages(record: ConversationRecord, query: { before?: number; after?: number; limit: number }, notes = false) {
    const page = await this.#ctx.store.listMessages({ room: threadKey(record, notes), ...query });
    return {
      messages: notes ? page.messages.map(asNote) : page.messages,
      hasMore: page.hasMore,
      ...(page.settledSeq === undefined ? {} : { settledSeq: page.settledSeq }),
    };
  }

  // Changing ------------------------------------------------------------------------------------

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
      // Taking it is answering it: the assistant stops.
      return { assignee: to && { id: to.id, name: to.name }, ...(to && current.handler !== 'operator' ? { handler: 'operator' as const } : {}) };
    }).then((record) => {
      if (record.handler === 'operator') this.assistant?.stop(record);
      return record;
    });
  }

  /**
   * Any other change of a conversation, by compare-and-set: `compute` sees the current record each
   * time and returns the change, or null for none. Published as every change is.
   */
  change(id: string, compute: (current: ConversationRecord) => ConversationChange | null): Promise<ConversationRecord> {
    return this.#mutate('*', id, compute);
  }

  /**
   * An assistant's reply ended: when it is still the conversation's last message, the summaries
   * show its final text; and the visitor may now be told of it if they do not read it.
   */
  async replyEnded(id: string, reply: ChatMessage): Promise<void> {
    const record = await this.#mutate('*', id, (current) => (current.lastMessage?.id === reply.id ? { lastMessage: reply } : null));
    const { webhooks } = this.#ctx;
    if (webhooks) await conversationMessagePublished(webhooks, reply, this.summary(record));
    if (reply.status === 'complete' || reply.status === 'handoff') this.#unseen?.schedule(id);
  }

  /**
   * Resolves or reopens. A resolution is named by its `resolvedAt`; with ratings on, the visitor
   * is asked to rate it, unless `skipRating`.
   */
  async setStatus(scope: InboxScope, id: string, status: ConversationStatus, skipRating = false): Promise<ConversationRecord> {
    const asking = this.#ctx.options.ratings !== undefined && !skipRating;
    const record = await this.#mutate(scope, id, (current) => {
      if (current.status === status) return null;
      if (status === 'open') return { status };
      const resolvedAt = new Date();
      // A resolution without asking keeps the visitor's last rating, so that skipping never wipes one.
      const kept = current.rating?.score != null ? current.rating : null;
      const rating = asking ? { resolvedAt, assignee: current.assignee, score: null, comment: null, at: null } : kept;
      return { status, resolvedAt, rating };
    });
    // A resolved conversation needs no more of the assistant's writing.
    if (record.status === 'resolved') this.assistant?.stop(record);
    // Also when it was resolved already (a retry): the same resolution, the same event.
    const { webhooks } = this.#ctx;
    if (webhooks && record.status === 'resolved' && record.resolvedAt) await resolutionPublished(webhooks, this.summary(record), record.resolvedAt);
    return record;
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
      const newest = current.lastMessage?.seq ?? 0;
      const read = Math.min(seq, newest);
      if (read <= current.operatorReadSeq) return null;
      // Read to the end, nothing is unread; short of it, the rest is counted (which also mends a count a crash left off).
      const unread = read === newest ? 0 : await this.#ctx.store.countMessages({ room: threadKey(current), after: read, role: 'visitor' });
      return { operatorReadSeq: read, unread };
    });
  }

  // Delivering ----------------------------------------------------------------------------------

  /**
   * After a message the visitor can see was stored, or found stored by a retry: it reaches the
   * visitor's tabs and the operators who have the conversation open, the conversation is
   * published, and (on the call that stored it) the hooks run.
   */
  delivered(result: PostResult, exceptSocket?: string): void {
    const { message, conversation, changed } = result;
    const fromVisitor = message.sender.role === 'visitor';
    // Writing from a socket means being here: the team sees the visitor online from the start.
    if (fromVisitor && exceptSocket && this.#online.setVisitor(conversation.id, true)) {
      this.#ctx.interNode.tell('visitorOnline', conversation.id, true);
    }
    const visitorSockets = this.#ctx.visitorNamespace().to(channels.conversationVisitor(conversation.inbox, conversation.visitorId));
    (exceptSocket ? visitorSockets.except(exceptSocket) : visitorSockets).emit('message', oneForReader(this.#ctx.files?.links, message, `v:${conversation.visitorId}`));
    this.deliverNote(conversation, message, exceptSocket);
    const events: ConversationEventType[] = [];
    if (changed?.created) events.push('created');
    if (changed?.reopened) events.push('reopened');
    // The visitor's view moves with an operator's reply (read up to it), and with a new or reopened conversation.
    this.#publish(conversation, events, !fromVisitor || events.length > 0, events.length > 0);
    if (result.duplicate) return;
    if (fromVisitor) {
      // The assistant answers it: nobody is waiting for a person.
      if (conversation.handler !== 'assistant') this.visitorWaiting(conversation, message);
    } else if (message.sender.role === 'operator') {
      this.#unseen?.schedule(conversation.id);
      // Answering it took it over from the assistant (the store changed who answers with the message).
      if (changed?.takenOver) this.assistant?.stop(conversation);
    }
  }

  /** A visitor waits for a person (they wrote, or were handed over): the host hears of it when nobody of the team is online. */
  visitorWaiting(conversation: ConversationRecord, message: ChatMessage | null): void {
    const waiting = this.#ctx.options.hooks.onVisitorWaiting;
    if (!waiting || !message) return;
    void this.team(conversation.inbox).then(({ online }) => {
      if (online === 0) this.#ctx.runHook('onVisitorWaiting', () => waiting({ conversation: this.summary(conversation), message }));
    });
  }

  /** A message (or a note) reaches the operators who have the conversation open. */
  deliverNote(record: ConversationRecord, message: ChatMessage, exceptSocket?: string): void {
    const open = this.#ctx.operatorNamespace().to(channels.openConversation(record.id));
    (exceptSocket ? open.except(exceptSocket) : open).emit('message', { ...oneForReader(this.#ctx.files?.links, message, `t:${record.inbox}`), conversationId: record.id });
  }

  /**
   * A visitor saved their details: their conversations take the new name (every operator's list
   * shows it), and operators who have one open see the new details at once.
   */
  async visitorDetailsChanged(visitorId: string, saved: Omit<VisitorDetails, 'id'>): Promise<void> {
    const details = operatorDetailsOf(saved);
    const records = await this.#ctx.store.visitorConversations(visitorId);
    await Promise.all(
      records.map(async (record) => {
        const updated = record.visitorName === details.name ? record : await this.#mutate('*', record.id, (current) =>
          current.visitorName === details.name ? null : { visitorName: details.name },
        );
        this.#ctx
          .operatorNamespace()
          .to(channels.openConversation(updated.id))
          .emit('visitor', { conversationId: updated.id, online: this.#online.knows(updated.id), details });
      }),
    );
  }

  /** A conversation was deleted (see privacy/erasure.ts): its inbox's counts moved. */
  conversationDeleted(record: ConversationRecord): void {
    this.#counts.changed(record.inbox);
  }

  // Who is online ----------------------------------------------------------------------------------

  /** Operators of `inbox` online now, on every node (best effort), and the first few by name. */
  team(inbox: string): Promise<TeamView> {
    return this.#online.team(inbox);
  }

  /**
   * What visitors of `inbox` are told of the team: who is online, and, with hours or an assistant
   * (where the visitor chooses between it and a person), whether the team is in and about how
   * long a person takes. Those read the inbox's waiting count; a chat with neither reads nothing more.
   */
  async inboxTeam(inbox: string, own?: ConversationRecord | null): Promise<InboxTeamView> {
    const { hours, operators } = this.#ctx.options;
    const online = await this.team(inbox);
    if (!hours && !this.assistant) return { ...online, open: true };
    const counts = await this.#ctx.store.inboxCounts([inbox]);
    // The visitors before them: the inbox's conversations nobody has taken (nor the assistant
    // answers), less their own when it is one of those.
    const counted = own && own.status === 'open' && !own.assignee && own.handler !== 'assistant' ? 1 : 0;
    const waiting = Math.max(0, (counts[0]?.unassigned ?? 0) - counted);
    return inboxTeamView(online, { hours, waiting, minutesPerVisitor: operators!.minutesPerVisitor });
  }

  /**
   * A visitor's tab joined (or left) their conversation: operators who have it open are told, at
   * once and without waking the rest of the inbox; when the visitor has left, their last seen is
   * written, at most once a minute per conversation.
   */
  async visitorPresenceChanged(record: Pick<ConversationRecord, 'id' | 'inbox' | 'visitorId'>, joined: boolean): Promise<void> {
    const online = joined || (await this.#online.visitorConnected(record));
    const now = new Date();
    if (!this.#online.setVisitor(record.id, online, online ? undefined : now)) return;
    this.#ctx.interNode.tell('visitorOnline', record.id, online);
    if (online || (this.#lastSeenWritten.get(record.id) ?? 0) > now.getTime() - LAST_SEEN_EVERY_MS) return;
    if (this.#lastSeenWritten.size >= MAX_LAST_SEEN_KEPT) this.#lastSeenWritten.clear();
    this.#lastSeenWritten.set(record.id, now.getTime());
    await this.#ctx.store.setVisitorLastSeen(record.id, now);
  }

  /** What another node learned of a visitor's presence. */
  setVisitorOnline(conversationId: string, online: boolean): void {
    this.#online.setVisitor(conversationId, online, online ? undefined : new Date());
  }

  // Internals -----------------------------------------------------------------------------------

  /**
   * Applies `compute`'s change with compare-and-set on the version, retrying when another change
   * won; `compute` sees the current record each time (and may throw, or return null for no-op).
   * Then publishes what changed.
   */
  async #mutate(
    scope: InboxScope | '*',
    id: string,
    compute: (current: ConversationRecord) => ConversationChange | null | Promise<ConversationChange | null>,
  ): Promise<ConversationRecord> {
    const { store } = this.#ctx;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await store.getConversation(id);
      if (!current || (scope !== '*' && !mayRead(scope, current.inbox))) throw NO_SUCH_CONVERSATION();
      const change = await compute(current);
      if (!change) return current;
      const updated = await store.updateConversation(id, current.version, change);
      if (!updated) continue;
      const events: ConversationEventType[] = [];
      if (updated.assignee && updated.assignee.id !== current.assignee?.id) events.push('assigned');
      if (updated.status !== current.status) events.push(updated.status === 'resolved' ? 'resolved' : 'reopened');
      const visitorViewChanged = JSON.stringify(this.visitorView(updated)) !== JSON.stringify(this.visitorView(current));
      const countsChanged = updated.status !== current.status || updated.assignee?.id !== current.assignee?.id || updated.handler !== current.handler;
      this.#publish(updated, events, visitorViewChanged, countsChanged);
      return updated;
    }
    throw new ChatError('STORAGE_UNAVAILABLE', 'This conversation is busy; try again', { retryable: true });
  }

  #publish(updated: ConversationRecord, events: ConversationEventType[], visitorViewChanged: boolean, countsChanged: boolean): void {
    const summary = this.summary(updated);
    this.#ctx
      .operatorNamespace()
      .to([channels.inboxOperators(updated.inbox), channels.inboxOperators('*')])
      .emit('conversation', summary);
    if (visitorViewChanged) {
      this.#ctx
        .visitorNamespace()
        .to(channels.conversationVisitor(updated.inbox, updated.visitorId))
        .emit('conversation', this.visitorView(updated));
    }
    if (countsChanged) this.#counts.changed(updated.inbox);
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
    // The team's replies, the assistant's once they ended (a reply still streaming is not a reply yet).
    const unseen = page.messages.filter(
      (message) => message.sender.role === 'operator' || (message.sender.role === 'assistant' && message.status !== 'streaming' && message.status !== 'interrupted'),
    );
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
