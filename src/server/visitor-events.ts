import type { ClientToServerEvents, VisitorDetails } from '../protocol.js';
import type { ChatContext } from './context.js';
import { ChatError } from './errors.js';
import { toVisitorDetails } from './handshake.js';
import { visitorOf, type Rooms, type VisitorSocket } from '../rooms/rooms.js';
import { namesInbox, parsePayload } from './payloads.js';
import { socketRooms } from './channels.js';
import type { VisitorInbox } from '../conversations/visitor-side.js';

/** An event of the visitor namespace and its listener, which takes the socket from `this`. */
type VisitorListener = [event: keyof ClientToServerEvents | 'disconnecting', listener: (this: VisitorSocket, ...args: never[]) => void];

/** What a visitor asks of a site without support inboxes (no `operators` option). */
export function throwNoInboxes(): never {
  throw new ChatError('NOT_FOUND', 'This site has no support inbox');
}

/**
 * The visitors' namespace: a socket's session, and its events, which name a public room (see
 * rooms.ts) or, with `inbox`, the visitor's own conversation (see visitor-inbox.ts); and the
 * visitor's details.
 */
export class Visitors {
  readonly #ctx: ChatContext;
  readonly #rooms: Rooms;
  readonly #inbox: VisitorInbox | undefined;
  readonly #listeners: VisitorListener[];

  constructor(ctx: ChatContext, rooms: Rooms, inbox: VisitorInbox | undefined) {
    this.#ctx = ctx;
    this.#rooms = rooms;
    this.#inbox = inbox;
    this.#listeners = this.#makeListeners();
  }

  /** A visitor socket, past its handshake: its session, then its events. */
  connection(socket: VisitorSocket): void {
    const { visitorId, details } = socket.data;
    void socket.join(socketRooms.visitor(visitorId));
    // A recovered connection is back in its rooms without joining them again.
    if (socket.recovered) for (const room of this.#rooms.roomsOf(socket)) this.#rooms.presence.joined(room, visitorId);
    socket.emit('session', { visitorId, token: this.#ctx.tokens.issue(visitorId), ...(details ? { user: details } : {}) });

    for (const [event, listener] of this.#listeners) socket.on(event, listener as () => void);
  }

  /** Gives this node's sockets of a visitor their new name and details. */
  updateLocal(visitorId: string, name: string, details: VisitorDetails): void {
    const namespace = this.#ctx.visitors();
    for (const socketId of namespace.adapter.rooms.get(socketRooms.visitor(visitorId)) ?? []) {
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
    const { acked, rateLimit } = ctx;
    const limitEvents = (socket: VisitorSocket) => rateLimit('event', socket.data.visitorId);
    const limitMessages = (socket: VisitorSocket) => {
      rateLimit('message', socket.data.visitorId);
      rateLimit('addressMessage', socket.data.address);
    };
    const rooms = this.#rooms;
    const inbox = this.#inbox;
    const needInbox = () => inbox ?? throwNoInboxes();

    // join, message, history and typing name a public room or, with `inbox`, the visitor's conversation.
    return [
      ['join', acked(limitEvents, (socket, payload): Promise<object> =>
        namesInbox(payload) ? needInbox().join(socket, payload) : rooms.join(socket, payload),
      )],
      ['message', acked(limitMessages, (socket, payload): Promise<object> =>
        namesInbox(payload) ? needInbox().message(socket, payload) : rooms.message(socket, payload),
      )],
      ['history', acked(limitEvents, (socket, payload): Promise<object> =>
        namesInbox(payload)
          ? needInbox().history(payload, visitorOf(socket))
          : rooms.history(payload, visitorOf(socket), (room) => socket.rooms.has(socketRooms.chatRoom(room))),
      )],
      ['read', acked(limitEvents, (socket, payload) => needInbox().read(socket, payload))],
      ['userDetails', acked(limitEvents, (socket, payload) => this.#saveDetails(socket, payload))],
      // Typing is volatile and has no ack: invalid or excessive typing events are dropped silently.
      ['typing', function typing(this: VisitorSocket, payload: unknown) {
        if (ctx.isClosing() || ctx.rateLimited('event', this.data.visitorId)) return;
        if (!namesInbox(payload)) rooms.typing(this, payload);
        else inbox?.typing(this, payload);
      }],
      ['disconnecting', function disconnecting(this: VisitorSocket) {
        const { visitorId } = this.data;
        for (const room of rooms.roomsOf(this)) rooms.presence.left(room, visitorId);
        if (ctx.isClosing()) return;
        const inboxes = inbox?.inboxesOf(this) ?? [];
        // After the disconnect the socket is out of its rooms, so counts no longer include it.
        if (inbox && inboxes.length) {
          this.once('disconnect', () => void inbox.left(visitorId, inboxes).catch((error: unknown) => ctx.report(error)));
        }
      }],
    ];
  }

  async #saveDetails(socket: VisitorSocket, payload: unknown) {
    const { store, schemas, tokens, options } = this.#ctx;
    const details = parsePayload(schemas.userDetails, payload);
    const record = await store.saveUserDetails(socket.data.visitorId, details);
    const user = toVisitorDetails(record);
    this.updateLocal(record.id, record.name, user);
    // Other nodes' sockets of this visitor take the new name too.
    this.#ctx.tellOtherNodes('visitorUpdated', record.id, record.name, user);
    // The visitor's other tabs learn their new details too; nobody else does.
    socket.to(socketRooms.visitor(record.id)).emit('session', {
      visitorId: record.id,
      token: tokens.issue(record.id),
      user,
    });
    const hook = options.hooks.onUserDetails;
    if (hook) this.#ctx.runHook('onUserDetails', () => hook(record, visitorOf(socket)));
    return { user };
  }
}
