import type { Socket } from 'socket.io';
import type { ChatErrorPayload } from '../protocol.js';
import type { ChatError } from './errors.js';

export interface AckedEventsContext {
  /** Throws the error a request must get now (the server is closing), or returns. */
  admit(): void;
  /** How long a request may wait (on storage, mostly) before it is answered `STORAGE_UNAVAILABLE`. */
  timeoutMs: number;
  /** Normalises and logs an error; the client gets its payload only. */
  report(error: unknown): ChatError;
  /** Requests in progress, which close() waits for. */
  inFlight: Set<Promise<unknown>>;
}

const TIMED_OUT: ChatErrorPayload = {
  code: 'STORAGE_UNAVAILABLE',
  message: 'The chat database is not answering; try again shortly',
  retryable: true,
};

/** A request awaiting its one answer: from its handler, or from the sweep when it takes too long. */
class Pending {
  readonly deadline: number;
  #ack: ((response: object) => void) | undefined;

  constructor(deadline: number, ack: (response: object) => void) {
    this.deadline = deadline;
    this.#ack = ack;
  }

  /** Sends `response` unless an answer went already; returns whether this one was sent. */
  answer(response: object): boolean {
    const ack = this.#ack;
    if (!ack) return false;
    this.#ack = undefined;
    ack(response);
    return true;
  }
}

/**
 * Builds listeners for acknowledged events, on any namespace: admission, rate limit, handler, and
 * exactly one ack of the `{ ok }` shape. An event without an ack callback is ignored: nothing to
 * answer, nothing stored. Handlers parse their own payload, so one event can take several shapes.
 *
 * A listener takes its socket from `this` (Socket.IO calls listeners on the socket), so one
 * listener can serve every socket of a namespace: a connection then costs no closures per event.
 *
 * A request that takes longer than `timeoutMs` is answered `STORAGE_UNAVAILABLE` (retryable; the
 * work goes on, nothing can cancel a driver operation, so a write may still land and a retry
 * with the same clientId returns it). One sweep a second finds them, rather than a timer per
 * request: the message path is the chat's hottest.
 */
export function ackedEvents(context: AckedEventsContext) {
  const pending = new Set<Pending>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = () => {
    const now = Date.now();
    for (const request of pending) {
      if (request.deadline > now) continue;
      pending.delete(request);
      request.answer({ ok: false, error: TIMED_OUT });
    }
    if (pending.size === 0) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const sweepEvery = Math.max(50, Math.min(1000, Math.floor(context.timeoutMs / 4)));

  return function acked<S extends Socket, R extends object>(
    rateLimit: (socket: S) => void,
    handler: (socket: S, payload: unknown) => Promise<R>,
  ): (this: S, payload: unknown, ack: unknown) => void {
    return function listener(this: S, payload: unknown, ack: unknown): void {
      if (typeof ack !== 'function') return;
      const request = new Pending(Date.now() + context.timeoutMs, ack as (response: object) => void);
      let work: Promise<R>;
      try {
        context.admit();
        rateLimit(this);
        work = handler(this, payload);
      } catch (error) {
        request.answer({ ok: false, error: context.report(error).toPayload() });
        return;
      }
      pending.add(request);
      sweeper ??= setInterval(sweep, sweepEvery).unref();
      const done: Promise<void> = work.then(
        (result) => {
          context.inFlight.delete(done);
          if (request.answer({ ok: true, ...result })) pending.delete(request);
        },
        (error: unknown) => {
          context.inFlight.delete(done);
          const payload = context.report(error).toPayload();
          if (request.answer({ ok: false, error: payload })) pending.delete(request);
        },
      );
      context.inFlight.add(done);
    };
  };
}

export type AckedListener = ReturnType<typeof ackedEvents>;
