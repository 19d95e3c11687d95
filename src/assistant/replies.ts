import type { AssistantActivity, ChatMessage, Citation, ConversationHandler, Handoff, ReplyStatus, Sender } from '../protocol.js';
import type { ConversationService } from '../conversations/service.js';
import type { PostResult } from '../conversations/posting.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { AssistantReplyContext } from '../server/options.js';
import type { ResolvedAssistant } from '../server/resolve-options.js';
import type { VisitorSocket } from '../rooms/rooms.js';
import type { ConversationRecord } from '../stores/types.js';

/** Deltas of a reply go out at most this often: fewer, larger frames for every reader. */
const DELTA_EVERY_MS = 100;
/** A reply's text so far is saved about this often, so a reload, a reconnect or another node shows it. */
const SAVE_EVERY_MS = 1_000;
/** A reply that has not moved is saved anyway this often: its lease, which tells it is still being written. */
const LEASE_EVERY_MS = 5_000;
/** A streaming reply unmoved for this long was left by a node that went away. */
const STALE_AFTER_MS = 15_000;
/** How often each node looks for such replies. */
const SWEEP_EVERY_MS = 10_000;
/** How long a reply running on another node has to end itself after a person took over, before this node ends it. */
const TAKEOVER_GRACE_MS = 2_000;
/** What the model sees of a conversation: its latest messages. */
const CONTEXT_MESSAGES = 50;
/** A reply longer than this is cut: nobody reads a book in a chat window, and a runaway model stops. */
const MAX_REPLY_LENGTH = 20_000;
const MAX_CITATIONS = 20;

type StopReason = 'taken' | 'timeout' | 'closing' | 'ended elsewhere';

interface Running {
  controller: AbortController;
  /** The visitor message it answers. */
  trigger: ChatMessage;
  /** The visitor wrote again while it was writing: that is answered next. */
  next?: ChatMessage | undefined;
  /** Ends once the reply (and the next, if any) has ended and been saved. */
  done?: Promise<void>;
}

/**
 * The assistant the host plugged in: who answers a conversation as it opens (the visitor's choice
 * first, then `when`), replies to the visitor's messages as they come, streamed, and the handoffs
 * to the team (by the model, by the visitor, by an operator taking over, or by a failure).
 *
 * A reply is a message of its own: it takes its seq when it starts (`streaming`, empty), grows
 * through volatile `delta` events every 100 ms, is saved about once a second (and renewed every
 * five, its lease), and ends with one update, sent as a `message` with the same id and seq, that
 * carries the whole text, the citations and how it ended. Its clientId names the visitor message
 * it answers, so however many nodes or retries try, that message gets one reply. A reply whose
 * node went away is found by its stale lease on any node and ended `interrupted`.
 */
export class AssistantReplies {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;
  readonly #options: ResolvedAssistant;
  readonly #sender: Sender;
  /** Replies being written on this node, by conversation id: one at a time per conversation. */
  readonly #running = new Map<string, Running>();
  readonly #sweep: ReturnType<typeof setInterval>;
  #closing = false;

  constructor(ctx: ChatContext, service: ConversationService) {
    this.#ctx = ctx;
    this.#service = service;
    this.#options = ctx.options.assistant!;
    this.#sender = Object.freeze({ id: this.#options.senderId, name: this.#options.name, role: 'assistant' as const });
    this.#sweep = setInterval(() => void this.#endStale().catch((error: unknown) => ctx.report(error)), SWEEP_EVERY_MS);
    this.#sweep.unref();
  }

  /** Another node took the conversation over (see `stop`): a reply this node writes in it stops. */
  stoppedElsewhere(conversationId: string): void {
    this.#abort(conversationId, 'taken');
  }

