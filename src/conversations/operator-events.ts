import { forReader, oneForReader } from '../files/links.js';
import { uploaderOf } from '../files/records.js';
import type { Socket } from 'socket.io';
import type { InterServerEvents } from '../cluster/inter-node-events.js';
import type { Assignee, OperatorClientToServerEvents, OperatorServerToClientEvents, OperatorTypingPayload } from '../protocol.js';
import { channels, inboxesIn } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import type { OperatorSocketData } from '../server/socket-data.js';
import { unknownEvents } from '../server/acked-events.js';
import { ChatError } from '../server/errors.js';
import { parsePayload } from '../server/payloads.js';
import { typingListener, typingSender } from '../server/typing.js';
import { mayRead, type InboxScope } from './inbox-list.js';
import type { ChatPrivacy } from '../privacy/api.js';
import { searchConversations } from './search.js';
import type { ConversationService } from './service.js';
import type { SavedReplies } from '../saved-replies/saved-replies.js';

/** The events this namespace serves; any other that asks for an answer gets NOT_FOUND. */
const OPERATOR_EVENTS: ReadonlyArray<keyof OperatorClientToServerEvents> = [
  'inbox',
  'operators',
  'changes',
  'open',
  'close',
  'message',
  'history',
  'assign',
  'status',
  'read',
  'typing',
  'exportVisitor',
  'eraseVisitor',
  'replies',
  'search',
];

export type OperatorSocket = Socket<OperatorClientToServerEvents, OperatorServerToClientEvents, InterServerEvents, OperatorSocketData>;

/**
 * The events of the operators' namespace, `/operators`: the team's side of support
 * conversations. Who is an operator, and which inboxes they read, is the host app's decision
 * (`operators.identify`, asked in the handshake); every event checks the conversation's inbox
 * against it, and answers NOT_FOUND for one it may not read.
 */
export class OperatorEvents {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;
  readonly #privacy: ChatPrivacy;
  readonly #replies: SavedReplies;
  readonly #unknown: (this: OperatorSocket, event: string, ...args: unknown[]) => void;

