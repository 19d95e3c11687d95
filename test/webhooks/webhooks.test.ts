import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type mongoose from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatServerOptions } from 'parley-chat';
import { fileURLToPath } from 'node:url';
import { withDatabase } from '../../demo/mongodb.js';
import { clientId, connectClient, connectMongo, mongoInfo, onCleanup, request, SECRET as TEST_SECRET, startChat, type RunningChat } from '../support/harness.js';
import { startNodeProcess, stopProcess } from '../support/processes.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// Webhooks through real sockets, real HTTP receivers and the chat's MongoDB (the jongodb emulator
// on machines without mongod), verified as a receiver would, with the `standardwebhooks` package.

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const NODE = fileURLToPath(new URL('../fixtures/chat-node.mjs', import.meta.url));
const hasRedis = await redisAnswers('the webhook test with a node in its own process');
const ALL = ['conversation.created', 'conversation.resolved', 'message.created', 'rating.created'] as const;

interface Received {
  id: string;
  type: string;
  data: Record<string, any>;
  headers: IncomingHttpHeaders;
}

/** A receiver on this machine: verifies every request, keeps what it got, and answers `status()`. */
async function receiver(status: () => number | 'hang' = () => 200) {
  const verifier = new Webhook(SECRET);
  const received: Received[] = [];
  const refused: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = status();
      if (answer === 'hang') return;
      try {
        const event = verifier.verify(body, req.headers as Record<string, string>) as { type: string; data: Record<string, any> };
        if (answer >= 200 && answer < 300) received.push({ id: String(req.headers['webhook-id']), type: event.type, data: event.data, headers: req.headers });
      } catch (error) {
        refused.push(String(error));
      }
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, received, refused, server, port };
}

let db: mongoose.Connection;

beforeAll(async () => {
  db = await connectMongo();
});

afterEach(() => {
  vi.useRealTimers();
});

function chatWith(url: string, extra: Partial<ChatServerOptions> = {}, database = db) {
  return startChat({ mongoose: database, operators: operatorsOptions(), webhooks: [{ url, events: [...ALL], secret: SECRET }], ...extra });
}

async function visitorWrites(chat: RunningChat, text: string) {
  const visitor = await chat.connect();
  await request(visitor, 'join', { inbox: 'support' });
  const sent = await request(visitor, 'message', { inbox: 'support', message: text, clientId: clientId() });
  expect(sent.ok).toBe(true);
  return { visitor, sent };
}

/** Moves the clock (Date only) `ms` on: retries come due. */
function later(ms: number): void {
  const now = Date.now();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now + ms);
}