  /**
   * Stops writing: every reply on this node ends `interrupted` (the conversations stay the
   * assistant's: the visitor's next message gets a new reply). Resolves once they are saved so.
   */
  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#sweep);
    const ending = [...this.#running.values()].map((running) => running.done);
    for (const id of this.#running.keys()) this.#abort(id, 'closing');
    await Promise.allSettled(ending);
  }

  /** Whether the assistant answers in `inbox`. */
  serves(inbox: string): boolean {
    return this.#options.inboxes === undefined || this.#options.inboxes.includes(inbox);
  }

  /** The assistant as visitors of `inbox` see it, if it answers there. */
  publicView(inbox: string): { name: string } | null {
    return this.serves(inbox) ? { name: this.#options.name } : null;
  }

  /** Who answers a conversation of `inbox` that a message is about to open: the visitor's choice, else `when`. */
  async openingHandler(inbox: string, choice: 'assistant' | 'person' | undefined): Promise<ConversationHandler> {
    if (!this.serves(inbox)) return 'waiting';
    if (choice) return choice === 'assistant' ? 'assistant' : 'waiting';
    switch (this.#options.when) {
      case 'always':
        return 'assistant';
      case 'outsideHours':
        return this.#ctx.options.hours!.isOpen() ? 'waiting' : 'assistant';
      default:
        return (await this.#service.team(inbox)).online === 0 ? 'assistant' : 'waiting';
    }
  }

  /**
   * A visitor's message was stored (or, on a retry, found stored): the assistant answers it when
   * it answers the conversation. A retry may start the reply its first attempt did not.
   */
  visitorWrote(posted: PostResult, retry: boolean): void {
    const { conversation, message } = posted;
    if (conversation.handler !== 'assistant' || !this.serves(conversation.inbox) || (posted.duplicate && !retry) || this.#closing) return;
    const running = this.#running.get(conversation.id);
    // A later message is answered after this reply; a resend of one answered already is not.
    if (running) {
      if (message.seq > (running.next ?? running.trigger).seq) running.next = message;
    } else this.#start(conversation.id, message);
  }

  #start(conversationId: string, trigger: ChatMessage): void {
    const running: Running = { controller: new AbortController(), trigger };
    this.#running.set(conversationId, running);
    running.done = this.#reply(conversationId, running);
  }

  /**
   * The visitor chose who answers them: a person (a handoff) or the assistant. Before their first
   * message there is no conversation yet: the choice is kept on their socket, for that message.
   */
  async choose(socket: VisitorSocket, inbox: string, choice: 'assistant' | 'person') {
    this.#service.inboxes.check(inbox);
    if (choice === 'assistant' && !this.serves(inbox)) throw new ChatError('NOT_FOUND', 'This inbox has no assistant');
    const record = await this.#ctx.store.findConversation(inbox, socket.data.visitorId);
    if (!record || record.status === 'resolved') {
      socket.data.choices = { ...socket.data.choices, [inbox]: choice };
      return { conversation: record && this.#service.visitorView(record), handler: choice === 'assistant' ? 'assistant' : 'waiting' } as const;
    }
    const updated = choice === 'person' ? await this.handoff(record.id, { reason: 'visitor' }, 'visitor') : await this.resume(record.id);
    return { conversation: this.#service.visitorView(updated), handler: updated.handler };
  }

  /**
   * Hands a conversation the assistant answers to the team: it waits for a person from now, the
   * team sees why (and the summary), a reply being written stops, and the host hears of a visitor
   * waiting when nobody is online. A conversation a person has already is left as it is.
   */
  async handoff(id: string, { reason, summary }: { reason: string; summary?: string | undefined }, by: Handoff['by']): Promise<ConversationRecord> {
    const at = new Date();
    const handoff: Handoff = { reason: String(reason).slice(0, 200), ...(summary ? { summary: String(summary).slice(0, 2000) } : {}), by, at: at.toISOString() };
    let handedOver = false;
    const record = await this.#service.change(id, (current) => {
      handedOver = current.handler === 'assistant';
      return handedOver ? { handler: 'waiting', handoff, waitingSince: current.waitingSince ?? at } : null;
    });
    if (handedOver) {
      if (by !== 'assistant') this.stop(record);
      if (this.#ctx.options.hooks.onVisitorWaiting) this.#service.visitorWaiting(record, await this.#lastVisitorMessage(record));
    }
    return record;
  }

  /** What the visitor last wrote: the message the team is to answer. */
  async #lastVisitorMessage(record: ConversationRecord): Promise<ChatMessage | null> {
    if (record.lastMessage?.sender.role === 'visitor') return record.lastMessage;
    const page = await this.#service.messages(record, { limit: 20 });
    return page.messages.findLast((message) => message.sender.role === 'visitor') ?? null;
  }

  /**
   * The assistant answers the conversation again (after a handoff, or instead of a person), with
   * its count of replies started afresh; a person who had it lets it go.
   */
  async resume(id: string): Promise<ConversationRecord> {
    return this.#service.change(id, (current) => {
      if (!this.serves(current.inbox)) throw new ChatError('NOT_FOUND', 'This inbox has no assistant');
      return current.handler === 'assistant' ? null : { handler: 'assistant', handoff: null, waitingSince: null, assistantReplies: 0, assignee: null };
    });
  }

  /**
   * The assistant must stop writing in a conversation (a person took it, it was resolved, it was
   * handed over): here at once, elsewhere by telling the other nodes, and should that message
   * be lost, by ending a reply still left streaming after a moment.
   */
  stop(record: ConversationRecord): void {
    if (this.#abort(record.id, 'taken')) return;
    // Only a conversation the assistant has written in can have a reply left to end.
    if (record.assistantReplies === 0) return;
    this.#ctx.interNode.tell('replyStopped', record.id);
    setTimeout(() => void this.#endLeftovers(record).catch((error: unknown) => this.#ctx.report(error)), TAKEOVER_GRACE_MS).unref();
  }

  #abort(conversationId: string, reason: StopReason): boolean {
    const running = this.#running.get(conversationId);
    if (!running) return false;
    running.next = undefined;
    running.controller.abort(reason);
    return true;
  }

  /** Writes one reply to `running.trigger`, then to the visitor's latest message if they wrote again meanwhile. */
  async #reply(conversationId: string, running: Running): Promise<void> {
    const { trigger } = running;
    try {
      const record = await this.#ctx.store.getConversation(conversationId);
      if (!record || record.status !== 'open' || record.handler !== 'assistant') return;
      if (record.assistantReplies >= this.#options.maxRepliesPerConversation) {
        await this.handoff(conversationId, { reason: 'limit' }, 'assistant');
        return;
      }
      const started = await this.#service.posts.assistantReply(conversationId, this.#sender, `reply-${trigger.id}`);
      if (started.duplicate) return;
      await this.#stream(started, running.controller);
    } catch (error) {
      this.#ctx.report(error);
    } finally {
      this.#running.delete(conversationId);
      if (running.next && !this.#closing) this.#start(conversationId, running.next);
    }
  }

  /** Streams the reply `started` began: deltas, saves, the end, and a handoff if it asks for one or fails. */
  async #stream(started: PostResult, controller: AbortController): Promise<void> {
    const { message: reply, conversation: record } = started;
    const { store } = this.#ctx;
    const visitors = this.#ctx.visitorNamespace();
    const operators = this.#ctx.operatorNamespace();
    const visitorChannel = channels.conversationVisitor(record.inbox, record.visitorId);
    const operatorChannel = channels.openConversation(record.id);
    // Alone, this node knows who reads: no packet is encoded for a channel nobody is in (most
    // often the operators', while the assistant answers). With other nodes, the adapter decides.
    const otherNodes = this.#ctx.interNode.hasOtherNodes();
    let text = '';
    const citations: Citation[] = [];
    let activity: AssistantActivity | undefined;
    let handoffAsked: { reason: string; summary?: string } | undefined;

    // Deltas: what grew since the last one, at most every 100 ms.
    let sentLength = 0;
    let activitySent: AssistantActivity | undefined;
    let deltaTimer: ReturnType<typeof setTimeout> | undefined;
    const sendDelta = () => {
      deltaTimer = undefined;
      if (text.length === sentLength && activity === activitySent) return;
      const delta = { id: reply.id, offset: sentLength, text: text.slice(sentLength), ...(activity === activitySent ? {} : { activity: activity! }) };
      if (otherNodes || visitors.adapter.rooms.has(visitorChannel)) visitors.to(visitorChannel).volatile.emit('delta', { ...delta, inbox: record.inbox });
      if (otherNodes || operators.adapter.rooms.has(operatorChannel)) operators.to(operatorChannel).volatile.emit('delta', { ...delta, conversationId: record.id });
      sentLength = text.length;
      activitySent = activity;
    };
    const grew = () => {
      deltaTimer ??= setTimeout(sendDelta, DELTA_EVERY_MS);
    };

    // Saves: the text so far about once a second, and the lease every five; one at a time.
    let saved = '';
    let savedCitations = 0;
    let savedAt = Date.now();
    let saving: Promise<void> | undefined;
    const save = () => {
      if (saving || (text === saved && citations.length === savedCitations && Date.now() - savedAt < LEASE_EVERY_MS)) return;
      const snapshot = { message: text, citations: [...citations] };
      saving = store
        .updateReply(reply.room, reply.id, snapshot)
        .then((moved) => {
          if (!moved) controller.abort('ended elsewhere' satisfies StopReason);
          saved = snapshot.message;
          savedCitations = snapshot.citations.length;
          savedAt = Date.now();
        })
        .catch((error: unknown) => void this.#ctx.report(error))
        .finally(() => (saving = undefined));
    };
    const saveTimer = setInterval(save, SAVE_EVERY_MS);
    const timeout = setTimeout(() => controller.abort('timeout' satisfies StopReason), this.#options.timeoutMs);

    let outcome: Exclude<ReplyStatus, 'streaming'> = 'complete';
    let failed = false;
    let iterator: AsyncIterator<string> | undefined;
    try {
      const context = await this.#context(record, reply, controller.signal, {
        cite: (source) => {
          const citation = citationOf(source);
          if (citation && citations.length < MAX_CITATIONS && !citations.some((known) => known.url === citation.url)) citations.push(citation);
        },
        status: (next) => {
          if (next === 'thinking' || next === 'searching' || next === 'writing') {
            activity = next;
            grew();
          }
        },
        handoff: (asked) => {
          handoffAsked = { reason: String(asked?.reason || 'assistant'), ...(asked?.summary ? { summary: String(asked.summary) } : {}) };
        },
      });
      iterator = this.#options.reply(context)[Symbol.asyncIterator]();
      const nextUnlessStopped = stoppable(iterator, controller.signal);
      for (;;) {
        const next = await nextUnlessStopped();
        if (next === 'stopped' || next.done) break;
        if (typeof next.value !== 'string' || next.value === '') continue;
        text += next.value;
        // Cut only when over: slicing every time would copy the whole text at each delta.
        if (text.length > MAX_REPLY_LENGTH) text = text.slice(0, MAX_REPLY_LENGTH);
        grew();
        if (text.length >= MAX_REPLY_LENGTH) break;
      }
    } catch (error) {
      failed = !controller.signal.aborted;
      if (failed) this.#ctx.report(error);
    } finally {
      clearInterval(saveTimer);
      clearTimeout(timeout);
      clearTimeout(deltaTimer);
      // A generator that ignores its signal is let go of; one that listens ends its own work.
      if (iterator?.return) void Promise.resolve(iterator.return()).catch(() => undefined);
    }
    const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : undefined;
    if (reason || failed) outcome = 'interrupted';
    else if (handoffAsked) outcome = 'handoff';
    if (reason === 'ended elsewhere') return;
    sendDelta();
    await saving;
    const ended = await store.updateReply(reply.room, reply.id, { message: text, citations, status: outcome });
    if (ended) await this.#ended(record, ended);
    // The model's own handoff says why, even when the reply then failed; a failure or a timeout is an error.
    if (handoffAsked && (outcome === 'handoff' || failed || reason === 'timeout')) await this.handoff(record.id, handoffAsked, 'assistant');
    else if (failed || reason === 'timeout') await this.handoff(record.id, { reason: 'error' }, 'assistant');
  }

  /** What the host's `reply` is given: the conversation, what the visitor sees of it, the visitor. */
  async #context(
    record: ConversationRecord,
    reply: ChatMessage,
    signal: AbortSignal,
    actions: Pick<AssistantReplyContext, 'cite' | 'status' | 'handoff'>,
  ): Promise<AssistantReplyContext> {
    const [page, visitor] = await Promise.all([
      this.#service.messages(record, { limit: CONTEXT_MESSAGES }),
      this.#service.visitorDetails(record),
    ]);
    return {
      conversation: this.#service.summary(record),
      messages: page.messages.filter((message) => message.id !== reply.id && message.status !== 'streaming'),
      visitor,
      signal,
      ...actions,
    };
  }

