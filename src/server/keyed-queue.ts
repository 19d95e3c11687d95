import { storageTimedOut } from './acked-events.js';
import { ChatError } from './errors.js';

/**
 * Runs tasks one at a time per key, in arrival order; different keys run concurrently. The chat
 * stores and broadcasts a thread's messages through it so that clients receive them in `seq`
 * order, which is what lets a reconnecting client catch up from the last seq it saw without a gap.
 *
 * A task for an idle key starts at once, at the cost of one promise beyond its own: this is on
 * every message's path. A key holds at most `maxWaiting` tasks waiting behind the running one:
 * past that, new ones are refused at once (retryable) rather than queued behind a database that
 * has stopped answering. A task whose deadline passed while it waited is not started: whoever
 * asked has been answered already.
 */
const NONE_WAITING = 0;

export class KeyedQueue {
  /** Keys with a running task, each with the starters of the tasks waiting behind it, if any. */
  readonly #waiting = new Map<string, (() => void)[] | typeof NONE_WAITING>();
  readonly #maxWaiting: number;

  constructor(maxWaiting = Number.POSITIVE_INFINITY) {
    this.#maxWaiting = maxWaiting;
  }

  run<T>(key: string, task: () => Promise<T>, { deadline }: { deadline?: number } = {}): Promise<T> {
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) {
      this.#waiting.set(key, NONE_WAITING);
      return this.#start(key, task);
    }
    if (waiting !== NONE_WAITING && waiting.length >= this.#maxWaiting) {
      return Promise.reject(new ChatError('STORAGE_UNAVAILABLE', 'Too much is waiting to be stored here; try again shortly'));
    }
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        const late = deadline !== undefined && Date.now() > deadline;
        void this.#start(key, late ? () => Promise.reject(storageTimedOut()) : task).then(resolve, reject);
      };
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
