import type { Socket } from 'socket.io';
import type { Deadlines } from './deadlines.js';
import { ChatError } from './errors.js';

export interface AckedEventsContext {
  /** Throws the error a request must get now (the server is closing), or returns. */
  admit(): void;
  /** How long a request may wait (on storage, mostly) before it is answered `STORAGE_UNAVAILABLE`. */
  timeoutMs: number;
  deadlines: Deadlines;
  /** Normalises and logs an error; the client gets its payload only. */
  report(error: unknown): ChatError;
  /** Requests in progress, which close() waits for. */
  inFlight: Set<Promise<unknown>>;
}

/** What a request that waited too long on storage is answered; the one wording for every deadline. */
export const storageTimedOut = (): ChatError =>
  new ChatError('STORAGE_UNAVAILABLE', 'The chat database is not answering; try again shortly');

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
 * with the same clientId returns it).
 */
export function ackedEvents(context: AckedEventsContext) {
  const timedOut = { ok: false, error: storageTimedOut().toPayload() };

  return function acked<S extends Socket, R extends object>(
    rateLimit: (socket: S) => void,
    handler: (socket: S, payload: unknown) => Promise<R>,
  ): (this: S, payload: unknown, ack: unknown) => void {
    return function listener(this: S, payload: unknown, ack: unknown): void {
      // `emit('join', callback)`: the callback came where the payload goes.
      if (typeof payload === 'function' && ack === undefined) {
        ack = payload;
        payload = undefined;
      }
      if (typeof ack !== 'function') return;
      let answered = false;
      const answer = (response: object) => {
        if (answered) return;
        answered = true;
        (ack as (response: object) => void)(response);
      };
      let work: Promise<R>;
      try {
        context.admit();
        rateLimit(this);
        work = handler(this, payload);
      } catch (error) {
        answer({ ok: false, error: context.report(error).toPayload() });
        return;
      }
      const cancelDeadline = context.deadlines.start(context.timeoutMs, () => answer(timedOut));
      const settled = () => {
        cancelDeadline();
        context.inFlight.delete(done);
      };
      const done: Promise<void> = work.then(
        (result) => {
          settled();
          answer({ ok: true, ...result });
        },
        (error: unknown) => {
          settled();
          answer({ ok: false, error: context.report(error).toPayload() });
        },
      );
      context.inFlight.add(done);
    };
  };
}

export type AckedListener = ReturnType<typeof ackedEvents>;

/**
 * Answers an event nobody listens for (an unknown name, or an operator's event sent to the
 * visitors' namespace) when it came with an acknowledgement: `NOT_FOUND`, rather than silence a
 * client would wait on. It counts against the sender's event limit like any event. One listener
 * serves every socket of a namespace (it takes its socket from `this`).
 */
export function unknownEvents<S extends Socket>(
  known: readonly string[],
  rateLimit: (socket: S) => void,
  report: (error: unknown) => ChatError,
): (this: S, event: string, ...args: unknown[]) => void {
  const names = new Set(known);
  return function unknown(this: S, event: string, ...args: unknown[]): void {
    const ack = args.at(-1);
    if (names.has(event) || typeof ack !== 'function') return;
    let error: ChatError;
    try {
      rateLimit(this);
      error = new ChatError('NOT_FOUND', `There is no "${String(event).slice(0, 64)}" event here`);
    } catch (refusal) {
      error = report(refusal);
    }
    (ack as (response: object) => void)({ ok: false, error: error.toPayload() });
  };
}
