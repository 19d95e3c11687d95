/**
 * Identical requests in flight on this node share one attempt: a client that resends a message
 * while the first send is still being stored (its ack was slow, it reconnected) gets the first
 * one's answer, as a repeat gets it (`asRepeat`), instead of queueing a second attempt behind the
 * first. Holds only what is in flight.
 */
export class SharedAttempts<T> {
  readonly #inFlight = new Map<string, Promise<T>>();
  readonly #asRepeat: (result: T) => T;

  constructor(asRepeat: (result: T) => T) {
    this.#asRepeat = asRepeat;
  }

  run(key: string, attempt: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key);
    if (running) return running.then(this.#asRepeat);
    const started = attempt().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, started);
    return started;
  }
}
