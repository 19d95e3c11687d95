import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { guardRedisClient } from '../../src/cluster/redis-guard.js';
import { quietLogger } from '../support/harness.js';

class FakeRedis extends EventEmitter {
  publish(channel: string): Promise<number> {
    return Promise.reject(new Error(`The client is closed (publishing to ${channel})`));
  }
}

describe('guardRedisClient', () => {
  it('listens for errors, logging the first of an outage and the recovery', () => {
    const logger = quietLogger();
    const client = guardRedisClient(new FakeRedis(), { logger });
    // Without a listener, an 'error' event throws (and ends a Node process).
    expect(() => client.emit('error', new Error('ECONNRESET'))).not.toThrow();
    client.emit('error', new Error('ECONNREFUSED'));
    client.emit('ready');
    client.emit('error', new Error('ECONNRESET'));
    expect(logger.lines).toEqual([
      expect.stringMatching(/^error: parley-chat: lost the connection to Redis/),
      'warn: parley-chat: connected to Redis again',
      expect.stringMatching(/^error: parley-chat: lost the connection to Redis/),
    ]);
  });

  it('handles the rejection of a publish nobody awaits, and still rejects for whoever does', async () => {
    const client = guardRedisClient(new FakeRedis(), { logger: quietLogger() });
    // Fire and forget, as the adapters do: with no handler this would be an unhandled rejection,
    // which fails this test run (and ends a Node process).
    void client.publish('ignored');
    await expect(client.publish('awaited')).rejects.toThrow(/awaited/);
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('calls onReconnect when the connection is back after an outage, not on the first connect', () => {
    let calls = 0;
    const client = guardRedisClient(new FakeRedis(), { logger: quietLogger(), onReconnect: () => calls++ });
    client.emit('ready');
    expect(calls).toBe(0);
    client.emit('error', new Error('ECONNRESET'));
    client.emit('ready');
    expect(calls).toBe(1);
  });

  it('guards a client once, however often it is passed', () => {
    const client = new FakeRedis();
    guardRedisClient(guardRedisClient(client, { logger: quietLogger() }), { logger: quietLogger() });
    expect(client.listenerCount('error')).toBe(1);
  });
});
