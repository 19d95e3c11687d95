import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardRedisClient, MemoryStore, type JoinAck, type MessageAck } from 'parley-chat';
import { clientId, onCleanup, quietLogger, request, startChat, type RunningChat } from '../support/harness.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';
import { hostAndPort, TcpProxy, throughProxy } from '../support/tcp-proxy.js';

// Presence is best effort: a Redis outage or a frozen peer node must never hold up or fail a
// join. Each node reaches Redis through its own proxy, which the tests cut or freeze.

const hasRedis = await redisAnswers('the presence outage tests');

describe.runIf(hasRedis)('presence while Redis or a peer node fails (needs Redis)', () => {
  const store = new MemoryStore(); // both nodes share it, as they would share MongoDB
  let proxyA: TcpProxy;
  let proxyB: TcpProxy;
  let nodeA: RunningChat;
  let nodeB: RunningChat;

  async function startNode(proxy: TcpProxy, key: string): Promise<RunningChat> {
    // guardRedisClient: without it, the errors and rejected publishes of an outage end the process.
    const pub = guardRedisClient(createClient({ url: throughProxy(REDIS_URL, proxy), socket: { reconnectStrategy: 100 } }), { logger: quietLogger() });
    const sub = guardRedisClient(pub.duplicate(), { logger: quietLogger() });
    await Promise.all([pub.connect(), sub.connect()]);
    onCleanup(() => Promise.allSettled([pub.close(), sub.close()]));
    return startChat({ store, adapter: createAdapter(pub, sub, { key }) });
  }

  const timedJoin = async (running: RunningChat, room: string) => {
    const client = await running.connect();
    const started = Date.now();
    const ack = await request<JoinAck>(client, 'join', { room });
    return { client, ack, ms: Date.now() - started };
  };

  beforeAll(async () => {
    const key = `parley-presence-${randomBytes(6).toString('hex')}`;
    proxyA = await TcpProxy.start(hostAndPort(REDIS_URL));
    proxyB = await TcpProxy.start(hostAndPort(REDIS_URL));
    onCleanup(() => Promise.all([proxyA.close(), proxyB.close()]));
    nodeA = await startNode(proxyA, key);
    nodeB = await startNode(proxyB, key);
  });

  it('answers a join at once with the best count known while a peer node is frozen', async () => {
    const first = await timedJoin(nodeA, 'frozen-peer');
    await timedJoin(nodeB, 'frozen-peer');
    // Node A has heard node B's count before B freezes.
    await expect.poll(async () => ((await request<JoinAck>(first.client, 'join', { room: 'frozen-peer' })) as { online: number }).online).toBe(2);

    proxyB.freeze();
    try {
      const joined = await timedJoin(nodeA, 'frozen-peer');
      expect(joined.ack).toMatchObject({ ok: true, room: 'frozen-peer', online: 3 });
      expect(joined.ms).toBeLessThan(1500);
      const sent = await request<MessageAck>(first.client, 'message', { room: 'frozen-peer', message: 'still here', clientId: clientId() });
      expect(sent).toMatchObject({ ok: true });
    } finally {
      proxyB.restore();
    }
  });

  it("answers a join at once while its node's Redis is cut, and counts across nodes again once it is back", async () => {
    const before = await timedJoin(nodeA, 'cut-redis');
    await timedJoin(nodeB, 'cut-redis');
    await expect.poll(async () => ((await request<JoinAck>(before.client, 'join', { room: 'cut-redis' })) as { online: number }).online).toBe(2);
    proxyA.cut();
    try {
      const joined = await timedJoin(nodeA, 'cut-redis');
      // The best count known: node A's two visitors and node B's, as last heard.
      expect(joined.ack).toMatchObject({ ok: true, room: 'cut-redis', online: 3 });
      expect(joined.ms).toBeLessThan(1500);
      const sent = await request<MessageAck>(before.client, 'message', { room: 'cut-redis', message: 'no redis', clientId: clientId() });
      expect(sent).toMatchObject({ ok: true });
    } finally {
      proxyA.restore();
    }
    // Once node A's Redis is back, node B hears of node A's new visitor too.
    const onB = await timedJoin(nodeB, 'cut-redis');
    await expect
      .poll(async () => (await request<JoinAck>(onB.client, 'join', { room: 'cut-redis' })), { timeout: 15_000, interval: 250 })
      .toMatchObject({ ok: true, online: 4 });
  });
});
