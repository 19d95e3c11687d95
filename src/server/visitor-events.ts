import { peerAddress, storableAddress } from './client-address.js';
import type { ClientToServerEvents, InboxTypingPayload, TypingPayload, VisitorDetails } from '../protocol.js';
import type { VisitorConversations } from '../conversations/visitor-side.js';
import { visitorOf, type Rooms, type VisitorSocket } from '../rooms/rooms.js';
import { channels, roomsIn } from './channels.js';
import { unknownEvents } from './acked-events.js';
import type { ChatContext } from './context.js';
import { ChatError } from './errors.js';
import { toVisitorDetails } from './handshake.js';
import type { Visitor } from './options.js';
import { namesInbox, parsePayload } from './payloads.js';
import { addressOf } from './socket-data.js';
import { typingListener } from './typing.js';

/** An event of the visitors' namespace and its listener, which takes the socket from `this`. */
type VisitorListener = [event: keyof ClientToServerEvents | 'disconnecting', listener: (this: VisitorSocket, ...args: never[]) => void];

/** What a visitor asks of a site without support inboxes (no `operators` option). */
function throwNoInboxes(): never {
  throw new ChatError('NOT_FOUND', 'This site has no support inbox');
}

/**
 * The events of the visitors' namespace: a socket's session, then `join`, `message`, `history`
 * and `typing`, each naming a public room (see rooms/) or, with `inbox`, the visitor's own
 * conversation (see conversations/visitor-side.ts); `read`; and the visitor's details.
 */
export class VisitorEvents {
  readonly #ctx: ChatContext;
  readonly #rooms: Rooms;
  readonly #conversations: VisitorConversations | undefined;
  readonly #listeners: VisitorListener[];
  readonly #unknown: (this: VisitorSocket, event: string, ...args: unknown[]) => void;

