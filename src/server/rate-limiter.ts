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
// bounded by the number of active visitors.
const SWEEP_ABOVE = 10_000;

/** Token buckets per key, in process memory (each server node limits its own traffic). */
export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

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
    if (this.#buckets.size > SWEEP_ABOVE) this.#sweep(now);
    return 0;
  }

  #sweep(now: number): void {
    const { max, perMs } = this.#limit;
    for (const [key, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) * max) / perMs >= max) this.#buckets.delete(key);
    }
  }
}
