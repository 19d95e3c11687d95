import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, InboxMessageAck, MessageAck } from 'parley-chat';
import { ChatClient, type ChatTarget } from '../../web-component/clients/chat-client.js';
import { OperatorClient } from '../../web-component/clients/operator-client.js';
import { withDatabase } from '../../demo/mongodb.js';
import { clientId, connectClient, connectMongo, mongoInfo, onCleanup, request, SECRET, settle } from '../support/harness.js';
import { startLoadBalancer } from '../support/load-balancer.js';
import { startNodeProcess, stopProcess, type RunningProcess } from '../support/processes.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';
import { hostAndPort, TcpProxy, throughProxy } from '../support/tcp-proxy.js';

// Three chat nodes, each its own process, sharing MongoDB and Redis (through a proxy the tests
// cut), behind a load balancer. Clients are the widget's and the inbox's own clients, run in Node.

const NODE = fileURLToPath(new URL('../fixtures/chat-node.mjs', import.meta.url));
const hasRedis = await redisAnswers('the multi-node tests in separate processes');

/**
 * A room's stored seqs are 1 to `count`, each once. On the jongodb emulator the check is weaker,
 * because its findAndModify is not atomic across connections: three nodes drawing seqs at once
 * now and then get one value twice and never the next, and the store moves the loser to a fresh
 * seq, leaving a hole. There: `count` seqs, each once, holes allowed. MongoDB's findAndModify is
 * atomic, so on a real server (MONGODB_URI, mongodb-memory-server) the full check runs.
 */
function expectGapFreeSeqs(stored: number[], count: number): void {
  if (!mongoInfo().emulated) {
    expect(stored).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    return;
  }
  expect(stored).toHaveLength(count);
  expect(new Set(stored).size).toBe(count);
}