  constructor(ctx: ChatContext, rooms: Rooms, conversations: VisitorConversations | undefined) {
    this.#ctx = ctx;
    this.#rooms = rooms;
    this.#conversations = conversations;
    this.#listeners = this.#makeListeners();
    this.#unknown = unknownEvents(
      this.#listeners.map(([event]) => event),
      (socket: VisitorSocket) => ctx.limits.take('event', socket.data.visitorId),
      (error) => ctx.report(error),
    );
  }

  /** A visitor socket, past its handshake: its session, then its events. */
  connection(socket: VisitorSocket): void {
    const { visitorId, senderId, details } = socket.data;
    void socket.join(channels.visitor(visitorId));
    // A recovered connection is back in its rooms without joining them again.
    if (socket.recovered) for (const room of roomsIn(socket.rooms)) this.#rooms.presence.joined(room, visitorId);
    const files = this.#ctx.files?.limits;
    const consent = this.#ctx.consent?.state(socket.data.consentGiven === true);
    socket.emit('session', {
      visitorId,
      senderId,
      token: this.#ctx.tokens.issue(visitorId),
      ...(details ? { user: details } : {}),
      ...(files ? { files } : {}),
      ...(consent ? { consent } : {}),
      ...(this.#ctx.options.visitorsCanDeleteConversations && this.#conversations ? { canDeleteConversation: true } : {}),
    });

    for (const [event, listener] of this.#listeners) socket.on(event, listener as () => void);
    socket.onAny(this.#unknown);
  }

  /** `GET <basePath>/history`: the socket event's rules. A conversation's history needs the visitor's own token. */
  historyOverHttp(payload: unknown, visitor: Visitor, isNew: boolean) {
    if (!namesInbox(payload)) return this.#rooms.history(payload, visitor, () => false);
    if (isNew) throw new ChatError('UNAUTHORIZED', "A conversation's history needs the visitor's token");
    return (this.#conversations ?? throwNoInboxes()).history(payload, visitor);
  }

  /** Gives this node's sockets of a visitor their new name and details. */
  updateLocal(visitorId: string, name: string, details: VisitorDetails): void {
    const namespace = this.#ctx.visitorNamespace();
    for (const socketId of namespace.adapter.rooms.get(channels.visitor(visitorId)) ?? []) {
      const socket = namespace.sockets.get(socketId);
      if (!socket) continue;
      socket.data.name = name;
      socket.data.details = details;
    }
  }

  /**
   * The namespace's listeners, made once and shared by every visitor socket (each takes its
   * socket from `this`): a connection costs no closures of its own, only its entries in the
   * socket's listener table.
   */
  #makeListeners(): VisitorListener[] {
    const ctx = this.#ctx;
    const { acked, limits, payloads } = ctx;
    const limitEvents = (socket: VisitorSocket) => limits.take('event', socket.data.visitorId);
    const limitMessages = (socket: VisitorSocket) => {
      limits.take('message', socket.data.visitorId);
      limits.take('addressMessage', addressOf(socket));
    };
    const rooms = this.#rooms;
    const conversations = this.#conversations;
    const needConversations = () => conversations ?? throwNoInboxes();
    // With `retention.inactiveVisitorsDays`, a new visitor is recorded as seen once something of
    // theirs was stored (see `SocketData.seenRecorded`); without it, nothing is done.
    const tracksVisitors = ctx.options.retention?.inactiveVisitorsDays !== undefined;
    const seen = async <T>(socket: VisitorSocket, stored: Promise<T>): Promise<T> => {
      const result = await stored;
      if (tracksVisitors && !socket.data.seenRecorded) {
        socket.data.seenRecorded = true;
        ctx.store.visitorSeen(socket.data.visitorId, new Date()).catch((error: unknown) => ctx.report(error));
      }
      return result;
    };

    // join, message, history and typing name a public room or, with `inbox`, the visitor's conversation.
    return [
      ['join', acked(limitEvents, (socket, payload): Promise<object> =>
        namesInbox(payload) ? needConversations().join(socket, payload) : rooms.join(socket, payload),
      )],
      ['message', acked(limitMessages, (socket, payload): Promise<object> =>
        seen(socket, namesInbox(payload) ? needConversations().message(socket, payload) : rooms.message(socket, payload)),
      )],
      ['history', acked(limitEvents, (socket, payload): Promise<object> =>
        namesInbox(payload)
          ? needConversations().history(payload, visitorOf(socket))
          : rooms.history(payload, visitorOf(socket), (room) => socket.rooms.has(channels.room(room))),
      )],
      ['read', acked(limitEvents, (socket, payload) => needConversations().read(socket, payload))],
      ['handoff', acked(limitEvents, (socket, payload) => needConversations().choose(socket, payload, 'person'))],
      ['assistant', acked(limitEvents, (socket, payload) => needConversations().choose(socket, payload, 'assistant'))],
      ['deleteConversation', acked(limitEvents, (socket, payload) => needConversations().deleteConversation(socket, payload))],
      ['rate', acked(limitEvents, (socket, payload) => needConversations().rate(socket, payload))],
      ['userDetails', acked(limitEvents, (socket, payload) => seen(socket, this.#saveDetails(socket, payload)))],
      ['consent', acked(limitEvents, (socket, payload) => seen(socket, this.#consent(socket, payload)))],
      ['typing', typingListener<VisitorSocket, TypingPayload | InboxTypingPayload>(
        ctx,
        (socket) => socket.data.visitorId,
        (payload) => (namesInbox(payload) ? payloads.inboxTyping : payloads.typing),
        (socket, typing) => ('inbox' in typing ? conversations?.typing(socket, typing) : rooms.typing(socket, typing)),
      )],
      ['disconnecting', function disconnecting(this: VisitorSocket) {
        const { visitorId } = this.data;
        for (const room of roomsIn(this.rooms)) rooms.presence.left(room, visitorId);
        if (ctx.isClosing() || !conversations) return;
        conversations.leaving(this);
      }],
    ];
  }

  /** The visitor agreed to the chat's terms: recorded, and this node's tabs of theirs know it. */
  async #consent(socket: VisitorSocket, payload: unknown) {
    const consent = this.#ctx.consent;
    if (!consent) throw new ChatError('NOT_FOUND', 'This chat asks for no consent');
    const { version } = parsePayload(this.#ctx.payloads.consent, payload);
    const { handshake } = socket;
    const { trustedProxies, ipAddresses } = this.#ctx.options;
    const from = storableAddress(peerAddress(handshake.address, handshake.headers['x-forwarded-for'], trustedProxies), ipAddresses);
    const state = await consent.give(socket.data.visitorId, version, from);
    const namespace = this.#ctx.visitorNamespace();
    for (const socketId of namespace.adapter.rooms.get(channels.visitor(socket.data.visitorId)) ?? []) {
      const tab = namespace.sockets.get(socketId);
      if (tab) tab.data.consentGiven = true;
    }
    return { consent: state };
  }

  async #saveDetails(socket: VisitorSocket, payload: unknown) {
    await this.#ctx.consent?.check(socket);
    const { store, payloads, tokens, options } = this.#ctx;
    const details = parsePayload(payloads.userDetails, payload);
    const record = await store.saveUserDetails(socket.data.visitorId, details);
    const user = toVisitorDetails(record);
    this.updateLocal(record.id, record.name, user);
    // Other nodes' sockets of this visitor take the new name too.
    this.#ctx.interNode.tell('visitorUpdated', record.id, record.name, user);
    // The visitor's other tabs learn their new details too; nobody else does.
    socket.to(channels.visitor(record.id)).emit('session', {
      visitorId: record.id,
      senderId: socket.data.senderId,
      token: tokens.issue(record.id),
      user,
      ...(this.#ctx.files ? { files: this.#ctx.files.limits } : {}),
    });
    this.#conversations?.detailsChanged(record.id, user);
    const hook = options.hooks.onUserDetails;
    if (hook) this.#ctx.runHook('onUserDetails', () => hook(record, visitorOf(socket)));
    return { user };
  }
}
