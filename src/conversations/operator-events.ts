import type { Socket } from 'socket.io';
import type { Assignee, OperatorClientToServerEvents, OperatorServerToClientEvents } from '../protocol.js';
import type { ChatContext, InterServerEvents, OperatorSocketData } from '../server/context.js';
import type { ConversationService, InboxScope } from './service.js';
import { ChatError } from '../server/errors.js';
import type { ChatHandshake } from '../server/options.js';
import { parsePayload } from '../server/payloads.js';
import { INBOX_VISITORS_PREFIX, socketRooms } from '../server/channels.js';

type OperatorSocket = Socket<OperatorClientToServerEvents, OperatorServerToClientEvents, InterServerEvents, OperatorSocketData>;

const MAX_ID_LENGTH = 128;
const MAX_NAME_LENGTH = 100;

/**
 * The team's side of support conversations, on the namespace `/operators`. Who is an operator,
 * and which inboxes they read, is the host app's decision (`operators.identify`); every event
 * checks the conversation's inbox against it, and answers NOT_FOUND for one it may not read.
 */
export class Operators {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;

  constructor(ctx: ChatContext, service: ConversationService) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /** Asks the host who this is; refuses anyone it does not vouch for. */
  async identify(handshake: ChatHandshake): Promise<Omit<OperatorSocketData, 'address' | 'opened'>> {
    const operator = await this.#ctx.options.operators!.identify(handshake);
    if (!operator) throw new ChatError('UNAUTHORIZED', 'Only the team can connect here');
    const id: unknown = operator.id;
    const name: unknown = operator.name;
    const inboxes: unknown = operator.inboxes;
    // A host bug rather than the client's fault: reported to the host as INTERNAL.
    if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0 || String(id).length > MAX_ID_LENGTH) {
      throw new TypeError('parley-chat: operators.identify() must return { id: string (1–128 characters), name, inboxes? } or null');
    }
    if (typeof name !== 'string' || !name.trim()) {
      throw new TypeError('parley-chat: operators.identify() must return a display name for the operator');
    }
    if (inboxes !== undefined && (!Array.isArray(inboxes) || inboxes.some((inbox) => typeof inbox !== 'string'))) {
      throw new TypeError('parley-chat: operators.identify() returned inboxes that are not a list of names');
    }
    return {
      operatorId: String(id),
      name: name.trim().slice(0, MAX_NAME_LENGTH).toWellFormed(),
      senderId: this.#service.senderId(String(id)),
      inboxes: inboxes === undefined ? '*' : [...(inboxes as string[])],
    };
  }

  connection(socket: OperatorSocket): void {
    const { data } = socket;
    data.opened = new Map();
    const scope: InboxScope = { inboxes: data.inboxes, operatorId: data.operatorId };
    void socket.join(data.inboxes === '*' ? [socketRooms.inboxOperators('*')] : data.inboxes.map(socketRooms.inboxOperators));
    socket.emit('session', {
      id: data.operatorId,
      name: data.name,
      senderId: data.senderId,
      inboxes: data.inboxes === '*' ? '*' : [...data.inboxes],
    });
    void this.notifyTeam(data.inboxes);

    const { schemas, options, acked } = this.#ctx;
    const ops = schemas.operators;
    const { limits } = options;
    const limitEvents = () => this.#ctx.rateLimit('event', data.operatorId);
    const limitMessages = () => this.#ctx.rateLimit('message', data.operatorId);

    socket.on('inbox', acked(limitEvents, async (_socket, payload) => {
      const query = parsePayload(ops.inbox, payload);
      return this.#service.list(scope, {
        inbox: query.inbox,
        status: query.status ?? 'open',
        assigneeId: query.assignee === 'me' ? data.operatorId : query.assignee === 'none' ? null : undefined,
        before: query.before,
        limit: query.limit ?? limits.pageSize,
      });
    }));

    socket.on('operators', acked(limitEvents, async (_socket, payload) => {
      const { inbox } = parsePayload(ops.operators, payload);
      const inboxes = this.#service.inboxesOf(scope, inbox);
      return { operators: await this.#online(inboxes) };
    }));

    socket.on('changes', acked(limitEvents, async (_socket, payload) => {
      const { since, inbox } = parsePayload(ops.changes, payload);
      return this.#service.changes(scope, since, inbox);
    }));

    socket.on('open', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, since, notesSince } = parsePayload(ops.open, payload);
      const record = await this.#service.get(scope, conversationId);
      // Joined before reading, so what is stored meanwhile reaches this socket too.
      await socket.join(socketRooms.openConversation(record.id));
      data.opened.set(record.id, { inbox: record.inbox, visitorId: record.visitorId });
      const [page, notes, visitor] = await Promise.all([
        this.#service.messages(record, since === undefined ? { limit: limits.pageSize } : { after: since, limit: limits.catchUpLimit }),
        this.#service.messages(record, { after: notesSince ?? 0, limit: limits.catchUpLimit }, true),
        this.#service.visitorDetails(record),
      ]);
      return {
        conversation: this.#service.summary(record, visitor.online),
        visitor,
        messages: page.messages,
        hasMore: page.hasMore,
        notes: notes.messages,
      };
    }));

    socket.on('message', acked(limitMessages, async (_socket, payload) => {
      const { conversationId, message, clientId, note } = parsePayload(ops.message, payload);
      const record = await this.#service.get(scope, conversationId);
      const posted = await this.#service.postOperatorMessage(
        record,
        { message, clientId, note, as: { id: data.operatorId, name: data.name } },
        socket.id,
      );
      return { message: posted.message, conversation: this.#service.summary(posted.conversation) };
    }));

    socket.on('history', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, before, limit } = parsePayload(ops.history, payload);
      const record = await this.#service.get(scope, conversationId);
      return this.#service.messages(record, { before, limit: limit ?? limits.pageSize });
    }));

    socket.on('assign', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, to, expected } = parsePayload(ops.assign, payload);
      const record = await this.#service.get(scope, conversationId);
      const assignee = to === null ? null : await this.#operatorOf(record.inbox, to, data);
      const updated = await this.#service.assign(scope, conversationId, assignee, expected);
      return { conversation: this.#service.summary(updated) };
    }));

    socket.on('status', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, status } = parsePayload(ops.status, payload);
      return { conversation: this.#service.summary(await this.#service.setStatus(scope, conversationId, status)) };
    }));

    socket.on('read', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, seq } = parsePayload(ops.read, payload);
      return { conversation: this.#service.summary(await this.#service.operatorRead(scope, conversationId, seq)) };
    }));

    // Typing is volatile and unacknowledged, and only about a conversation this socket opened.
    socket.on('typing', (payload: unknown) => {
      if (this.#ctx.isClosing() || this.#ctx.rateLimited('event', data.operatorId)) return;
      const parsed = ops.typing.safeParse(payload);
      const opened = parsed.success ? data.opened.get(parsed.data.conversationId) : undefined;
      if (!parsed.success || !opened) return;
      const { conversationId, typing } = parsed.data;
      const sender = { id: data.senderId, name: data.name, role: 'operator' as const };
      this.#ctx.visitors().to(socketRooms.thread(opened.inbox, opened.visitorId)).volatile.emit('typing', { inbox: opened.inbox, sender, typing });
      socket.to(socketRooms.openConversation(conversationId)).volatile.emit('typing', { conversationId, sender, typing });
    });

    socket.on('disconnect', () => {
      if (!this.#ctx.isClosing()) void this.notifyTeam(data.inboxes);
    });
  }

  /**
   * Tells visitors how many operators their inbox has online now. Operators of every inbox change
   * every inbox's count, and only each node knows its own visitors' inboxes: those nodes are told.
   */
  async notifyTeam(inboxes: readonly string[] | '*', fromOtherNode = false): Promise<void> {
    try {
      const visitors = this.#ctx.visitors();
      if (inboxes === '*') {
        if (!fromOtherNode) this.#ctx.tellOtherNodes('teamChanged', null);
        const local = [...visitors.adapter.rooms.keys()].filter((room) => room.startsWith(INBOX_VISITORS_PREFIX));
        for (const room of local) {
          const inbox = room.slice(INBOX_VISITORS_PREFIX.length);
          visitors.local.to(room).emit('team', { inbox, online: await this.#service.teamOnline(inbox) });
        }
        return;
      }
      for (const inbox of inboxes) {
        visitors.to(socketRooms.inboxVisitors(inbox)).emit('team', { inbox, online: await this.#service.teamOnline(inbox) });
      }
    } catch (error) {
      this.#ctx.report(error);
    }
  }

  /**
   * The operator to assign: the caller, or another operator online now who may read the inbox
   * (their display name comes from their own connection; the chat keeps no list of operators).
   */
  async #operatorOf(inbox: string, id: string, caller: OperatorSocketData): Promise<Assignee> {
    if (id === caller.operatorId) return { id, name: caller.name };
    const found = (await this.#online([inbox])).find((operator) => operator.id === id);
    if (!found) throw new ChatError('NOT_FOUND', 'That operator is not online for this inbox');
    return found;
  }

  /** Operators online on any node who read all of `inboxes` (one each, by id). */
  async #online(inboxes: readonly string[] | '*'): Promise<Assignee[]> {
    const rooms = inboxes === '*' ? [socketRooms.inboxOperators('*')] : [...inboxes.map(socketRooms.inboxOperators), socketRooms.inboxOperators('*')];
    const sockets = await this.#ctx.operators().in(rooms).fetchSockets().catch(() => []);
    const found = new Map<string, Assignee>();
    for (const { data } of sockets) {
      const readsAll = data.inboxes === '*' || (inboxes !== '*' && inboxes.every((inbox) => data.inboxes.includes(inbox)));
      if (readsAll) found.set(data.operatorId, { id: data.operatorId, name: data.name });
    }
    return [...found.values()];
  }
}

export type { OperatorSocket };
