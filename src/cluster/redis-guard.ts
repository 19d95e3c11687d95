import type { ChatLogger } from '../server/options.js';

/** The parts of a Redis client (node-redis 4 or 5, or ioredis) that the guard touches. */
export interface GuardableRedisClient {
  on(event: string, listener: (...args: any[]) => void): unknown;
}

// Commands the Socket.IO Redis adapters send without waiting for (or catching) the result.
const FIRE_AND_FORGET = ['publish', 'sPublish', 'spublish'] as const;
const guarded = new WeakSet<object>();

export interface GuardRedisOptions {
  /** Where the outage and the recovery are told. @default console */
  logger?: ChatLogger;
  /**
   * Called when the connection is back after an outage: the place for `chat.resync()`, since
   * packets between nodes may have been lost meanwhile.
   */
  onReconnect?: () => void;
}

/**
 * Keeps a Redis outage from taking the host's process down. A Redis client emits `error` on every
 * lost connection, and an `error` event nobody listens to ends a Node process; and the Socket.IO
 * Redis adapters publish without handling the promise, which node-redis rejects while the
 * connection is down, and an unhandled rejection ends a Node process too. This listens for the
 * errors (logging the first of each outage, and the recovery) and gives every publish promise a
 * handler, while whoever awaits it still sees the rejection. Returns the same client.
 *
 * @example
 * const redis = guardRedisClient(createClient({ url: process.env.REDIS_URL }), { onReconnect: () => chat.resync() });
 * await redis.connect();
 * const chat = createChatServer({ mongoose: db, secret, adapter: createAdapter(redis) });
 */
export function guardRedisClient<C extends GuardableRedisClient>(
  client: C,
  { logger = console, onReconnect }: GuardRedisOptions = {},
): C {
  if (guarded.has(client)) return client;
  guarded.add(client);
  let down = false;
  client.on('error', (error: unknown) => {
    if (down) return;
    down = true;
    logger.error('parley-chat: lost the connection to Redis; this node keeps serving its own clients and catches up when it is back', error);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.warn('parley-chat: connected to Redis again');
    onReconnect?.();
  });
  const methods = client as unknown as Record<string, unknown>;
  for (const name of FIRE_AND_FORGET) {
    const original = methods[name];
    if (typeof original !== 'function') continue;
    methods[name] = function (this: unknown, ...args: unknown[]) {
      const result: unknown = original.apply(this, args);
      if (result instanceof Promise) result.catch(() => undefined);
      return result;
    };
  }
  return client;
}
