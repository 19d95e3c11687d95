import type { Connection } from 'mongoose';
import { rawOperationOptions } from '../stores/mongoose/raw-options.js';
import type { WebhookEventType } from './options.js';

/** One event on its way to one endpoint. Its id is the event's and the URL's, so writing it again changes nothing. */
export interface OutboxEntry {
  id: string;
  /** The `webhook-id` of every attempt: made from what happened, never at random. */
  eventId: string;
  type: WebhookEventType;
  url: string;
  /** The request body, fixed when the event happened. */
  body: string;
  createdAt: Date;
  nextAttemptAt: Date;
  attempts: number;
  state: 'pending' | 'delivered' | 'failed';
}

/** One attempt to deliver an event, as `chat.webhooks.deliveries()` lists it. */
export interface WebhookDelivery {
  eventId: string;
  type: WebhookEventType;
  url: string;
  /** 1 for the first attempt. */
  attempt: number;
  at: Date;
  ok: boolean;
  /** The receiver's HTTP status; null when it did not answer. */
  status: number | null;
  /** Why it failed, when it did: the status, a timeout, a refused connection. */
  error?: string;
  durationMs: number;
  /** After this attempt: `pending` (retried at `nextAttemptAt`), `delivered`, or `failed` (given up). */
  state: OutboxEntry['state'];
  nextAttemptAt?: Date;
}

/** Where events wait for delivery, and the log of attempts: the chat's MongoDB, or memory beside a MemoryStore. */
export interface WebhookOutbox {
  init(): Promise<void>;
  /** Adds entries; one already there (the same event, written again by a retry) is left as it is. */
  add(entries: OutboxEntry[]): Promise<void>;
  /** Pending entries due by `now`, soonest first. */
  due(now: Date, limit: number): Promise<OutboxEntry[]>;
  /** What an attempt left: the entry's new state, and the attempt in the log. */
  settle(entry: OutboxEntry, delivery: WebhookDelivery): Promise<void>;
  deliveries(query: { eventId?: string; limit: number }): Promise<WebhookDelivery[]>;
}

/** Delivered and given-up entries, and the log, are kept this long. */
export const KEEP_DONE_MS = 7 * 24 * 60 * 60 * 1000;

/** The outbox in process memory, bounded: for one node on a MemoryStore. */
export class MemoryWebhookOutbox implements WebhookOutbox {
  static readonly MAX_ENTRIES = 10_000;
  static readonly MAX_LOG = 10_000;
  readonly #entries = new Map<string, OutboxEntry>();
  #log: WebhookDelivery[] = [];

  async init(): Promise<void> {}

