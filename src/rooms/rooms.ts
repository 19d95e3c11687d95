import type { Socket } from 'socket.io';
import type { ChatMessage, ClientToServerEvents, ServerToClientEvents } from '../protocol.js';
import type { ChatContext, InterServerEvents } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { SocketData } from '../server/handshake.js';
import type { Visitor } from '../server/options.js';
import { RoomPresence } from '../cluster/room-presence.js';
import { parsePayload, type Schemas } from '../server/payloads.js';
import { CHAT_ROOM_PREFIX, socketRooms } from '../server/channels.js';

type VisitorSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Public group chat: everyone in a room sees every message. */
export class Rooms {
  readonly #ctx: ChatContext;
  readonly presence: RoomPresence;

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    this.presence = new RoomPresence(ctx);
  }

  async join(socket: VisitorSocket, payload: unknown) {
    const { room, since } = parsePayload(this.#ctx.schemas.join, payload);
    await this.checkAccess(room, visitorOf(socket));
    // Join before reading, so a message stored meanwhile is broadcast to this socket rather than
    // missed; the client merges by seq.
    const socketRoom = socketRooms.chatRoom(room);
    const wasIn = socket.rooms.has(socketRoom);
    await socket.join(socketRoom);
    if (!wasIn) this.presence.joined(room, socket.data.visitorId);
    const { store, options } = this.#ctx;
    let page;
    try {
      page =
        since === undefined
          ? await store.listMessages({ room, limit: options.limits.pageSize })
          : await store.listMessages({ room, after: since, limit: options.limits.catchUpLimit });
    } catch (error) {
      // A failed join leaves the socket where it was: not receiving a room it could not read.
      if (!wasIn) {
        await socket.leave(socketRoom);
        this.presence.left(room, socket.data.visitorId);
      }
      throw error;
    }
    return { room, messages: page.messages, hasMore: page.hasMore, online: this.presence.count(room) };
  }

  async message(socket: VisitorSocket, payload: unknown) {
    const { room, message, clientId } = parsePayload(this.#ctx.schemas.message, payload);
    if (!socket.rooms.has(socketRooms.chatRoom(room))) {
      throw new ChatError('FORBIDDEN', 'Join the room before sending messages to it');
    }
    const { store, roomQueue, options } = this.#ctx;
    const sender = visitorOf(socket);
    // Awaited only when configured: an `await` of nothing still costs every message a turn.
    const { beforeMessage } = options.hooks;
    if (beforeMessage) await beforeMessage({ room, message, sender });
    const result = await roomQueue.run(room, async () => {
      const appended = await store.appendMessage({
        room,
        sender: { id: sender.id, name: sender.name, role: 'visitor' },
        message,
        clientId,
        timestamp: new Date(),
      });
      // Broadcast inside the room's queue, so every client receives the room in seq order. The
      // sending socket has the message in its ack; the visitor's other tabs get the broadcast.
      if (!appended.duplicate) socket.to(socketRooms.chatRoom(room)).emit('message', appended.message);
      return appended;
    });
    if (!result.duplicate && options.hooks.onMessage) {
      this.#ctx.runHook('onMessage', () => options.hooks.onMessage?.(result.message, sender));
    }
    return { message: result.message };
  }

  async history(
    payload: unknown,
    visitor: Visitor,
    joined: (room: string) => boolean,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const { room, before, limit } = parsePayload(this.#ctx.schemas.history, payload);
    if (!joined(room)) await this.checkAccess(room, visitor);
    return this.#ctx.store.listMessages({ room, before, limit: limit ?? this.#ctx.options.limits.pageSize });
  }

  /** Typing is volatile and unacknowledged: anything invalid is dropped silently. */
  typing(socket: VisitorSocket, payload: unknown): void {
    const parsed = this.#ctx.schemas.typing.safeParse(payload);
    if (!parsed.success || !socket.rooms.has(socketRooms.chatRoom(parsed.data.room))) return;
    const { room, typing } = parsed.data;
    const { visitorId, name } = socket.data;
    socket.to(socketRooms.chatRoom(room)).volatile.emit('typing', { room, sender: { id: visitorId, name, role: 'visitor' }, typing });
  }

  /** The chat rooms a socket is in, for announcing its departure. */
  roomsOf(socket: VisitorSocket): string[] {
    return [...socket.rooms]
      .filter((room) => room.startsWith(CHAT_ROOM_PREFIX))
      .map((room) => room.slice(CHAT_ROOM_PREFIX.length));
  }

  async checkAccess(room: string, visitor: Visitor): Promise<void> {
    const policy = this.#ctx.options.rooms;
    if (policy === undefined) return;
    if (typeof policy === 'function') {
      if (!(await policy(room, visitor))) throw new ChatError('FORBIDDEN', `You may not enter the room "${room}"`);
    } else if (!policy.includes(room)) {
      throw new ChatError('NOT_FOUND', `There is no room "${room}"`);
    }
  }
}

export function visitorOf(socket: { data: SocketData }): Visitor {
  return { id: socket.data.visitorId, name: socket.data.name, verified: socket.data.verified };
}

export type { VisitorSocket };
