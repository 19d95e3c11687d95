import { randomBytes } from 'node:crypto';
import type { ChatFiles } from '../files/files.js';
import type { ChatStore } from '../stores/types.js';
import type { Erasure } from './erasure.js';
import type { RetentionOptions } from './retention-options.js';

/** What one sweep removed. `ran` is false when another node was sweeping (it holds the lease). */
export interface RetentionResult {
  ran: boolean;
  messages: number;
  conversations: number;
  visitors: number;
  files: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SWEEP_EVERY_MS = 60 * 60 * 1000;
/** Long enough for a batch; a node that dies holding it lets another take it this long after. */
const LEASE_MS = 2 * 60 * 1000;
const BATCH = 200;
/** A sweep does at most this many batches of each kind; the next one goes on from there. */
const MAX_BATCHES = 50;
const LEASE_NAME = 'retention';

/**
 * Deletes what `privacy.retention` says is due, on one node at a time: each sweep takes a lease
 * in the store, renews it between batches and stops when it cannot. Every step finds its work
 * afresh, so a sweep cut short is finished by the next.
 */
export class Retention {
  readonly #options: RetentionOptions;
  readonly #store: ChatStore;
  readonly #erasure: Erasure;
  readonly #files: ChatFiles | undefined;
  readonly #report: (error: unknown) => void;
  readonly #holder = randomBytes(9).toString('base64url');
  #timer: NodeJS.Timeout | undefined;
  /** The sweep this node is running: a second call while it runs waits for it rather than sweeping beside it. */
  #running: Promise<RetentionResult> | undefined;

  constructor(options: RetentionOptions, store: ChatStore, erasure: Erasure, files: ChatFiles | undefined, report: (error: unknown) => void) {
    this.#options = options;
    this.#store = store;
    this.#erasure = erasure;
    this.#files = files;
    this.#report = report;
  }

  /** Sweeps every hour, the first a minute or two after start (nodes started together spread out). */
  start(): void {
    const run = (delay: number) => {
      this.#timer = setTimeout(() => {
        this.sweep()
          .catch((error: unknown) => this.#report(error))
          .finally(() => {
            if (this.#timer) run(SWEEP_EVERY_MS);
          });
      }, delay);
      this.#timer.unref();
    };
    run(60_000 + Math.floor(Math.random() * 60_000));
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  sweep(): Promise<RetentionResult> {
    this.#running ??= this.#sweep().finally(() => (this.#running = undefined));
    return this.#running;
  }

  async #sweep(): Promise<RetentionResult> {
    const result: RetentionResult = { ran: false, messages: 0, conversations: 0, visitors: 0, files: 0 };
    if (!(await this.#lease())) return result;
    result.ran = true;
    try {
      await this.#due(result);
    } finally {
      // Given back at once, so the next sweep (on any node) need not wait for it to run out.
      await this.#lease(0).catch(() => undefined);
    }
    return result;
  }

  async #due(result: RetentionResult): Promise<void> {
    const { resolvedConversationsDays, messagesDays, inactiveVisitorsDays, filesDays } = this.#options;
    const before = (days: number) => new Date(Date.now() - days * DAY_MS);
    if (resolvedConversationsDays !== undefined) {
      const cutoff = before(resolvedConversationsDays);
      await this.#batches(async () => {
        const due = await this.#store.resolvedBefore(cutoff, BATCH);
        for (const record of due) {
          const deleted = await this.#erasure.deleteConversation(record);
          if (deleted.deleted) result.conversations++;
          result.messages += deleted.messages;
          result.files += deleted.files;
        }
        return due.length;
      });
    }
    if (messagesDays !== undefined) {
      const cutoff = before(messagesDays);
      await this.#batches(async () => {
        const deleted = await this.#store.deleteMessagesBefore(cutoff, BATCH);
        result.messages += deleted.length;
        for (const message of deleted) for (const file of message.files ?? []) result.files += await this.#removeFile(file.id);
        return deleted.length;
      });
      await this.#store.forgetLastMessagesBefore(cutoff);
    }
    if (inactiveVisitorsDays !== undefined) {
      const cutoff = before(inactiveVisitorsDays);
      await this.#batches(async () => {
        const due = await this.#store.inactiveVisitors(cutoff, BATCH);
        for (const visitorId of due) {
          const erased = await this.#erasure.eraseVisitor(visitorId, 'delete');
          result.visitors++;
          result.messages += erased.messages;
          result.conversations += erased.conversations;
          result.files += erased.files;
        }
        return due.length;
      });
    }
    if (filesDays !== undefined && this.#files) {
      const cutoff = before(filesDays);
      await this.#batches(async () => {
        const due = await this.#files!.uploadedBefore(cutoff, BATCH);
        for (const record of due) result.files += await this.#removeFile(record.id);
        return due.length;
      });
    }
  }

  /** Runs `batch` while it finds a full batch to do, the lease is still this node's, and the sweep's share lasts. */
  async #batches(batch: () => Promise<number>): Promise<void> {
    for (let done = 0; done < MAX_BATCHES; done++) {
      if ((await batch()) < BATCH || !(await this.#lease())) return;
    }
  }

  async #removeFile(id: string): Promise<number> {
    if (!this.#files) return 0;
    await this.#files.remove(id);
    return 1;
  }

  #lease(forMs = LEASE_MS): Promise<boolean> {
    const now = new Date();
    return this.#store.lease(LEASE_NAME, this.#holder, now, new Date(now.getTime() + forMs));
  }
}