  async add(entries: OutboxEntry[]): Promise<void> {
    for (const entry of entries) {
      if (this.#entries.has(entry.id)) continue;
      if (this.#entries.size >= MemoryWebhookOutbox.MAX_ENTRIES) this.#dropOldestDone();
      this.#entries.set(entry.id, { ...entry });
    }
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    return [...this.#entries.values()]
      .filter((entry) => entry.state === 'pending' && entry.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime())
      .slice(0, limit)
      .map((entry) => ({ ...entry }));
  }

  async settle(entry: OutboxEntry, delivery: WebhookDelivery): Promise<void> {
    const kept = this.#entries.get(entry.id);
    if (kept) Object.assign(kept, { state: delivery.state, attempts: delivery.attempt, nextAttemptAt: delivery.nextAttemptAt ?? kept.nextAttemptAt });
    this.#log.push({ ...delivery });
    if (this.#log.length > MemoryWebhookOutbox.MAX_LOG) this.#log = this.#log.slice(-MemoryWebhookOutbox.MAX_LOG / 2);
  }

  async deliveries({ eventId, limit }: { eventId?: string; limit: number }): Promise<WebhookDelivery[]> {
    return this.#log
      .filter((delivery) => eventId === undefined || delivery.eventId === eventId)
      .slice(-limit)
      .reverse()
      .map((delivery) => ({ ...delivery }));
  }

  #dropOldestDone(): void {
    for (const [id, entry] of this.#entries) {
      if (entry.state !== 'pending') {
        this.#entries.delete(id);
        return;
      }
    }
    // Everything is pending: the oldest goes, rather than memory growing without end.
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}

interface EntryDoc extends Omit<OutboxEntry, 'id'> {
  _id: string;
  doneAt?: Date;
}

/** The outbox in the chat's MongoDB (`<prefix>webhook_outbox`, `<prefix>webhook_deliveries`), through the raw driver. */
export class MongoWebhookOutbox implements WebhookOutbox {
  readonly #connection: Connection;
  readonly #prefix: string;
  readonly #options: ReturnType<typeof rawOperationOptions>;

  constructor(connection: Connection, prefix: string, timeoutMs: number) {
    this.#connection = connection;
    this.#prefix = prefix;
    this.#options = rawOperationOptions(timeoutMs);
  }

  get #entries() {
    return this.#connection.collection<EntryDoc>(`${this.#prefix}webhook_outbox`);
  }

  get #log() {
    return this.#connection.collection<WebhookDelivery>(`${this.#prefix}webhook_deliveries`);
  }

  async init(): Promise<void> {
    const expireAfterSeconds = KEEP_DONE_MS / 1000;
    // What is due, soonest first; done entries and old attempts expire by themselves.
    await this.#entries.createIndex({ state: 1, nextAttemptAt: 1 }, { name: 'state_nextAttemptAt' });
    await this.#entries.createIndex({ doneAt: 1 }, { name: 'doneAt_ttl', expireAfterSeconds });
    await this.#log.createIndex({ at: 1 }, { name: 'at_ttl', expireAfterSeconds });
    await this.#log.createIndex({ eventId: 1, at: -1 }, { name: 'eventId_at' });
  }

  async add(entries: OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const docs = entries.map(({ id, ...rest }) => ({ _id: id, ...rest }));
    try {
      await this.#entries.insertMany(docs, { ordered: false, ...this.#options.write() } as never);
    } catch (error) {
      // Entries written before (a retry of the same change) are the same events: only those may fail.
      const writeErrors = (error as { writeErrors?: Array<{ code?: number }> | { code?: number } }).writeErrors;
      const failures = Array.isArray(writeErrors) ? writeErrors : writeErrors ? [writeErrors] : [];
      if ((error as { code?: number }).code !== 11000 && (failures.length === 0 || failures.some((failure) => failure.code !== 11000))) throw error;
    }
  }

  async due(now: Date, limit: number): Promise<OutboxEntry[]> {
    const docs = await this.#entries
      .find({ state: 'pending', nextAttemptAt: { $lte: now } }, this.#options.read())
      .sort({ nextAttemptAt: 1 })
      .limit(limit)
      .toArray();
    return docs.map(({ _id, doneAt: _doneAt, ...rest }) => ({ id: _id, ...rest }));
  }

  async settle(entry: OutboxEntry, delivery: WebhookDelivery): Promise<void> {
    const set: Partial<EntryDoc> = { state: delivery.state, attempts: delivery.attempt };
    if (delivery.nextAttemptAt) set.nextAttemptAt = delivery.nextAttemptAt;
    if (delivery.state !== 'pending') set.doneAt = delivery.at;
    await this.#entries.updateOne({ _id: entry.id }, { $set: set }, this.#options.write() as never);
    await this.#log.insertOne({ ...delivery }, this.#options.write() as never);
  }

  async deliveries({ eventId, limit }: { eventId?: string; limit: number }): Promise<WebhookDelivery[]> {
    const docs = await this.#log
      .find(eventId === undefined ? {} : { eventId }, this.#options.read())
      .sort({ at: -1 })
      .limit(limit)
      .toArray();
    return docs.map(({ _id: _ignored, ...delivery }) => ({ ...delivery, at: new Date(delivery.at), ...(delivery.nextAttemptAt ? { nextAttemptAt: new Date(delivery.nextAttemptAt) } : {}) }));
  }
}
