import type { Socket } from 'socket.io';
import type { ChatError } from './errors.js';

export interface AckedEventsContext {
  /** Throws the error a request must get now (the server is closing), or returns. */
  admit(): void;
  /** Bounds how long a handler may wait on storage. */
  withinStorageTimeout<T>(work: Promise<T>): Promise<T>;
  /** Normalises and logs an error; the client gets its payload only. */
  report(error: unknown): ChatError;
  /** Requests in progress, which close() waits for. */
  inFlight: Set<Promise<unknown>>;
}

/**
 * Registers acknowledged events, on any namespace: admission, rate limit, handler, and exactly
 * one ack of the `{ ok }` shape. An event without an ack callback is ignored: nothing to answer,
 * nothing stored. Handlers parse their own payload, so one event can take several shapes.
 */
export function ackedEvents(context: AckedEventsContext) {
  return function on<R extends object>(
    socket: Socket,
    event: string,
    rateLimit: () => void,
    handler: (payload: unknown) => Promise<R>,
  ): void {
    socket.on(event, (payload: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return;
      const run = (async () => {
        try {
          context.admit();
          rateLimit();
          const result = await context.withinStorageTimeout(handler(payload));
          ack({ ok: true, ...result });
        } catch (error) {
          ack({ ok: false, error: context.report(error).toPayload() });
        }
      })();
      context.inFlight.add(run);
      void run.finally(() => context.inFlight.delete(run));
    });
  };
}

export type OnAckedEvent = ReturnType<typeof ackedEvents>;
