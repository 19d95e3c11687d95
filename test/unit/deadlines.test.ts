import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../src/server/deadlines.js';

describe('Deadlines', () => {
  afterEach(() => void vi.useRealTimers());

  it('expires what is not cancelled in time, and only that', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines();
    const expired: string[] = [];
    deadlines.start(1000, () => expired.push('slow'));
    const cancel = deadlines.start(1000, () => expired.push('cancelled'));
    deadlines.start(5000, () => expired.push('later'));
    cancel();
    await vi.advanceTimersByTimeAsync(1300);
    expect(expired).toEqual(['slow']);
    await vi.advanceTimersByTimeAsync(4000);
    expect(expired).toEqual(['slow', 'later']);
  });

  it('settles with the work, or with what timedOut gives or throws', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines();
    await expect(deadlines.within(Promise.resolve('done'), 100, () => 'late')).resolves.toBe('done');
    const never = new Promise<string>(() => undefined);
    const fallback = deadlines.within(never, 100, () => 'late');
    const refusal = deadlines.within(never, 200, () => {
      throw new Error('timed out');
    });
    const refused = expect(refusal).rejects.toThrow('timed out');
    await vi.advanceTimersByTimeAsync(300);
    await expect(fallback).resolves.toBe('late');
    await refused;
  });

  it('keeps no timer once nothing waits', async () => {
    vi.useFakeTimers();
    const deadlines = new Deadlines();
    deadlines.start(100, () => undefined)();
    deadlines.start(100, () => undefined);
    await vi.advanceTimersByTimeAsync(200);
    expect(vi.getTimerCount()).toBe(0);
  });
});
