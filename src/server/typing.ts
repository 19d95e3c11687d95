import type { Socket } from 'socket.io';
import type { z } from 'zod';
import type { Sender } from '../protocol.js';
import type { ChatContext } from './context.js';
import { ChatError } from './errors.js';

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
  return function typing(this: S, payload: unknown, ack?: unknown): void {
    // Typing wants no answer; a client that asks for one anyway gets one.
    const answer = typeof ack === 'function' ? (ack as (response: object) => void) : undefined;
    if (ctx.isClosing()) {
      answer?.({ ok: false, error: new ChatError('STORAGE_UNAVAILABLE', 'The chat server is restarting; try again shortly').toPayload() });
      return;
    }
    if (ctx.limits.exceeded('event', senderKey(this))) {
      answer?.({ ok: false, error: new ChatError('RATE_LIMITED', 'Too many events; typing is dropped for now').toPayload() });
      return;
    }
    const parsed = schemaOf(payload).safeParse(payload);
    if (parsed.success) relay(this, parsed.data);
    answer?.(parsed.success ? { ok: true } : { ok: false, error: new ChatError('VALIDATION', 'Invalid typing event').toPayload() });
  };
}

/**
 * Who is typing, as the other side sees it: a visitor in a room by the id others see there, a
 * visitor in their conversation (seen by the team) by their visitor id, an operator by their
 * opaque sender id.
 */
export function typingSender(data: { visitorId: string; senderId: string; name: string } | { operatorId: string; senderId: string; name: string }, inRoom = false): Sender {
  if ('operatorId' in data) return { id: data.senderId, name: data.name, role: 'operator' };
  return { id: inRoom ? data.senderId : data.visitorId, name: data.name, role: 'visitor' };
}