  constructor(ctx: ChatContext, service: ConversationService, privacy: ChatPrivacy, replies: SavedReplies) {
    this.#ctx = ctx;
    this.#service = service;
    this.#privacy = privacy;
    this.#replies = replies;
    this.#unknown = unknownEvents(
      OPERATOR_EVENTS,
      (socket: OperatorSocket) => ctx.limits.take('event', socket.data.operatorId),
      (error) => ctx.report(error),
    );
  }

  connection(socket: OperatorSocket): void {
    const { data } = socket;
    const scope: InboxScope = { inboxes: data.inboxes, operatorId: data.operatorId };
    void socket.join(data.inboxes === '*' ? [channels.inboxOperators('*')] : data.inboxes.map(channels.inboxOperators));
    socket.emit('session', {
      id: data.operatorId,
      name: data.name,
      senderId: data.senderId,
      inboxes: data.inboxes === '*' ? '*' : [...data.inboxes],
      assistant: this.#ctx.options.assistant ? { name: this.#ctx.options.assistant.name, inboxes: this.#ctx.options.assistant.inboxes ? [...this.#ctx.options.assistant.inboxes] : '*' } : null,
      ...(this.#ctx.files ? { files: this.#ctx.files.limits } : {}),
      ratings: this.#ctx.options.ratings !== undefined,
      can: [...data.can],
    });
    void this.notifyTeam(data.inboxes);

    const { payloads, options, acked, limits } = this.#ctx;
    /** Counts this socket's `open` requests, so that only the latest decides what it has open. */
    let openings = 0;
    const ops = payloads.operators;
    const { pageSize } = options.limits;
    const limitEvents = () => limits.take('event', data.operatorId);
    const limitMessages = () => limits.take('message', data.operatorId);

    socket.on('inbox', acked(limitEvents, async (_socket, payload) => {
      const query = parsePayload(ops.inbox, payload);
      return this.#service.inboxes.list(scope, {
        inbox: query.inbox,
        status: query.status ?? 'open',
        assigneeId: query.assignee === 'me' ? data.operatorId : query.assignee === 'none' ? null : undefined,
        handler: query.handler,
        before: query.before,
        limit: query.limit ?? pageSize,
      });
    }));

    socket.on('operators', acked(limitEvents, async (_socket, payload) => {
      const { inbox } = parsePayload(ops.operators, payload);
      const inboxes = this.#service.inboxes.readable(scope, inbox);
      return { operators: await this.#online(inboxes) };
    }));

    socket.on('changes', acked(limitEvents, async (_socket, payload) => {
      const { since, inbox } = parsePayload(ops.changes, payload);
      return this.#service.inboxes.changes(scope, since, inbox);
    }));

    socket.on('open', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, since, notesSince } = parsePayload(ops.open, payload);
      const opening = ++openings;
      const record = await this.#service.get(scope, conversationId);
      // One conversation open per socket: an inbox tab receives only what it shows. Of two opens
      // sent quickly one after the other, the later one is what it shows, whichever read first.
      if (opening === openings) {
        for (const [openId] of data.opened) if (openId !== record.id) this.#close(socket, openId);
        // Joined before reading, so what is stored meanwhile reaches this socket too.
        await socket.join(channels.openConversation(record.id));
        data.opened.set(record.id, { inbox: record.inbox, visitorId: record.visitorId });
      }
      const [page, notes, visitor] = await Promise.all([
        this.#service.messages(record, this.#ctx.joinPage(since)),
        this.#service.messages(record, { after: notesSince ?? 0, limit: options.limits.catchUpLimit }, true),
        this.#service.visitorDetails(record),
      ]);
      const team = `t:${record.inbox}` as const;
      return {
        conversation: this.#service.summary(record, visitor.online),
        visitor,
        messages: forReader(this.#ctx.files?.links, page.messages, team),
        hasMore: page.hasMore,
        ...(page.settledSeq === undefined ? {} : { settledSeq: page.settledSeq }),
        notes: forReader(this.#ctx.files?.links, notes.messages, team),
        ...(notes.settledSeq === undefined ? {} : { notesSettledSeq: notes.settledSeq }),
      };
    }));

    // The privacy duties, for operators the host allows: about the visitor of a conversation they
    // may read, and only when they may read every conversation of that visitor, since export and
    // erasure take them all.
    const privacyVisitor = async (payload: { conversationId: string }) => {
      if (!data.can.includes('privacy')) throw new ChatError('FORBIDDEN', "Exporting and erasing visitors' data needs the privacy permission");
      const { visitorId } = await this.#service.get(scope, payload.conversationId);
      if (visitorId.startsWith('erased:')) throw new ChatError('NOT_FOUND', 'This visitor was erased');
      const theirs = await this.#ctx.store.visitorConversations(visitorId);
      if (theirs.some((record) => !mayRead(scope, record.inbox))) {
        throw new ChatError('FORBIDDEN', 'This visitor also has conversations in inboxes you do not read; ask someone who reads them all');
      }
      return visitorId;
    };
    socket.on('exportVisitor', acked(limitEvents, async (_socket, payload) => {
      const visitorId = await privacyVisitor(parsePayload(ops.exportVisitor, payload));
      return { export: await this.#privacy.exportVisitor(visitorId) };
    }));
    socket.on('eraseVisitor', acked(limitEvents, async (_socket, payload) => {
      const request = parsePayload(ops.eraseVisitor, payload);
      const visitorId = await privacyVisitor(request);
      return { removed: await this.#privacy.eraseVisitor(visitorId, { mode: request.mode ?? 'delete' }) };
    }));

    socket.on('replies', acked(limitEvents, (_socket, payload) =>
      this.#replies.operatorEvent({ operatorId: data.operatorId, scope, manageTeam: data.can.includes('replies') }, payload),
    ));

    const limitSearches = () => {
      limitEvents();
      limits.take('search', data.operatorId);
    };
    socket.on('search', acked(limitSearches, async (_socket, payload) => searchConversations(this.#ctx, this.#service, scope, parsePayload(ops.search, payload))));

    socket.on('close', acked(limitEvents, async (_socket, payload) => {
      const { conversationId } = parsePayload(ops.close, payload);
      this.#close(socket, conversationId);
      return {};
    }));

    socket.on('message', acked(limitMessages, async (_socket, payload) => {
      const { conversationId, message, clientId, note, retry, files: fileIds } = parsePayload(ops.message, payload);
      let files;
      if (fileIds?.length) {
        // Only into a conversation this operator may write in: checked before the files are taken.
        await this.#service.get(scope, conversationId);
        files = await this.#ctx.files!.claim(fileIds, uploaderOf(data), { where: `${note ? 'n' : 'c'}:${conversationId}`, clientId });
      }
      const posted = await this.#service.posts.operator(
        conversationId,
        this.#service.inboxes.readable(scope),
        { message, clientId, note, as: { id: data.operatorId, name: data.name } },
        { exceptSocket: socket.id, retry, files },
      );
      const team = `t:${posted.conversation.inbox}` as const;
      return { message: oneForReader(this.#ctx.files?.links, posted.message, team), conversation: this.#service.summary(posted.conversation) };
    }));

    socket.on('history', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, before, limit } = parsePayload(ops.history, payload);
      const record = await this.#service.get(scope, conversationId);
      const page = await this.#service.messages(record, { before, limit: limit ?? pageSize });
      return { ...page, messages: forReader(this.#ctx.files?.links, page.messages, `t:${record.inbox}`) };
    }));

    socket.on('assign', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, to, expected } = parsePayload(ops.assign, payload);
      const record = await this.#service.get(scope, conversationId);
      const assignee = to === null ? null : await this.#operatorOf(record.inbox, to, data);
      const updated = await this.#service.assign(scope, conversationId, assignee, expected);
      return { conversation: this.#service.summary(updated) };
    }));

    socket.on('status', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, status, skipRating } = parsePayload(ops.status, payload);
      return { conversation: this.#service.summary(await this.#service.setStatus(scope, conversationId, status, skipRating)) };
    }));

    socket.on('read', acked(limitEvents, async (_socket, payload) => {
      const { conversationId, seq } = parsePayload(ops.read, payload);
      return { conversation: this.#service.summary(await this.#service.operatorRead(scope, conversationId, seq)) };
    }));

    socket.on('typing', typingListener(this.#ctx, (socket: OperatorSocket) => socket.data.operatorId, () => ops.typing, (socket, typing) =>
      this.#typing(socket, typing),
    ));

    socket.onAny(this.#unknown);

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
      const visitors = this.#ctx.visitorNamespace();
      if (inboxes === '*') {
        if (!fromOtherNode) this.#ctx.interNode.tell('teamChanged', null);
        for (const inbox of inboxesIn(visitors.adapter.rooms.keys())) {
          visitors.local.to(channels.inboxVisitors(inbox)).emit('team', { inbox, ...(await this.#service.inboxTeam(inbox)) });
        }
        return;
      }
      for (const inbox of inboxes) {
        visitors.to(channels.inboxVisitors(inbox)).emit('team', { inbox, ...(await this.#service.inboxTeam(inbox)) });
      }
    } catch (error) {
      this.#ctx.report(error);
    }
  }

  /** The socket stops receiving a conversation's messages and typing. */
  #close(socket: OperatorSocket, conversationId: string): void {
    socket.data.opened.delete(conversationId);
    void socket.leave(channels.openConversation(conversationId));
  }

  /** Typing reaches the visitor and the other operators, about a conversation this socket opened. */
  #typing(socket: OperatorSocket, { conversationId, typing }: OperatorTypingPayload): void {
    const opened = socket.data.opened.get(conversationId);
    if (!opened) return;
    const sender = typingSender(socket.data);
    this.#ctx
      .visitorNamespace()
      .to(channels.conversationVisitor(opened.inbox, opened.visitorId))
      .volatile.emit('typing', { inbox: opened.inbox, sender, typing });
    socket.to(channels.openConversation(conversationId)).volatile.emit('typing', { conversationId, sender, typing });
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
    const names = inboxes === '*' ? [channels.inboxOperators('*')] : [...inboxes.map(channels.inboxOperators), channels.inboxOperators('*')];
    const sockets = await this.#ctx.operatorNamespace().in(names).fetchSockets().catch(() => []);
    const found = new Map<string, Assignee>();
    for (const { data } of sockets) {
      const readsAll = data.inboxes === '*' || (inboxes !== '*' && inboxes.every((inbox) => data.inboxes.includes(inbox)));
      if (readsAll) found.set(data.operatorId, { id: data.operatorId, name: data.name });
    }
    return [...found.values()];
  }
}
