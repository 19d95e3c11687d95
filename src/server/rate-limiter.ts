import { ChatError } from './errors.js';

export interface RateLimit {
  /** How many requests may come at once (the bucket's size). */
  max: number;
  /** The bucket refills `max` requests over this many milliseconds. */
  perMs: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

// Above this many tracked keys, full buckets (idle visitors) are swept out so memory stays
// bounded by the number of active visitors; past the hard bound (a flood of new keys, all busy),
// the oldest are forgotten too, which at worst gives one of them a full bucket again.
const SWEEP_ABOVE = 10_000;
const MAX_KEYS = 50_000;

/** Token buckets per key, in process memory (each server node limits its own traffic). */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  /**
   * The size at which the next sweep runs: SWEEP_ABOVE more keys than the last sweep left, so a
   * flood of busy keys (which no sweep can drop) costs one sweep per SWEEP_ABOVE new keys, not one
   * per request.
   */
  #sweepAt = SWEEP_ABOVE;

  constructor(limit: RateLimit, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the milliseconds until one is free. */
  take(key: string): number {
    const now = this.#now();
    const { max, perMs } = this.#limit;
    const bucket = this.#buckets.get(key) ?? { tokens: max, updatedAt: now };
    bucket.tokens = Math.min(max, bucket.tokens + ((now - bucket.updatedAt) * max) / perMs);
    bucket.updatedAt = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      return Math.ceil(((1 - bucket.tokens) * perMs) / max);
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#sweepAt) this.#sweep(now);
    return 0;
  }

  #sweep(now: number): void {
    const { max, perMs } = this.#limit;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) * max) / perMs >= max) this.#buckets.delete(key);
    }
    if (this.#buckets.size > MAX_KEYS) {
      for (const key of this.#buckets.keys()) {
        this.#buckets.delete(key);
        if (this.#buckets.size <= SWEEP_ABOVE) break;
      }
    }
    this.#sweepAt = Math.min(MAX_KEYS, this.#buckets.size + SWEEP_ABOVE);
  }

  /** Keys tracked now (for tests of the bound). */
  get size(): number {
    return this.#buckets.size;
  }
}

/** The rate limits: per visitor (or operator) for `event`, `message` and `search`, per client address for the others. */
export type RateLimitName = 'event' | 'message' | 'addressMessage' | 'newVisitor' | 'search';

/** The chat's rate limits (see `ChatLimits`), one bucket set each. */
export class RateLimits {
  readonly #limiters: Record<RateLimitName, RateLimiter>;

  constructor(limits: Record<`${RateLimitName}Rate`, RateLimit>) {
    this.#limiters = {
      event: new RateLimiter(limits.eventRate),
      message: new RateLimiter(limits.messageRate),
      addressMessage: new RateLimiter(limits.addressMessageRate),
      newVisitor: new RateLimiter(limits.newVisitorRate),
      search: new RateLimiter(limits.searchRate),
    };
  }

  /** Takes a token, or refuses the request with `RATE_LIMITED` and how long to wait. */
  take(limit: RateLimitName, key: string): void {
    const retryAfterMs = this.#limiters[limit].take(key);
    if (retryAfterMs > 0) throw new ChatError('RATE_LIMITED', 'Too many requests; slow down', { retryAfterMs });
  }

  /** For volatile events, which are dropped rather than refused: takes a token, and says whether there was none. */
  exceeded(limit: RateLimitName, key: string): boolean {
    return this.#limiters[limit].take(key) > 0;
  }
}
