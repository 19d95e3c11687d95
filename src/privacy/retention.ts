import { randomBytes } from 'node:crypto';
import type { ChatFiles } from '../files/files.js';
import type { ChatMessage } from '../protocol.js';
import type { ChatStore, ConversationRecord } from '../stores/types.js';
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
/** A node that dies holding the lease lets another take it this long after. */
const LEASE_MS = 2 * 60 * 1000;
/** The lease is renewed as the work goes, this long after it was last. */
const LEASE_RENEW_MS = 30 * 1000;
const BATCH = 200;
/** A sweep does at most this many batches of each kind; the next one goes on from there. */
const MAX_BATCHES = 50;
const LEASE_NAME = 'retention';

/**
 * Deletes what `privacy.retention` says is due, on one node at a time: each sweep takes a lease
 * in the store, renews it as it works and stops when it cannot. Every step finds its work afresh,
 * so a sweep cut short is finished by the next. It also finishes erasures and deletions that
 * failures cut short, so it runs, hourly, with or without retention rules.
 */
export class Retention {
  readonly #options: RetentionOptions | undefined;
  readonly #store: ChatStore;
  readonly #erasure: Erasure;
  readonly #files: ChatFiles | undefined;
  readonly #report: (error: unknown) => void;
  readonly #holder = randomBytes(9).toString('base64url');
  #timer: NodeJS.Timeout | undefined;
  /** When this node last took or renewed the lease. */
  #renewedAt = 0;
  /** The sweep this node is running: a second call while it runs waits for it rather than sweeping beside it. */
  #running: Promise<RetentionResult> | undefined;

  constructor(options: RetentionOptions | undefined, store: ChatStore, erasure: Erasure, files: ChatFiles | undefined, report: (error: unknown) => void) {
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
    } catch (error) {
      if (!(error instanceof LeaseLost)) throw error;
    } finally {
      // Given back at once, so the next sweep (on any node) need not wait for it to run out.
      await this.#lease(0).catch(() => undefined);
    }
    return result;
  }

  async #due(result: RetentionResult): Promise<void> {
    // First what failures cut short: erasures, and deletions whose messages may remain.
    await this.#step(() => this.#erasure.finishInterrupted());
    const { resolvedConversationsDays, messagesDays, inactiveVisitorsDays, filesDays } = this.#options ?? {};
    const before = (days: number) => new Date(Date.now() - days * DAY_MS);
    if (resolvedConversationsDays !== undefined) {
      const cutoff = before(resolvedConversationsDays);
      // Asked again of the conversation as it is when it goes: one reopened meanwhile stays.
      const stillDue = (current: ConversationRecord) => current.status === 'resolved' && current.updatedAt < cutoff;
      await this.#batches(async () => {
        const due = await this.#store.resolvedBefore(cutoff, BATCH);
        await this.#each(due, async (record) => {
          const deleted = await this.#erasure.deleteConversation(record, stillDue);
          if (deleted.deleted) result.conversations++;
          result.messages += deleted.messages;
          result.files += deleted.files;
        });
        return due.length;
      });
    }
    if (messagesDays !== undefined) {
      const cutoff = before(messagesDays);
      await this.#batches(async () => {
        const due = await this.#store.messagesBefore(cutoff, BATCH);
        // Files first: a message whose file could not be deleted stays, to be tried again.
        const deletable: ChatMessage[] = [];
        await this.#each(due, async (message) => {
          for (const file of message.files ?? []) result.files += await this.#removeFile(file.id);
          deletable.push(message);
        });
        result.messages += await this.#store.deleteMessages(deletable.map((message) => message.id));
        await this.#store.forgetLastMessages(
          deletable.filter((message) => message.room.includes('/')).map((message) => ({ conversationId: message.room.split('/')[1]!, messageId: message.id })),
        );
        return due.length;
      });
    }
    if (inactiveVisitorsDays !== undefined) {
      const cutoff = before(inactiveVisitorsDays);
      await this.#batches(async () => {
        const due = await this.#store.inactiveVisitors(cutoff, BATCH);
        await this.#each(due, async (visitorId) => {
          const erased = await this.#erasure.eraseVisitor(visitorId, 'delete');
          result.visitors++;
          result.messages += erased.messages;
          result.conversations += erased.conversations;
          result.files += erased.files;
        });
        return due.length;
      });
    }
    if (filesDays !== undefined && this.#files) {
      const cutoff = before(filesDays);
      await this.#batches(async () => {
        const due = await this.#files!.uploadedBefore(cutoff, BATCH);
        await this.#each(due, async (record) => {
          result.files += await this.#removeFile(record.id);
        });
        return due.length;
      });
    }
  }

  /**
   * One kind of work: its failure is reported and the sweep goes on to the next kind, unless the
   * lease was lost, which ends the sweep (another node has it now).
   */
  async #step(work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      this.#report(error);
    }
  }

  /** Runs `batch` (within `#step`) while it finds a full batch to do and the sweep's share lasts. */
  async #batches(batch: () => Promise<number>): Promise<void> {
    await this.#step(async () => {
      for (let done = 0; done < MAX_BATCHES; done++) if ((await batch()) < BATCH) return;
    });
  }

  /**
   * Each item in turn, the lease renewed as the work goes (an item can take long: a visitor's
   * whole erasure); one that fails is reported and passed, and the next sweep tries it again.
   */
  async #each<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
    for (const item of items) {
      if (Date.now() - this.#renewedAt > LEASE_RENEW_MS) {
        if (!(await this.#lease())) throw new LeaseLost();
      }
      try {
        await work(item);
      } catch (error) {
        this.#report(error);
      }
    }
  }

  async #removeFile(id: string): Promise<number> {
    if (!this.#files) return 0;
    await this.#files.remove(id);
    return 1;
  }

  async #lease(forMs = LEASE_MS): Promise<boolean> {
    const now = new Date();
    const held = await this.#store.lease(LEASE_NAME, this.#holder, now, new Date(now.getTime() + forMs));
    if (held) this.#renewedAt = now.getTime();
    return held;
  }
}

/** The sweep's lease went to another node: this one stops. */
class LeaseLost extends Error {
  constructor() {
    super('parley-chat: the retention sweep lost its lease to another node');
  }
}
