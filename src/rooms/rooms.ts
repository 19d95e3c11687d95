import { forReader, oneForReader } from '../files/links.js';
import { uploaderOf } from '../files/records.js';
import type { Socket } from 'socket.io';
import type { InterServerEvents } from '../cluster/inter-node-events.js';
import { RoomPresence } from '../cluster/room-presence.js';
import type { ChatMessage, ClientToServerEvents, ServerToClientEvents, TypingPayload } from '../protocol.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { SocketData } from '../server/socket-data.js';
import type { Visitor } from '../server/options.js';
import { parsePayload } from '../server/payloads.js';
import { SharedAttempts } from '../server/shared-attempts.js';
import { typingSender } from '../server/typing.js';
import type { AppendResult, MessageDraft } from '../stores/types.js';
import { roomMessagePublished } from '../webhooks/events.js';

export type VisitorSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/** Public rooms: group chat, where everyone in a room sees every message. */
export class Rooms {
  readonly #ctx: ChatContext;
  /** Who is in each room, across nodes. */
  readonly presence: RoomPresence;
  readonly #attempts = new SharedAttempts<AppendResult>((result) => ({ ...result, duplicate: true }));

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    this.presence = new RoomPresence(ctx);
  }

  async join(socket: VisitorSocket, payload: unknown) {
    const { room, since } = parsePayload(this.#ctx.payloads.join, payload);
    await this.checkAccess(room, visitorOf(socket));
    // Join before reading, so a message stored meanwhile is broadcast to this socket rather than
    // missed; the client merges by seq.
    const channel = channels.room(room);
    const wasIn = socket.rooms.has(channel);
    await socket.join(channel);
    if (!wasIn) this.presence.joined(room, socket.data.visitorId);
    let page;
    try {
      page = await this.#ctx.store.listMessages({ room, ...this.#ctx.joinPage(since) });
    } catch (error) {
      // A failed join leaves the socket where it was: not receiving a room it could not read.
      if (!wasIn) {
        await socket.leave(channel);
        this.presence.left(room, socket.data.visitorId);
      }
      throw error;
    }
    return {
      room,
      messages: this.#public(page.messages, room),
      hasMore: page.hasMore,
      ...(page.settledSeq === undefined ? {} : { settledSeq: page.settledSeq }),
      online: this.presence.count(room),
    };
  }

  async message(socket: VisitorSocket, payload: unknown) {
    const { room, message, clientId, retry, files: fileIds } = parsePayload(this.#ctx.payloads.message, payload);
    if (!socket.rooms.has(channels.room(room))) {
      throw new ChatError('FORBIDDEN', 'Join the room before sending messages to it');
    }
    const { options, files } = this.#ctx;
    await this.#ctx.consent?.check(socket);
    const sender = visitorOf(socket);
    // Awaited only when configured: an `await` of nothing still costs every message a turn.
    const { beforeMessage } = options.hooks;
    if (beforeMessage) await beforeMessage({ room, message, sender });
    const sent = fileIds?.length ? await files!.claim(fileIds, uploaderOf(socket.data), { where: `room:${room}`, clientId }) : undefined;
    // Stored under the id others may see (see SocketData.senderId), not the visitor's own.
    const draft = { room, sender: { id: socket.data.senderId, name: sender.name, role: 'visitor' as const }, message, clientId, timestamp: new Date(), files: sent };
    const result = await this.#attempts.run(`${room}\u0000${sender.id}\u0000${clientId}`, () => this.#store(draft, retry === true, socket.id));
    const stored = oneForReader(files?.links, result.message, `r:${room}`);
    // A retry of a stored message is broadcast again: its first attempt may have stored it and
    // failed before telling the room. Clients keep messages by id, so nobody sees it twice.
    if (result.duplicate) {
      if (retry) socket.to(channels.room(room)).emit('message', stored);
    } else if (options.hooks.onMessage) this.#ctx.runHook('onMessage', () => options.hooks.onMessage?.(result.message, sender));
    // Written before the answer (again for a retry: the same event, which changes nothing).
    const { webhooks } = this.#ctx;
    if (webhooks) await roomMessagePublished(webhooks, result.message);
    return { message: stored };
  }

  /**
   * Stores and broadcasts inside the room's queue, so every client receives the room in seq order.
   * The sending socket has the message in its ack; the visitor's other tabs get the broadcast.
   */
  #store(draft: MessageDraft, retry: boolean, senderSocket: string): Promise<AppendResult> {
    const { store, threadQueue, options, visitorNamespace } = this.#ctx;
    return threadQueue.run(
      draft.room,
      async () => {
        const appended = await store.appendMessage(draft, { retry });
        if (!appended.duplicate) {
          const message = oneForReader(this.#ctx.files?.links, appended.message, `r:${draft.room}`);
          visitorNamespace().to(channels.room(draft.room)).except(senderSocket).emit('message', message);
        }
        return appended;
      },
      { deadline: Date.now() + options.limits.storageTimeoutMs },
    );
  }

  async history(
    payload: unknown,
    visitor: Visitor,
    joined: (room: string) => boolean,
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }> {
    const { room, before, limit } = parsePayload(this.#ctx.payloads.history, payload);
    if (!joined(room)) await this.checkAccess(room, visitor);
    const page = await this.#ctx.store.listMessages({ room, before, limit: limit ?? this.#ctx.options.limits.pageSize });
    return { messages: this.#public(page.messages, room), hasMore: page.hasMore };
  }

  /**
   * Messages as other visitors may see them: a host user's id is never among them, even on older
   * messages; their files' URLs signed for the room.
   */
  #public(messages: ChatMessage[], room: string): ChatMessage[] {
    const { tokens } = this.#ctx;
    const shown = messages.map((message) =>
      message.sender.id.startsWith('user:') ? { ...message, sender: { ...message.sender, id: tokens.publicId(message.sender.id) } } : message,
    );
    return forReader(this.#ctx.files?.links, shown, `r:${room}`);
  }

  /** Typing reaches the others in the room, from a socket that joined it. */
  typing(socket: VisitorSocket, { room, typing }: TypingPayload): void {
    const channel = channels.room(room);
    if (!socket.rooms.has(channel)) return;
    socket.to(channel).volatile.emit('typing', { room, sender: typingSender(socket.data, true), typing });
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
