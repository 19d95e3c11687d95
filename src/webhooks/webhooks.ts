import { randomBytes } from 'node:crypto';
import type { ChatStore } from '../stores/types.js';
import type { ResolvedEndpoint, WebhookEventType } from './options.js';
import type { OutboxEntry, WebhookDelivery, WebhookOutbox } from './outbox.js';
import { signedHeaders } from './signing.js';

/** `chat.webhooks`: what was sent, for the host to read. */
export interface WebhooksApi {
  /** Attempts to deliver events, newest first: all of them, or one event's (`eventId`, its `webhook-id`). @default limit 100 */
  deliveries(query?: { eventId?: string; limit?: number }): Promise<WebhookDelivery[]>;
}

const LEASE_NAME = 'webhooks';
/** Long enough for a batch of attempts; a node that dies holding it frees it this long after. */
const LEASE_MS = 30_000;
/** How often the node that sends looks for what is due, and how often the others ask for the lease. */
const SENDER_POLL_MS = 1000;
const STANDBY_POLL_MS = 5000;
const BATCH = 50;
/** Attempts at once: a slow receiver holds this many requests, never the chat's own work. */
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 10_000;
const MAX_RETRY_MS = 60 * 60 * 1000;
/** Retries stop a day after the event. */
const GIVE_UP_MS = 24 * 60 * 60 * 1000;

/** The wait before attempt `attempt + 1`: 10 s, doubling, at most an hour, give or take a fifth. */
export function retryDelay(attempt: number, random = Math.random()): number {
  const base = Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);
  return Math.round(base * (0.8 + 0.4 * random));
}

/**
 * The chat's webhooks: each event is written to the outbox (in the store) by the request that
 * made the change, before it is answered, under an id made from what happened, so a retry of
 * the request writes the same entry again and changes nothing. One node at a time (a lease)
 * sends what is due, with retries for a day; the log of attempts is `chat.webhooks.deliveries()`.
 */
export class ChatWebhooks implements WebhooksApi {
  readonly #endpoints: readonly ResolvedEndpoint[];
  readonly #outbox: WebhookOutbox;
  readonly #store: ChatStore;
  readonly #report: (error: unknown) => void;
  readonly #holder = randomBytes(9).toString('base64url');
  readonly #subscribed: ReadonlySet<WebhookEventType>;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #stopped = true;

  constructor(endpoints: readonly ResolvedEndpoint[], outbox: WebhookOutbox, store: ChatStore, report: (error: unknown) => void) {
    this.#endpoints = endpoints;
    this.#outbox = outbox;
    this.#store = store;
    this.#report = report;
    this.#subscribed = new Set(endpoints.flatMap((endpoint) => [...endpoint.events]));
  }

  init(): Promise<void> {
    return this.#outbox.init();
  }

  /** Whether any endpoint takes events of `type`: nothing is built for one that none does. */
  wants(type: WebhookEventType): boolean {
    return this.#subscribed.has(type);
  }

  /**
   * Writes an event to the outbox for every endpoint that takes it. `eventId` must be made from
   * what happened (a message's id, a conversation's id and when it was resolved), never at random.
   */
  async publish(type: WebhookEventType, eventId: string, data: object): Promise<void> {
    if (!this.wants(type)) return;
    const now = new Date();
    const body = JSON.stringify({ type, timestamp: now.toISOString(), data });
    const entries: OutboxEntry[] = this.#endpoints
      .filter((endpoint) => endpoint.events.has(type))
      .map((endpoint) => ({ id: `${eventId} ${endpoint.url}`, eventId, type, url: endpoint.url, body, createdAt: now, nextAttemptAt: now, attempts: 0, state: 'pending' }));
    await this.#outbox.add(entries);
    this.#wake();
  }

  deliveries({ eventId, limit = 100 }: { eventId?: string; limit?: number } = {}): Promise<WebhookDelivery[]> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new TypeError('parley-chat: webhooks.deliveries() takes a limit of 1 to 1000');
    return this.#outbox.deliveries({ ...(eventId === undefined ? {} : { eventId }), limit });
  }

  /** Sends what is due from now on (every node runs it; one at a time sends). */
  start(): void {
    this.#stopped = false;
    this.#schedule(0);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** An event was written here: look at once rather than at the next poll (it only sends if it holds the lease). */
  #wake(): void {
    if (this.#stopped || this.#ticking) return;
    this.#schedule(0);
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#tick(), delay);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = true;
    let next = STANDBY_POLL_MS;
    try {
      const now = new Date();
      if (await this.#store.lease(LEASE_NAME, this.#holder, now, new Date(now.getTime() + LEASE_MS))) {
        const due = await this.#outbox.due(now, BATCH);
        await inParallel(due, CONCURRENCY, (entry) => this.#attempt(entry));
        next = due.length === BATCH ? 0 : SENDER_POLL_MS;
      }
    } catch (error) {
      this.#report(error);
    } finally {
      this.#ticking = false;
    }
    if (!this.#stopped) this.#schedule(next);
  }

  async #attempt(entry: OutboxEntry): Promise<void> {
    const endpoint = this.#endpoints.find((candidate) => candidate.url === entry.url);
    const attempt = entry.attempts + 1;
    const started = Date.now();
    let status: number | null = null;
    let error: string | undefined;
    if (!endpoint) {
      error = 'This URL is no longer among the webhooks';
    } else {
      try {
        const response = await fetch(entry.url, {
          method: 'POST',
          body: entry.body,
          headers: { 'content-type': 'application/json', 'user-agent': 'parley-chat-webhooks', ...signedHeaders(endpoint.key, entry.eventId, entry.body) },
          redirect: 'manual',
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        status = response.status;
        // The answer's body is not needed: it is not read, however large.
        await response.body?.cancel().catch(() => undefined);
        if (status < 200 || status >= 300) error = `The receiver answered ${status}`;
      } catch (failure) {
        error = describeFailure(failure);
      }
    }
    const delay = retryDelay(attempt);
    const state: OutboxEntry['state'] = !error ? 'delivered' : !endpoint || Date.now() + delay > entry.createdAt.getTime() + GIVE_UP_MS ? 'failed' : 'pending';
    const delivery: WebhookDelivery = {
      eventId: entry.eventId,
      type: entry.type,
      url: entry.url,
      attempt,
      at: new Date(started),
      ok: !error,
      status,
      ...(error ? { error } : {}),
      durationMs: Date.now() - started,
      state,
      ...(state === 'pending' ? { nextAttemptAt: new Date(Date.now() + delay) } : {}),
    };
    await this.#outbox.settle(entry, delivery).catch((failure: unknown) => this.#report(failure));
  }
}

function describeFailure(failure: unknown): string {
  const name = (failure as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return `No answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = (failure as { cause?: { code?: string } })?.cause?.code;
  return cause ? `Could not reach the receiver (${cause})` : 'Could not reach the receiver';
}

/** Runs `task` over `items`, at most `limit` at once. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
