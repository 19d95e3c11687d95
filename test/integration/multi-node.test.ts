import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import type mongoose from 'mongoose';
import { createClient } from 'redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardRedisClient, type ChatMessage, type JoinAck, type MessageAck } from 'parley-chat';
import { clientId, collect, connectMongo, nextEvent, onCleanup, quietLogger, request, startChat, type RunningChat } from '../support/harness.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

const hasRedis = await redisAnswers('the multi-node tests');

describe.runIf(hasRedis)('several server nodes on the Redis adapter (needs Redis)', () => {
  let db: mongoose.Connection;
  let nodeA: RunningChat;
  let nodeB: RunningChat;

  /** A chat node with its own Redis clients, on a channel prefix of this test run. */
  async function startNode(key: string): Promise<RunningChat> {
    const pub = guardRedisClient(createClient({ url: REDIS_URL }), { logger: quietLogger() });
    const sub = guardRedisClient(pub.duplicate(), { logger: quietLogger() });
    await Promise.all([pub.connect(), sub.connect()]);
    onCleanup(async () => {
      await Promise.allSettled([pub.quit(), sub.quit()]);
    });
    return startChat({ mongoose: db, adapter: createAdapter(pub, sub, { key }) });
  }

  beforeAll(async () => {
    db = await connectMongo();
    const key = `parley-test-${randomBytes(6).toString('hex')}`;
    nodeA = await startNode(key);
    nodeB = await startNode(key);
  });

  it('broadcasts a message stored on one node to clients on the other, in seq order', async () => {
    const alice = await nodeA.connect();
    const bob = await nodeB.connect();
    await request(alice, 'join', { room: 'across' });
    await request(bob, 'join', { room: 'across' });
    const received: ChatMessage[] = [];
    bob.on('message', (message) => received.push(message));
    const acks: MessageAck[] = [];
    for (let i = 1; i <= 5; i++) {
      acks.push(await request<MessageAck>(alice, 'message', { room: 'across', message: `m${i}`, clientId: clientId() }));
    }
    await expect.poll(() => received.length).toBe(5);
    expect(received).toEqual(acks.map((ack) => ack.ok && ack.message));
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps one seq sequence for a room written from both nodes', async () => {
    const [a, b] = [await nodeA.connect(), await nodeB.connect()];
    await request(a, 'join', { room: 'shared-seq' });
    await request(b, 'join', { room: 'shared-seq' });
    const acks = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        request<MessageAck>(i % 2 ? a : b, 'message', { room: 'shared-seq', message: `m${i}`, clientId: clientId() }),
      ),
    );
    const seqs = acks.map((ack) => (ack.ok ? ack.message.seq : -1)).sort((x, y) => x - y);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('counts visitors online across nodes, and tells each node\'s visitors', async () => {
    const alice = await nodeA.connect();
    const aliceSees = collect<{ room: string; online: number }>(alice, 'presence');
    await request(alice, 'join', { room: 'presence-across' });
    const bob = await nodeB.connect();
    const bobSees = collect<{ room: string; online: number }>(bob, 'presence');
    await request<JoinAck>(bob, 'join', { room: 'presence-across' });
    // Counts travel between nodes within the presence interval (half a second), not per join.
    await expect.poll(() => aliceSees.at(-1)).toEqual({ room: 'presence-across', online: 2 });
    await expect.poll(() => bobSees.at(-1)).toEqual({ room: 'presence-across', online: 2 });
    expect(await request<JoinAck>(bob, 'join', { room: 'presence-across' })).toMatchObject({ online: 2 });
    bob.disconnect();
    await expect.poll(() => aliceSees.at(-1)).toEqual({ room: 'presence-across', online: 1 });
  });

  it("renames a visitor's tabs on every node when they save details", async () => {
    const tabOnA = await nodeA.connect();
    const tabOnB = await nodeB.connect({ auth: { token: tabOnA.session.token } });
    const watcher = await nodeA.connect();
    await request(tabOnB, 'join', { room: 'rename' });
    await request(watcher, 'join', { room: 'rename' });
    const sessionOnB = nextEvent(tabOnB, 'session');
    await request(tabOnA, 'userDetails', { name: 'Renamed Rosa', email: 'rosa@example.com' });
    expect((await sessionOnB).user).toMatchObject({ name: 'Renamed Rosa' });
    await expect
      .poll(async () => {
        const ack = await request<MessageAck>(tabOnB, 'message', { room: 'rename', message: 'who am I', clientId: clientId() });
        return ack.ok && ack.message.sender.name;
      })
      .toBe('Renamed Rosa');
  });

  it('relays typing across nodes', async () => {
    const alice = await nodeA.connect();
    const bob = await nodeB.connect();
    await request(alice, 'join', { room: 'typing-across' });
    await request(bob, 'join', { room: 'typing-across' });
    const typing = nextEvent(bob, 'typing');
    alice.emit('typing', { room: 'typing-across', typing: true });
    expect(await typing).toMatchObject({ room: 'typing-across', typing: true, sender: { id: alice.session.visitorId } });
  });
});

