/**
 * Runs tasks one at a time per key, in arrival order; different keys run concurrently. The chat
 * stores and broadcasts a room's messages through it so that clients receive them in `seq` order,
 * which is what lets a reconnecting client catch up from the last seq it saw without a gap.
 *
 * A task for an idle key starts at once, at the cost of one promise beyond its own: this is on
 * every message's path.
 */
const NONE_WAITING = 0;

export class KeyedQueue {
  /** Keys with a running task, each with the starters of the tasks waiting behind it, if any. */
  readonly #waiting = new Map<string, (() => void)[] | typeof NONE_WAITING>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) {
      this.#waiting.set(key, NONE_WAITING);
      return this.#start(key, task);
    }
    return new Promise<T>((resolve, reject) => {
      const start = () => void this.#start(key, task).then(resolve, reject);
      if (waiting === NONE_WAITING) this.#waiting.set(key, [start]);
      else waiting.push(start);
    });
  }

  #start<T>(key: string, task: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      result = task();
    } catch (error) {
      result = Promise.reject(error);
    }
    // The next task starts whether this one failed or not; callers see the failure on `result`.
    const next = () => {
      const waiting = this.#waiting.get(key);
      const following = waiting === NONE_WAITING ? undefined : waiting?.shift();
      if (following) following();
      else this.#waiting.delete(key);
    };
    result.then(next, next);
    return result;
  }

  /** Keys with queued or running tasks. */
  get size(): number {
    return this.#waiting.size;
  }
}
