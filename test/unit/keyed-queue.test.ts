import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/server/keyed-queue.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('KeyedQueue', () => {
  it('runs one key in arrival order, even when earlier tasks are slower', async () => {
    const queue = new KeyedQueue();
    const order: number[] = [];
    await Promise.all([30, 1, 10].map((ms, i) => queue.run('room', async () => {
      await tick(ms);
      order.push(i);
    })));
    expect(order).toEqual([0, 1, 2]);
  });

  it('runs different keys concurrently', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    await Promise.all([
      queue.run('a', async () => {
        await tick(30);
        order.push('a');
      }),
      queue.run('b', async () => {
        order.push('b');
      }),
    ]);
    expect(order).toEqual(['b', 'a']);
  });

  it('keeps going after a failed task, reports the failure to its caller and forgets idle keys', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('room', async () => {
      throw new Error('boom');
    });
    const next = queue.run('room', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    await tick(0);
    expect(queue.size).toBe(0);
  });

  it('keeps going after a task that throws before returning its promise', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('room', () => {
      throw new Error('at once');
    });
    await expect(failed).rejects.toThrow('at once');
    await expect(queue.run('room', async () => 'after')).resolves.toBe('after');
  });

  it('starts a waiting task only once the one before it has settled', async () => {
    const queue = new KeyedQueue();
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        queue.run('room', async () => {
          most = Math.max(most, ++running);
          await tick(Math.random() * 3);
          running--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(queue.size).toBe(0);
  });
});