describe.runIf(hasRedis)('three chat nodes in their own processes, on the Redis Streams adapter (needs Redis)', () => {
  let db: Connection;
  let redisProxy: TcpProxy;
  let balancer: { url: string };
  const nodes: Array<{ process: RunningProcess; port: number }> = [];
  const key = `parley-nodes-${randomBytes(6).toString('hex')}`;

  async function startNode() {
    const process = await startNodeProcess(NODE, [], {
      ready: /listening (\d+)/,
      env: {
        MONGODB_URI: withDatabase(mongoInfo().uri, db.name),
        REDIS_URL: throughProxy(REDIS_URL, redisProxy),
        CHAT_KEY: key,
        CHAT_SECRET: SECRET,
      },
      timeoutMs: 30_000,
    });
    const node = { process, port: Number(process.ready[1]) };
    nodes.push(node);
    return node;
  }

  const liveNodes = () => nodes.filter((node) => node.process.alive());
  const nodeUrl = (node: { port: number }) => `http://127.0.0.1:${node.port}`;

  beforeAll(async () => {
    db = await connectMongo();
    redisProxy = await TcpProxy.start(hostAndPort(REDIS_URL));
    onCleanup(() => redisProxy.close());
    await Promise.all([startNode(), startNode(), startNode()]);
    balancer = await startLoadBalancer(() => liveNodes().map((node) => node.port));
  });

  afterAll(() => {
    // Every node that was not killed on purpose lived through it all.
    for (const node of nodes) if (node.process.child.signalCode !== 'SIGKILL') expect(node.process.alive(), node.process.output()).toBe(true);
  });

  /** The widget's own client, through the load balancer. */
  function widgetClient(target: ChatTarget): ChatClient {
    const client = new ChatClient(
      {
        server: balancer.url,
        basePath: '/chat',
        target,
        socketOptions: { transports: ['websocket'], forceNew: true, reconnectionDelay: 200, reconnectionDelayMax: 1000 },
      },
      { change: () => {}, message: () => {}, error: () => {}, details: () => {} },
    );
    client.connect();
    onCleanup(() => client.disconnect());
    return client;
  }

  /** A sender connected straight to one node. */
  async function sender(node: { port: number }, target: ChatTarget): Promise<Socket> {
    const socket = connectSocket(nodeUrl(node), { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    onCleanup(() => socket.disconnect());
    await new Promise((resolve, reject) => {
      socket.once('session', resolve);
      socket.once('connect_error', reject);
    });
    await request(socket, 'join', target);
    return socket;
  }

  /** Each sender sends `count` messages, one after another; all senders at once. */
  async function sendAll(senders: Socket[], target: ChatTarget, count: number, gapMs = 0) {
    const acks: Array<MessageAck | InboxMessageAck | { ok: false; lost: true }> = [];
    await Promise.all(
      senders.map(async (socket, s) => {
        for (let i = 0; i < count; i++) {
          if (!socket.connected) break;
          const ack = await request(socket, 'message', { ...target, message: `s${s}-m${i}`, clientId: clientId() }).catch(() => ({ ok: false as const, lost: true as const }));
          acks.push(ack);
          if (gapMs) await settle(gapMs);
        }
      }),
    );
    return acks;
  }

  const storedSeqs = async (room: string) =>
    (await db.collection('chat_messages').find({ room, seq: { $gt: 0 } }).sort({ seq: 1 }).toArray()).map((doc) => doc.seq as number);

  /** Every message once, in seq order, exactly what the database has. */
  async function expectEveryMessageOnce(messages: () => readonly ChatMessage[], room: string, label: string) {
    const stored = await storedSeqs(room);
    try {
      await expect.poll(() => messages().map((message) => message.seq), { timeout: 20_000, interval: 200 }).toEqual(stored);
    } catch (error) {
      const have = new Set(messages().map((message) => message.seq));
      console.log(`${label} lacks seqs ${stored.filter((seq) => !have.has(seq)).join(', ')} of ${stored.length}`);
      throw error;
    }
    const ids = messages().map((message) => message.id);
    expect(new Set(ids).size, label).toBe(ids.length);
  }

  it('gives every client every message exactly once and in seq order, with senders on every node', async () => {
    const target = { room: 'three-nodes' };
    const clients = Array.from({ length: 6 }, () => widgetClient(target));
    await expect.poll(() => clients.every((client) => client.status === 'online'), { timeout: 10_000 }).toBe(true);
    const senders = await Promise.all(nodes.map((node) => sender(node, target)));
    const acks = await sendAll(senders, target, 30);
    // On a refusal, what the nodes logged says why.
    if (acks.some((ack) => !ack.ok)) console.log(nodes.map((node) => node.process.output()).join('\n----\n'));
    expect(JSON.stringify(acks.filter((ack) => !ack.ok))).toBe('[]');
    const stored = await storedSeqs('three-nodes');
    // Gap-free, no duplicate seq, one per acknowledged message.
    expectGapFreeSeqs(stored, 90);
    for (const [i, client] of clients.entries()) await expectEveryMessageOnce(() => client.messages, 'three-nodes', `client ${i}`);
  });

  it('stores a message retried at every node at once once, and keeps seqs gap-free', async () => {
    const target = { room: 'retried-everywhere' };
    // The same visitor (one token) on every node, as a retry after a reconnect elsewhere would be.
    const visitor = await connectClient(nodeUrl(nodes[0]!));
    const token = visitor.session.token;
    const tabs = await Promise.all(
      nodes.map(async (node) => {
        const socket = connectSocket(nodeUrl(node), { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, auth: { token } });
        onCleanup(() => socket.disconnect());
        await new Promise((resolve) => socket.once('session', resolve));
        await request(socket, 'join', target);
        return socket;
      }),
    );
    for (let i = 0; i < 10; i++) {
      const id = clientId();
      const acks = await Promise.all(tabs.map((tab) => request<MessageAck>(tab, 'message', { ...target, message: `retried ${i}`, clientId: id })));
      expect(new Set(acks.map((ack) => (ack.ok ? ack.message.id : 'refused'))).size).toBe(1);
    }
    expectGapFreeSeqs(await storedSeqs('retried-everywhere'), 10);
  });

  it('repairs what clients missed while Redis was cut for 5 s, without a reconnect; nothing crashes', { timeout: 60_000 }, async () => {
    const target = { room: 'redis-cut' };
    const clients = Array.from({ length: 6 }, () => widgetClient(target));
    await expect.poll(() => clients.every((client) => client.status === 'online'), { timeout: 10_000 }).toBe(true);
    // Every status each client goes through, to show it never went offline.
    const statuses = clients.map((client) => {
      const seen: string[] = [client.status];
      const timer = setInterval(() => {
        if (seen.at(-1) !== client.status) seen.push(client.status);
      }, 10);
      onCleanup(() => clearInterval(timer));
      return seen;
    });
    const senders = await Promise.all(nodes.map((node) => sender(node, target)));
    const sending = sendAll(senders, target, 40, 150);
    await settle(1000);
    redisProxy.cut();
    await settle(5000);
    redisProxy.restore();
    const acks = await sending;
    if (acks.some((ack) => !ack.ok)) console.log(nodes.map((node) => node.process.output()).join('\n----\n'));
    expect(JSON.stringify(acks.filter((ack) => !ack.ok))).toBe('[]');
    expectGapFreeSeqs(await storedSeqs('redis-cut'), 120);
    for (const [i, client] of clients.entries()) await expectEveryMessageOnce(() => client.messages, 'redis-cut', `client ${i}`);
    // They stayed connected throughout: repaired, not reconnected.
    for (const seen of statuses) expect(seen).toEqual(['online']);
  });

  it('moves the clients of a node killed mid-traffic to the others, and loses nothing acknowledged', { timeout: 60_000 }, async () => {
    const target = { room: 'node-killed' };
    const clients = Array.from({ length: 6 }, () => widgetClient(target));
    await expect.poll(() => clients.every((client) => client.status === 'online'), { timeout: 10_000 }).toBe(true);
    const victim = liveNodes()[2]!;
    const senders = await Promise.all(liveNodes().map((node) => sender(node, target)));
    const sending = sendAll(senders, target, 40, 50);
    await settle(800);
    await stopProcess(victim.process.child, 'SIGKILL');
    const acks = await sending;
    const acked = acks.flatMap((ack) => (ack.ok ? [ack.message.id] : []));
    expect(acked.length).toBeGreaterThan(60);
    for (const [i, client] of clients.entries()) {
      await expectEveryMessageOnce(() => client.messages, 'node-killed', `client ${i}`);
      const have = new Set(client.messages.map((message) => message.id));
      for (const id of acked) expect(have.has(id), `client ${i} lacks acknowledged ${id}`).toBe(true);
    }
  });

  it('carries a support conversation and the operator inbox through a Redis cut', { timeout: 60_000 }, async () => {
    const target = { inbox: 'support' };
    const visitor = widgetClient(target);
    const operator = new OperatorClient(
      // forceNew: a connection of its own, not the visitor's (Socket.IO shares one per server otherwise).
      { server: balancer.url, basePath: '/chat', socketOptions: { transports: ['websocket'], forceNew: true, extraHeaders: { 'x-test-operator': 'olga' } } },
      { change: () => {}, message: () => {}, error: () => {} },
    );
    operator.connect();
    onCleanup(() => operator.disconnect());
    await expect.poll(() => `${visitor.status} ${operator.status} ${JSON.stringify(operator.refusal ?? null)}`, { timeout: 10_000 }).toBe('online online null');
    visitor.send('Hello from the visitor');
    await expect.poll(() => operator.conversations.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const conversationId = operator.conversations[0]!.id;
    await operator.openConversation(conversationId);
    const room = `support/${conversationId}`;

    let cut = false;
    for (let i = 0; i < 16; i++) {
      if (i === 4) {
        redisProxy.cut();
        cut = true;
      }
      if (i === 12 && cut) redisProxy.restore();
      visitor.send(`visitor ${i}`);
      operator.send(`operator ${i}`);
      await settle(400);
    }
    if (redisProxy.state !== 'up') redisProxy.restore();
    await expect
      .poll(() => JSON.stringify([visitor.status, visitor.outbox, operator.status, operator.pending]), { timeout: 30_000 })
      .toBe(JSON.stringify(['online', [], 'online', []]));
    await expectEveryMessageOnce(() => visitor.messages, room, 'visitor');
    await expectEveryMessageOnce(() => operator.open?.messages.messages ?? [], room, 'operator');
    expect((await storedSeqs(room)).length).toBe(33);
  });
});
