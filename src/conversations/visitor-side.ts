import type { ChatMessage } from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import type { ConversationService } from './service.js';
import { ChatError } from '../server/errors.js';
import type { Visitor } from '../server/options.js';
import { visitorOf, type VisitorSocket } from '../rooms/rooms.js';
import { parsePayload } from '../server/payloads.js';
import { INBOX_VISITORS_PREFIX, socketRooms } from '../server/channels.js';

/**
 * The visitor's side of support conversations: `join`, `message`, `history`, `read` and `typing`
 * with `{ inbox }`, always about the visitor's own conversation in that inbox. No event takes a
 * conversation id, so there is nothing to guess: who asks decides which conversation it is.
 */
export class VisitorInbox {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;

  constructor(ctx: ChatContext, service: ConversationService) {
    this.#ctx = ctx;
    this.#service = service;
  }

  async join(socket: VisitorSocket, payload: unknown) {
    const { inbox, since } = parsePayload(this.#ctx.schemas.inboxJoin, payload);
    this.#service.checkInbox(inbox);
    const { visitorId } = socket.data;
    // Joined before reading, so a message stored meanwhile reaches this socket; clients merge by seq.
    await socket.join([socketRooms.thread(inbox, visitorId), socketRooms.inboxVisitors(inbox)]);
    const record = await this.#ctx.store.findConversation(inbox, visitorId);
    let messages: ChatMessage[] = [];
    let hasMore = false;
    if (record) {
      const { limits } = this.#ctx.options;
      ({ messages, hasMore } = await this.#service.messages(
        record,
        since === undefined ? { limit: limits.pageSize } : { after: since, limit: limits.catchUpLimit },
      ));
      void this.#service.visitorPresenceChanged(record, true).catch((error: unknown) => this.#ctx.report(error));
    }
    const online = await this.#service.teamOnline(inbox);
    return {
      inbox,
      conversation: record ? this.#service.visitorView(record) : null,
      messages,
      hasMore,
      team: { online },
    };
  }

  async message(socket: VisitorSocket, payload: unknown) {
    const { inbox, message, clientId } = parsePayload(this.#ctx.schemas.inboxMessage, payload);
    this.#service.checkInbox(inbox);
    if (!socket.rooms.has(socketRooms.thread(inbox, socket.data.visitorId))) {
      throw new ChatError('FORBIDDEN', 'Join the inbox before writing to it');
    }
    const sender = visitorOf(socket);
    const { hooks } = this.#ctx.options;
    if (hooks.beforeMessage) await hooks.beforeMessage({ room: inbox, inbox, message, sender });
    const posted = await this.#service.postVisitorMessage(sender, inbox, message, clientId, socket.id);
    if (!posted.duplicate && hooks.onMessage) this.#ctx.runHook('onMessage', () => hooks.onMessage?.(posted.message, sender));
    return { message: posted.message, conversation: this.#service.visitorView(posted.conversation) };
  }

  async history(payload: unknown, visitor: Visitor) {
    const { inbox, before, limit } = parsePayload(this.#ctx.schemas.inboxHistory, payload);
    this.#service.checkInbox(inbox);
    const record = await this.#ctx.store.findConversation(inbox, visitor.id);
    if (!record) return { messages: [], hasMore: false };
    return this.#service.messages(record, { before, limit: limit ?? this.#ctx.options.limits.pageSize });
  }

  async read(socket: VisitorSocket, payload: unknown) {
    const { inbox, seq } = parsePayload(this.#ctx.schemas.read, payload);
    this.#service.checkInbox(inbox);
    const record = await this.#ctx.store.findConversation(inbox, socket.data.visitorId);
    if (!record) throw new ChatError('NOT_FOUND', 'You have no conversation in this inbox yet');
    const updated = await this.#service.visitorRead(record, seq);
    return { conversation: this.#service.visitorView(updated) };
  }

  /** Typing reaches the operators who have the conversation open; dropped silently when invalid. */
  typing(socket: VisitorSocket, payload: unknown): void {
    const parsed = this.#ctx.schemas.inboxTyping.safeParse(payload);
    if (!parsed.success) return;
    const { inbox, typing } = parsed.data;
    const { visitorId, name } = socket.data;
    if (!socket.rooms.has(socketRooms.thread(inbox, visitorId))) return;
    void this.#ctx.store.findConversation(inbox, visitorId).then(
      (record) => {
        if (!record) return;
        this.#ctx
          .operators()
          .to(socketRooms.openConversation(record.id))
          .volatile.emit('typing', { conversationId: record.id, sender: { id: visitorId, name, role: 'visitor' }, typing });
      },
      () => undefined,
    );
  }

  /** The inboxes a socket joined, for telling operators once it is gone. */
  inboxesOf(socket: VisitorSocket): string[] {
    return [...socket.rooms]
      .filter((room) => room.startsWith(INBOX_VISITORS_PREFIX))
      .map((room) => room.slice(INBOX_VISITORS_PREFIX.length));
  }

  /** After a visitor's socket left: their conversations in those inboxes may have gone offline. */
  async left(visitorId: string, inboxes: string[]): Promise<void> {
    for (const inbox of inboxes) {
      const record = await this.#ctx.store.findConversation(inbox, visitorId);
      if (record) await this.#service.visitorPresenceChanged(record, false);
    }
  }
}
