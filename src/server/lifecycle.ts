import type { ChatStore } from '../stores/types.js';
import { storageTimedOut } from './acked-events.js';
import type { Deadlines } from './deadlines.js';
import { ChatError } from './errors.js';
import type { ChatLogger } from './options.js';

/** `/health` answers within this, 503 when storage has not answered by then. */
const HEALTH_TIMEOUT_MS = 750;

const shuttingDown = () =>
  new ChatError('STORAGE_UNAVAILABLE', 'The chat server is restarting; try again shortly', { retryable: true });

const unreachable = () => new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database right now; try again shortly');

/**
 * The chat's life: storage getting ready (and ready again after an outage, by itself), the health
 * check, and closing: refusing new work, draining what is in progress, then stopping.
 */
export class Lifecycle {
  /** Requests in progress, which close() waits for. */
  readonly inFlight = new Set<Promise<unknown>>();
  readonly #store: ChatStore;
  readonly #logger: ChatLogger;
  readonly #deadlines: Deadlines;
  readonly #storageTimeoutMs: number;
  #initialising: Promise<void> | undefined;
  /** Whether the last storage initialisation failed, so an outage is logged once, not per client. */
  #storageDown = false;
  readonly #stopWatchingStore: (() => void) | undefined;
  /** Set when close() starts: no new connections or requests are accepted. */
  #closing: Promise<void> | undefined;
  /** Set once draining is over: the chat's HTTP traffic is no longer served. */
  #closed = false;

  readonly #initAlso: (() => Promise<void>) | undefined;

  /** `initAlso` gets ready with the store, each time it does (the file records' indexes). */
  constructor(store: ChatStore, logger: ChatLogger, deadlines: Deadlines, storageTimeoutMs: number, initAlso?: () => Promise<void>) {
    this.#store = store;
    this.#initAlso = initAlso;
    this.#logger = logger;
    this.#deadlines = deadlines;
    this.#storageTimeoutMs = storageTimeoutMs;
    // Storage starts initialising at once, and again whenever the store reports it reachable
    // (a database that comes up late or comes back); handshakes retry it too.
    this.#stopWatchingStore = store.onAvailable?.(() => {
      this.#initialising = undefined;
      void this.ready().catch(() => undefined);
    });
    void this.ready().catch(() => undefined);
  }

  get closing(): boolean {
    return this.#closing !== undefined;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Refuses new work once close() has begun. */
  admit(): void {
    if (this.#closing) throw shuttingDown();
  }

  ready(): Promise<void> {
    this.#initialising ??= this.#store.init().then(() => this.#initAlso?.()).then(
      () => {
        if (this.#storageDown) this.#logger.warn('parley-chat: storage is ready again');
        this.#storageDown = false;
      },
      (error: unknown) => {
        this.#initialising = undefined;
        if (!this.#storageDown) {
          // A store that only says it is not connected (yet) is waited for; anything else is a fault.
          const waiting = error instanceof ChatError && error.code === 'STORAGE_UNAVAILABLE' && !error.cause;
          if (waiting) this.#logger.warn('parley-chat: waiting for the database; handshakes are refused until it answers');
          else this.#logger.error('parley-chat: storage is not ready; handshakes will be refused until it is', error);
        }
        this.#storageDown = true;
        throw error instanceof ChatError ? error : new ChatError('STORAGE_UNAVAILABLE', unreachable().message, { cause: error });
      },
    );
    return this.#initialising;
  }

  /** For a handshake: storage is ready within the storage timeout, or a retryable refusal. */
  async storageReady(): Promise<void> {
    this.admit();
    try {
      await this.withinStorageTimeout(this.ready());
    } catch {
      // ready() logged the outage once; refused handshakes are not logged again one by one.
      throw unreachable();
    }
  }

  /**
   * Answers `STORAGE_UNAVAILABLE` when `work` takes longer than `limits.storageTimeoutMs`. The work
   * itself goes on (nothing can cancel a driver operation), so a write may still land: that is
   * why the error is retryable and retries carry the same clientId.
   */
  withinStorageTimeout<T>(work: Promise<T>): Promise<T> {
    return this.#deadlines.within(work, this.#storageTimeoutMs, () => {
      throw storageTimedOut();
    });
  }

  /** Answers within HEALTH_TIMEOUT_MS: a load balancer must not wait on a database that hangs. */
  async health(): Promise<void> {
    const check = async () => {
      await this.ready();
      await this.#store.ping();
    };
    try {
      await this.#deadlines.within(check(), HEALTH_TIMEOUT_MS, () => {
        throw new ChatError('STORAGE_UNAVAILABLE', 'The chat database did not answer in time');
      });
    } catch (error) {
      if (error instanceof ChatError) throw error;
      throw new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database', { cause: error });
    }
  }

  /**
   * Stops accepting work, waits for requests in progress (at most `drainTimeoutMs`), then runs
   * `stop`. Called again, it returns the same promise.
   */
  close(drainTimeoutMs: number, stop: () => Promise<void>): Promise<void> {
    this.#closing ??= (async () => {
      await this.#deadlines.within(Promise.allSettled([...this.inFlight]), drainTimeoutMs, () => undefined);
      this.#closed = true;
      this.#stopWatchingStore?.();
      await stop();
    })();
    return this.#closing;
  }
}