  /** A reply ended: its readers get it whole, and the conversation's summary shows it. */
  async #ended(record: ConversationRecord, reply: ChatMessage): Promise<void> {
    this.#ctx.visitorNamespace().to(channels.conversationVisitor(record.inbox, record.visitorId)).emit('message', reply);
    this.#ctx.operatorNamespace().to(channels.openConversation(record.id)).emit('message', { ...reply, conversationId: record.id });
    await this.#service.replyEnded(record.id, reply);
  }

  /**
   * Replies left streaming after a person took over, by a node that did not hear of it (among the
   * conversation's latest messages, the visitor may have written since): ended here, with the
   * text they last saved.
   */
  async #endLeftovers(record: ConversationRecord): Promise<void> {
    if (this.#running.has(record.id)) return;
    const page = await this.#service.messages(record, { limit: CONTEXT_MESSAGES });
    for (const left of page.messages) {
      if (left.sender.role !== 'assistant' || left.status !== 'streaming') continue;
      const ended = await this.#ctx.store.updateReply(left.room, left.id, { message: left.message, citations: left.citations ?? [], status: 'interrupted' });
      if (ended) await this.#ended(record, ended);
    }
  }

  /** Replies whose node went away mid-stream, found by their lease: ended `interrupted`, and handed to the team. */
  async #endStale(): Promise<void> {
    const stale = await this.#ctx.store.staleReplies(new Date(Date.now() - STALE_AFTER_MS), 20);
    for (const { message, conversationId } of stale) {
      if (this.#running.has(conversationId)) continue;
      const ended = await this.#ctx.store.updateReply(message.room, message.id, {
        message: message.message,
        citations: message.citations ?? [],
        status: 'interrupted',
      });
      const record = ended && (await this.#ctx.store.getConversation(conversationId));
      if (!record) continue;
      await this.#ended(record, ended);
      await this.handoff(conversationId, { reason: 'error' }, 'assistant');
    }
  }
}

/** A citation the chat may show: a title and an http or https link, or nothing. */
function citationOf(source: unknown): Citation | undefined {
  const { title, url } = (source ?? {}) as { title?: unknown; url?: unknown };
  if (typeof url !== 'string' || url.length > 2048) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
  } catch {
    return undefined;
  }
  const name = typeof title === 'string' && title.trim() ? title.trim().slice(0, 200) : url;
  return { title: name, url };
}

/**
 * The iterator's next value, or 'stopped' as soon as `signal` aborts, even when the host's
 * generator ignores it. One listener on the signal for the whole reply: racing a promise of the
 * abort would leave a reaction behind per delta, and listening afresh per delta costs as much as
 * sending it.
 */
function stoppable(iterator: AsyncIterator<string>, signal: AbortSignal): () => Promise<IteratorResult<string> | 'stopped'> {
  let stop: (() => void) | undefined;
  signal.addEventListener('abort', () => stop?.(), { once: true });
  return () =>
    signal.aborted
      ? Promise.resolve('stopped')
      : new Promise((resolve, reject) => {
          stop = () => resolve('stopped');
          iterator.next().then(resolve, reject);
        });
}
