import { forReader, oneForReader } from '../files/links.js';
import { uploaderOf } from '../files/records.js';
import type { ChatMessage, InboxTypingPayload, VisitorDetails } from '../protocol.js';
import { visitorOf, type VisitorSocket } from '../rooms/rooms.js';
import { channels, inboxesIn } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { Visitor } from '../server/options.js';
import { parsePayload } from '../server/payloads.js';
import { typingSender } from '../server/typing.js';
import type { ConversationRecord } from '../stores/types.js';
import type { Erasure } from '../privacy/erasure.js';
import { rateConversation } from './ratings.js';
import type { ConversationService } from './service.js';

/**
 * The visitor's side of support conversations: `join`, `message`, `history`, `read` and `typing`
 * with `{ inbox }`, always about the visitor's own conversation in that inbox. No event takes a
 * conversation id, so there is nothing to guess: who asks decides which conversation it is.
 */
export class VisitorConversations {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;
  readonly #erasure: Erasure;

  constructor(ctx: ChatContext, service: ConversationService, erasure: Erasure) {
    this.#ctx = ctx;
    this.#service = service;
    this.#erasure = erasure;
  }

  /** The visitor deletes their conversation in an inbox, when the host lets them (`privacy.visitorsCanDeleteConversations`). */
  async deleteConversation(socket: VisitorSocket, payload: unknown) {
    const { inbox } = parsePayload(this.#ctx.payloads.inboxOnly, payload);
    if (!this.#ctx.options.visitorsCanDeleteConversations) throw new ChatError('FORBIDDEN', 'This chat does not let visitors delete their conversations');
    this.#service.inboxes.check(inbox);
    const record = await this.#ctx.store.findConversation(inbox, socket.data.visitorId);
    const { deleted } = record ? await this.#erasure.deleteConversation(record) : { deleted: false };
    forgetConversation(this.#ctx, socket.data.visitorId, inbox);
    return { deleted };
  }

  /** The visitor rates the latest resolution of their conversation in an inbox (see `rateConversation`). */
  async rate(socket: VisitorSocket, payload: unknown) {
    const { inbox, score, comment } = parsePayload(this.#ctx.payloads.rate, payload);
    // A comment is something they wrote: it needs their consent to the chat's terms, as a message does.
    await this.#ctx.consent?.check(socket);
    const record = await rateConversation(this.#ctx, this.#service, socket.data.visitorId, inbox, { score, comment });
    return { conversation: this.#service.visitorView(record) };
  }

  async join(socket: VisitorSocket, payload: unknown) {
    const { inbox, since } = parsePayload(this.#ctx.payloads.inboxJoin, payload);
    this.#service.inboxes.check(inbox);
    const { visitorId } = socket.data;
    // Joined before reading, so a message stored meanwhile reaches this socket; clients merge by seq.
    await socket.join([channels.conversationVisitor(inbox, visitorId), channels.inboxVisitors(inbox)]);
    const record = await this.#ctx.store.findConversation(inbox, visitorId);
    remember(socket, inbox, record);
    let page: { messages: ChatMessage[]; hasMore: boolean; settledSeq?: number } = { messages: [], hasMore: false };
    if (record) {
      page = await this.#service.messages(record, this.#ctx.joinPage(since));
      page = { ...page, messages: forReader(this.#ctx.files?.links, page.messages, `v:${visitorId}`) };
      void this.#service.visitorPresenceChanged(record, true).catch((error: unknown) => this.#ctx.report(error));
    }
    return {
      inbox,
      conversation: record ? this.#service.visitorView(record) : null,
      ...page,
      team: await this.#service.inboxTeam(inbox, record),
      assistant: this.#service.assistant?.publicView(inbox) ?? null,
    };
  }

  /** "Talk to a person" (`person`) or "Ask the assistant": who answers the visitor from now on. */
  async choose(socket: VisitorSocket, payload: unknown, choice: 'assistant' | 'person') {
    const { inbox } = parsePayload(this.#ctx.payloads.inboxOnly, payload);
    const assistant = this.#service.assistant;
    if (!assistant) throw new ChatError('NOT_FOUND', 'This inbox has no assistant');
    return assistant.choose(socket, inbox, choice);
  }

  async message(socket: VisitorSocket, payload: unknown) {
    const { inbox, message, clientId, retry, files: fileIds } = parsePayload(this.#ctx.payloads.inboxMessage, payload);
    this.#service.inboxes.check(inbox);
    if (!socket.rooms.has(channels.conversationVisitor(inbox, socket.data.visitorId))) {
      throw new ChatError('FORBIDDEN', 'Join the inbox before writing to it');
    }
    await this.#ctx.consent?.check(socket);
    const sender = visitorOf(socket);
    const { hooks } = this.#ctx.options;
    if (hooks.beforeMessage) await hooks.beforeMessage({ room: inbox, inbox, message, sender });
    const known = socket.data.conversations?.[inbox];
    const assistant = this.#service.assistant;
    // Who answers, should this message open the conversation: asked only then, so other messages cost nothing.
    const handler = assistant && (!known || known.status === 'resolved') ? await assistant.openingHandler(inbox, socket.data.choices?.[inbox]) : undefined;
    const files = fileIds?.length ? await this.#ctx.files!.claim(fileIds, uploaderOf(socket.data), { where: `inbox:${inbox}`, clientId }) : undefined;
    const posted = await this.#service.posts.visitor(sender, { inbox, known, handler }, message, clientId, { exceptSocket: socket.id, retry, files });
    remember(socket, inbox, posted.conversation);
    assistant?.visitorWrote(posted, retry === true);
    if (!posted.duplicate && hooks.onMessage) this.#ctx.runHook('onMessage', () => hooks.onMessage?.(posted.message, sender));
    return { message: oneForReader(this.#ctx.files?.links, posted.message, `v:${sender.id}`), conversation: this.#service.visitorView(posted.conversation) };
  }

  async history(payload: unknown, visitor: Visitor) {
    const { inbox, before, limit } = parsePayload(this.#ctx.payloads.inboxHistory, payload);
    this.#service.inboxes.check(inbox);
    const record = await this.#ctx.store.findConversation(inbox, visitor.id);
    if (!record) return { messages: [], hasMore: false };
    const { messages, hasMore } = await this.#service.messages(record, { before, limit: limit ?? this.#ctx.options.limits.pageSize });
    return { messages: forReader(this.#ctx.files?.links, messages, `v:${visitor.id}`), hasMore };
  }

  async read(socket: VisitorSocket, payload: unknown) {
    const { inbox, seq } = parsePayload(this.#ctx.payloads.read, payload);
    this.#service.inboxes.check(inbox);
    const record = await this.#ctx.store.findConversation(inbox, socket.data.visitorId);
    if (!record) throw new ChatError('NOT_FOUND', 'You have no conversation in this inbox yet');
    const updated = await this.#service.visitorRead(record, seq);
    return { conversation: this.#service.visitorView(updated) };
  }

  /** Typing reaches the operators who have the conversation open, from a socket that joined it. */
  typing(socket: VisitorSocket, { inbox, typing }: InboxTypingPayload): void {
    const { visitorId } = socket.data;
    if (!socket.rooms.has(channels.conversationVisitor(inbox, visitorId))) return;
    // The conversation this socket saw when it joined or wrote; none yet, none to tell.
    const conversationId = socket.data.conversations?.[inbox]?.id;
    if (!conversationId) return;
    this.#ctx
      .operatorNamespace()
      .to(channels.openConversation(conversationId))
      .volatile.emit('typing', { conversationId, sender: typingSender(socket.data), typing });
  }

  /** The visitor saved new details: their conversations and the operators who have one open learn them. */
  detailsChanged(visitorId: string, details: Omit<VisitorDetails, 'id'>): void {
    void this.#service.visitorDetailsChanged(visitorId, details).catch((error: unknown) => this.#ctx.report(error));
  }

  /** A visitor's socket is leaving: once it is gone, their conversations in its inboxes may have gone offline. */
  leaving(socket: VisitorSocket): void {
    const { visitorId, conversations = {} } = socket.data;
    const left = inboxesIn(socket.rooms).flatMap((inbox) => {
      const known = conversations[inbox];
      return known ? [{ id: known.id, inbox, visitorId }] : [];
    });
    if (left.length === 0) return;
    // After the disconnect the socket is out of its channels, so counts no longer include it.
    socket.once('disconnect', () => {
      for (const record of left) {
        void this.#service.visitorPresenceChanged(record, false).catch((error: unknown) => this.#ctx.report(error));
      }
    });
  }
}

/** What this socket knows of its visitor's conversation in an inbox. */
function remember(socket: VisitorSocket, inbox: string, record: ConversationRecord | null): void {
  socket.data.conversations ??= {};
  socket.data.conversations[inbox] = record && { id: record.id, status: record.status };
}

/** This node's tabs of the visitor forget what they knew of a deleted conversation (only a hint elsewhere: see `posts.visitor`). */
function forgetConversation(ctx: ChatContext, visitorId: string, inbox: string): void {
  const namespace = ctx.visitorNamespace();
  for (const socketId of namespace.adapter.rooms.get(channels.visitor(visitorId)) ?? []) {
    const conversations = namespace.sockets.get(socketId)?.data.conversations;
    if (conversations) delete conversations[inbox];
  }
}
