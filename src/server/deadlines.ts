/**
 * Every deadline the chat sets on a request, on one timer: an acknowledged event that waits on
 * storage, a handshake, the health check, a count across nodes. The message path is the chat's
 * hottest, so a request costs an entry in a set rather than a timer of its own; the timer runs
 * only while something waits, and often enough for the shortest deadline waiting (a quarter of
 * it, between 25 ms and a second).
 */
export class Deadlines {
  readonly #pending = new Set<{ at: number; expire: () => void }>();
  #timer: NodeJS.Timeout | undefined;
  #every = Infinity;

  /** Calls `expire` once `ms` have passed, unless the returned function is called first. */
  start(ms: number, expire: () => void): () => void {
    const entry = { at: Date.now() + ms, expire };
    this.#pending.add(entry);
    const every = Math.max(25, Math.min(1000, Math.floor(ms / 4)));
    if (every < this.#every) {
      clearInterval(this.#timer);
      this.#every = every;
      this.#timer = setInterval(() => this.#sweep(), every).unref();
    }
    return () => this.#pending.delete(entry);
  }

  /**
   * `work`'s outcome, or after `ms` the outcome of `timedOut()`: its value, or its error when it
   * throws. The work itself goes on (nothing can cancel a driver operation).
   */
  within<T, F = never>(work: Promise<T>, ms: number, timedOut: () => F): Promise<T | F> {
    return new Promise<T | F>((resolve, reject) => {
      const cancel = this.start(ms, () => {
        try {
          resolve(timedOut());
        } catch (error) {
          reject(error);
        }
      });
      work.then(
        (value) => {
          cancel();
          resolve(value);
        },
        (error: unknown) => {
          cancel();
          reject(error);
        },
      );
    });
  }

  #sweep(): void {
    const now = Date.now();
    for (const entry of this.#pending) {
      if (entry.at > now) continue;
      this.#pending.delete(entry);
      entry.expire();
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#every = Infinity;
    }
  }
}
