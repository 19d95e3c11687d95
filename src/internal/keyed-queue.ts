/**
 * Runs tasks one at a time per key, in arrival order; different keys run concurrently. The chat
 * stores and broadcasts a room's messages through it so that clients receive them in `seq` order,
 * which is what lets a reconnecting client catch up from the last seq it saw without a gap.
 */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    // The chain continues whether the task failed or not; callers see the failure on `result`.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }

  /** Keys with queued or running tasks. */
  get size(): number {
    return this.#tails.size;
  }
}