describe('webhooks', () => {
  it('sends each event signed, as a Standard Webhooks receiver verifies it, once, with an id made from what happened', async () => {
    const hooks = await receiver();
    const chat = await chatWith(hooks.url);
    const { visitor, sent } = await visitorWrites(chat, 'Where is my order?');
    // A resend of the same message is the same event.
    await request(visitor, 'message', { inbox: 'support', message: 'Where is my order?', clientId: sent.message.clientId, retry: true });
    const olga = await connectOperator(chat.url, 'olga');
    await request(olga, 'message', { conversationId: sent.conversation.id, message: 'On its way', clientId: clientId() });
    expect((await request(olga, 'status', { conversationId: sent.conversation.id, status: 'resolved' })).ok).toBe(true);
    await request(olga, 'status', { conversationId: sent.conversation.id, status: 'resolved' });
    await request(visitor, 'join', { room: 'lobby' });
    await request(visitor, 'message', { room: 'lobby', message: 'hello room', clientId: clientId() });

    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(5);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hooks.refused).toEqual([]);
    expect(hooks.received.map((event) => event.type).sort()).toEqual([
      'conversation.created',
      'conversation.resolved',
      'message.created',
      'message.created',
      'message.created',
    ]);
    expect(new Set(hooks.received.map((event) => event.id)).size).toBe(5);
    const created = hooks.received.find((event) => event.type === 'conversation.created')!;
    expect(created.id).toBe(`conversation.created:${sent.conversation.id}`);
    expect(created.data.conversation).toMatchObject({ id: sent.conversation.id, inbox: 'support' });
    const first = hooks.received.find((event) => event.type === 'message.created' && event.data.message.message === 'Where is my order?')!;
    expect(first.data).toMatchObject({ message: { id: sent.message.id, seq: 1 }, conversation: { id: sent.conversation.id } });
    expect(hooks.received.find((event) => event.data.message?.message === 'hello room')!.data).toMatchObject({ message: { room: 'lobby' } });
    expect(hooks.received.find((event) => event.type === 'conversation.resolved')!.data.conversation.status).toBe('resolved');
    // The log says each was delivered at the first attempt.
    const log = await chat.chat.webhooks.deliveries();
    expect(log.filter((delivery) => delivery.ok)).toHaveLength(5);
    expect(log.every((delivery) => delivery.attempt === 1 && delivery.state === 'delivered' && delivery.status === 200)).toBe(true);
  });

  it('sends rating.created once per rating, under an id made from the resolution it rates', async () => {
    const hooks = await receiver();
    const database = await connectMongo();
    const chat = await chatWith(hooks.url, { ratings: { enabled: true } }, database);
    const { visitor, sent } = await visitorWrites(chat, 'rate me');
    const olga = await connectOperator(chat.url, 'olga');
    const resolved = await request(olga, 'status', { conversationId: sent.conversation.id, status: 'resolved' });
    expect((await request(visitor, 'rate', { inbox: 'support', score: 4, comment: 'Good' })).ok).toBe(true);
    // The same rating again (a retry after a lost ack) writes the same event.
    expect((await request(visitor, 'rate', { inbox: 'support', score: 4, comment: 'Good' })).ok).toBe(true);
    await expect.poll(() => hooks.received.filter((event) => event.type === 'rating.created').length, { timeout: 10_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const rated = hooks.received.filter((event) => event.type === 'rating.created');
    expect(rated).toHaveLength(1);
    expect(rated[0]!.id).toBe(`rating.created:${sent.conversation.id}:${Date.parse(resolved.conversation.resolvedAt)}`);
    expect(rated[0]!.data).toMatchObject({ rating: { score: 4, comment: 'Good', resolvedAt: resolved.conversation.resolvedAt }, conversation: { id: sent.conversation.id } });
  });

  it('retries a failing receiver with the same id, the first retry within 30 seconds, and logs every attempt', async () => {
    let failing = true;
    const hooks = await receiver(() => (failing ? 503 : 200));
    const database = await connectMongo();
    const chat = await chatWith(hooks.url, {}, database);
    const { sent } = await visitorWrites(chat, 'retry me');
    const eventId = `message.created:${sent.message.id}`;
    await expect.poll(async () => (await chat.chat.webhooks.deliveries({ eventId })).length, { timeout: 10_000 }).toBe(1);
    const [failed] = await chat.chat.webhooks.deliveries({ eventId });
    expect(failed).toMatchObject({ attempt: 1, ok: false, status: 503, state: 'pending', error: 'The receiver answered 503' });
    const wait = failed!.nextAttemptAt!.getTime() - failed!.at.getTime();
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(30_000);

    failing = false;
    later(31_000);
    await expect.poll(() => hooks.received.filter((event) => event.id === eventId).length, { timeout: 10_000 }).toBe(1);
    // The attempt is logged once the receiver has answered it.
    const attempts = async () => (await chat.chat.webhooks.deliveries({ eventId })).map((delivery) => [delivery.attempt, delivery.ok, delivery.state]);
    await expect.poll(attempts, { timeout: 5000 }).toEqual([
      [2, true, 'delivered'],
      [1, false, 'pending'],
    ]);
  });

  it('delivers, once the receiver is back, what was written while it was down for a minute', async () => {
    const hooks = await receiver();
    hooks.server.close();
    hooks.server.closeAllConnections();
    const database = await connectMongo();
    const chat = await chatWith(hooks.url, {}, database);
    const { sent } = await visitorWrites(chat, 'while you were away');
    await expect.poll(async () => (await chat.chat.webhooks.deliveries()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await chat.chat.webhooks.deliveries())[0]).toMatchObject({ ok: false, status: null, state: 'pending' });
    // A minute on: still down, retried, still pending.
    for (const step of [20_000, 20_000, 25_000]) {
      later(step);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    await new Promise<void>((resolve) => hooks.server.listen(hooks.port, '127.0.0.1', resolve));
    later(10 * 60_000);
    await expect.poll(() => hooks.received.length, { timeout: 10_000 }).toBe(2);
    expect(hooks.received.map((event) => event.id).sort()).toEqual([`conversation.created:${sent.conversation.id}`, `message.created:${sent.message.id}`]);
  });

  it('sends from one node at a time; an event written on a node that then stopped is sent by another', async () => {
    let up = false;
    const hooks = await receiver(() => (up ? 200 : 503));
    const database = await connectMongo();
    const nodeA = await chatWith(hooks.url, {}, database);
    const nodeB = await chatWith(hooks.url, {}, database);
    const first = await visitorWrites(nodeA, 'written on A');
    await visitorWrites(nodeB, 'written on B');
    // A goes away with its event undelivered.
    await expect.poll(async () => (await nodeA.chat.webhooks.deliveries()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    await nodeA.chat.close({ drainTimeoutMs: 100 });
    up = true;
    later(5 * 60_000);
    await expect.poll(() => hooks.received.length, { timeout: 15_000 }).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Each event once, the one written on A among them.
    expect(hooks.received).toHaveLength(4);
    expect(new Set(hooks.received.map((event) => event.id)).size).toBe(4);
    expect(hooks.received.map((event) => event.id)).toContain(`message.created:${first.sent.message.id}`);
  });

  it.runIf(hasRedis)('delivers what a node killed after the change left in the outbox, from another node, once (needs Redis)', async () => {
    let up = false;
    const hooks = await receiver(() => (up ? 200 : 503));
    const database = await connectMongo();
    const killed = await startNodeProcess(NODE, [], {
      ready: /listening (\d+)/,
      env: {
        MONGODB_URI: withDatabase(mongoInfo().uri, database.name),
        REDIS_URL,
        CHAT_KEY: `parley-webhooks-${randomBytes(6).toString('hex')}`,
        CHAT_SECRET: TEST_SECRET,
        WEBHOOK_URL: hooks.url,
        WEBHOOK_SECRET: SECRET,
      },
      timeoutMs: 30_000,
    });
    const visitor = await connectClient(`http://127.0.0.1:${killed.ready[1]}`);
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request(visitor, 'message', { inbox: 'support', message: 'acknowledged, then the node dies', clientId: clientId() });
    expect(sent.ok).toBe(true);
    // The node dies as a process does, without closing anything, its event not delivered.
    await stopProcess(killed.child, 'SIGKILL');
    expect(hooks.received).toEqual([]);

    up = true;
    const survivor = await chatWith(hooks.url, {}, database);
    // Its lease on sending has run out by then.
    later(5 * 60_000);
    await expect.poll(() => hooks.received.map((event) => event.id).sort(), { timeout: 15_000 }).toEqual(
      [`conversation.created:${sent.conversation.id}`, `message.created:${sent.message.id}`].sort(),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(hooks.received).toHaveLength(2);
    expect((await survivor.chat.webhooks.deliveries({ eventId: `message.created:${sent.message.id}` })).at(0)).toMatchObject({ ok: true, state: 'delivered' });
  });

  it('never slows the chat: a receiver that never answers holds no message back', async () => {
    const hooks = await receiver(() => 'hang');
    const database = await connectMongo();
    const chat = await chatWith(hooks.url, {}, database);
    const { visitor } = await visitorWrites(chat, 'first');
    // While the sender waits on the receiver, messages are stored and answered as ever.
    for (let i = 0; i < 5; i++) expect((await request(visitor, 'message', { inbox: 'support', message: `more ${i}`, clientId: clientId() })).ok).toBe(true);
    expect(hooks.received).toEqual([]);
  });

  it('refuses webhooks it cannot sign or send, with the fix in the message', async () => {
    const bad = [
      { url: 'ftp://example.com', events: ['message.created'], secret: SECRET },
      { url: 'https://example.com', events: ['message.deleted'], secret: SECRET },
      { url: 'https://example.com', events: ['message.created'], secret: 'not-a-secret' },
      { url: 'https://example.com', events: ['message.created'], secret: 'whsec_c2hvcnQ=' },
    ];
    for (const webhook of bad) {
      await expect(startChat({ mongoose: db, webhooks: [webhook as never] })).rejects.toThrow(/webhooks\[0\]\.(url|events|secret)/);
    }
  });
});
