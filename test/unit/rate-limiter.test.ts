import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/server/rate-limiter.js';

describe('RateLimiter', () => {
  it('allows a burst of max, then says how long until the next token', () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 3, perMs: 3000 }, () => now);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1000);
    now = 400;
    expect(limiter.take('a')).toBe(600);
    now = 1000;
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBe(1000);
  });

  it('keeps keys apart', () => {
    const limiter = new RateLimiter({ max: 1, perMs: 1000 }, () => 0);
    expect(limiter.take('a')).toBe(0);
    expect(limiter.take('a')).toBeGreaterThan(0);
    expect(limiter.take('b')).toBe(0);
  });

  it('refills to max, never beyond', () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 2, perMs: 1000 }, () => now);
    now = 1_000_000;
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    expect(limiter.take('a')).toBeGreaterThan(0);
  });
});

describe('RateLimiter bounds', () => {
  it('forgets idle keys, and the oldest ones past its hard bound, so a flood of keys cannot grow it without end', () => {
    let now = 0;
    const limiter = new RateLimiter({ max: 2, perMs: 60_000 }, () => now);
    for (let i = 0; i < 60_000; i++) limiter.take(`flood-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(50_000);
    now = 120_000;
    limiter.take('late');
    for (let i = 0; i < 10_001; i++) limiter.take(`more-${i}`);
    expect(limiter.size).toBeLessThanOrEqual(50_000);
  });
});
