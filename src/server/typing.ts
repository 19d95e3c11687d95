import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Sender } from '../protocol.js';
import type { ChatContext } from './context.js';

/**
 * The listener of a `typing` event, on either namespace, shared by every socket (it takes its
 * socket from `this`). Typing is volatile and unacknowledged: an event that comes while the chat
 * closes, over the sender's event limit, or with a payload `schemaOf` refuses, is dropped
 * silently; a valid one goes to `relay`, which decides who hears it.
 */
export function typingListener<S extends Socket, P>(
  ctx: ChatContext,
  senderKey: (socket: S) => string,
  schemaOf: (payload: unknown) => z.ZodType<P>,
  relay: (socket: S, payload: P) => void,
): (this: S, payload: unknown) => void {
  return function typing(this: S, payload: unknown): void {
    if (ctx.isClosing() || ctx.limits.exceeded('event', senderKey(this))) return;
    const parsed = schemaOf(payload).safeParse(payload);
    if (parsed.success) relay(this, parsed.data);
  };
}

/** Who is typing, as the other side sees it: a visitor by their id, an operator by their opaque sender id. */
export function typingSender(data: { visitorId: string; name: string } | { senderId: string; name: string }): Sender {
  return 'visitorId' in data
    ? { id: data.visitorId, name: data.name, role: 'visitor' }
    : { id: data.senderId, name: data.name, role: 'operator' };
}
