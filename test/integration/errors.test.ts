import { createHmac } from 'node:crypto';
import mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatError, MemoryStore, type MessageAck } from 'parley-chat';
import {
  clientId,
  connectClient,
  connectMongo,
  mongoInfo,
  quietLogger,
  request,
  SECRET,
  startChat,
  type RunningChat,
} from '../support/harness.js';
import { connectOperator } from '../support/operators.js';

let db: mongoose.Connection;
beforeAll(async () => {
  db = await connectMongo();
});

const userHash = (userId: string) => createHmac('sha256', SECRET).update(userId).digest('hex');

describe('error codes', () => {
  let running: RunningChat;
  const logger = quietLogger();
  beforeAll(async () => {
    running = await startChat({
      mongoose: db,
      logger,
      limits: { maxMessageLength: 50 },
      rooms: (room) => !room.startsWith('private-'),
      hooks: {
        beforeMessage: ({ message }) => {
          if (message.includes('spam')) throw new ChatError('FORBIDDEN', 'Links to spam are not allowed');
          if (message.includes('crash')) throw new Error('db password is hunter2');
        },
      },
    });
  });

  it('VALIDATION names the bad fields', async () => {
    const client = await running.connect();
    const ack = await request(client, 'message', { room: 'lobby', message: 42, clientId: '' });
    expect(ack).toEqual({
      ok: false,
      error: { code: 'VALIDATION', message: expect.any(String), fields: { message: expect.any(String), clientId: expect.any(String) } },
    });
  });

  it('TOO_LARGE for a message over the length limit', async () => {
    const client = await running.connect();
    await request(client, 'join', { room: 'lobby' });
    const ack = await request(client, 'message', { room: 'lobby', message: 'x'.repeat(51), clientId: clientId() });
    expect(ack).toEqual({ ok: false, error: { code: 'TOO_LARGE', message: expect.stringContaining('50') } });
    const fits = await request(client, 'message', { room: 'lobby', message: 'x'.repeat(50), clientId: clientId() });
    expect(fits.ok).toBe(true);
  });

  it('FORBIDDEN for a room the policy refuses, for sending before joining, and from a beforeMessage hook', async () => {
    const client = await running.connect();
    expect(await request(client, 'join', { room: 'private-board' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(client, 'history', { room: 'private-board', before: 10 })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN' },
    });
    expect(await request(client, 'message', { room: 'never-joined', message: 'hi', clientId: clientId() })).toMatchObject({
      ok: false,
      error: { code: 'FORBIDDEN', message: expect.stringMatching(/join/i) },
    });
    await request(client, 'join', { room: 'hooked' });
    expect(await request(client, 'message', { room: 'hooked', message: 'buy spam', clientId: clientId() })).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'Links to spam are not allowed' },
    });
    expect(await db.collection('chat_messages').countDocuments({ room: 'hooked' })).toBe(0);
  });

  it('INTERNAL for an unexpected failure, without leaking it, and logs it on the server', async () => {
    const client = await running.connect();
    await request(client, 'join', { room: 'hooked' });
    const ack = await request(client, 'message', { room: 'hooked', message: 'crash now', clientId: clientId() });
    expect(ack).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Something went wrong on the chat server' } });
    expect(JSON.stringify(ack)).not.toContain('hunter2');
    expect(logger.lines.some((line) => line.startsWith('error:'))).toBe(true);
  });

  it('NOT_FOUND for a room outside a fixed room list', async () => {
    const listed = await startChat({ mongoose: db, rooms: ['lobby', 'support'] });
    const client = await listed.connect();
    expect(await request(client, 'join', { room: 'support' })).toMatchObject({ ok: true });
    expect(await request(client, 'join', { room: 'elsewhere' })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'There is no room "elsewhere"' },
    });
    expect(await request(client, 'history', { room: 'elsewhere', before: 5 })).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('RATE_LIMITED with retryAfterMs, per visitor, and other visitors unaffected', async () => {
    const limited = await startChat({ mongoose: db, limits: { messageRate: { max: 3, perMs: 60_000 } } });
    const [flooder, flooderTab, bystander] = await Promise.all([limited.connect(), limited.connect(), limited.connect()]);
    const tab = await limited.connect({ auth: { token: flooder.session.token } });
    void flooderTab;
    for (const client of [flooder, tab, bystander]) await request(client, 'join', { room: 'lobby' });
    const acks = [];
    for (let i = 0; i < 3; i++) acks.push(await request<MessageAck>(flooder, 'message', { room: 'lobby', message: `m${i}`, clientId: clientId() }));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const refused = await request(flooder, 'message', { room: 'lobby', message: 'one too many', clientId: clientId() });
    expect(refused).toEqual({
      ok: false,
      error: { code: 'RATE_LIMITED', message: expect.any(String), retryAfterMs: expect.any(Number) },
    });
    expect(refused.error.retryAfterMs).toBeGreaterThan(10_000);
    expect(refused.error.retryAfterMs).toBeLessThanOrEqual(20_000);
    // Another tab of the same visitor shares the budget; another visitor has their own.
    expect(await request(tab, 'message', { room: 'lobby', message: 'x', clientId: clientId() })).toMatchObject({
      error: { code: 'RATE_LIMITED' },
    });
    expect(await request(bystander, 'message', { room: 'lobby', message: 'fine', clientId: clientId() })).toMatchObject({ ok: true });
  });

  it('STORAGE_UNAVAILABLE, retryable, when the database connection is down', async () => {
    const own = await mongoose.createConnection(mongoInfo().uri, { dbName: db.name, autoCreate: false }).asPromise();
    const down = await startChat({ mongoose: own });
    const client = await down.connect();
    await request(client, 'join', { room: 'lobby' });
    await own.close();
    const ack = await request(client, 'message', { room: 'lobby', message: 'lost?', clientId: clientId() });
    expect(ack).toEqual({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', message: expect.any(String), retryable: true } });
    expect(await request(client, 'join', { room: 'lobby' })).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE' } });
  });

  it('STORAGE_UNAVAILABLE on the handshake while the store cannot initialise', async () => {
    const failing = new MemoryStore();
    let attempts = 0;
    failing.init = async () => {
      attempts++;
      throw new Error('index build failed');
    };
    const logger = quietLogger();
    const broken = await startChat({ store: failing, logger }, { waitUntilReady: false });
    const error = await broken.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ data: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    expect(JSON.stringify((error as { data: unknown }).data)).not.toContain('index build');
    expect(logger.lines.join('\n')).toMatch(/storage is not ready/);

    // Once storage comes up, the next handshake initialises it: no restart needed.
    const attemptsSoFar = attempts;
    failing.init = async () => {
      attempts++;
    };
    await expect(broken.connect()).resolves.toBeDefined();
    expect(attempts).toBe(attemptsSoFar + 1);
  });
});

describe('identity verification', () => {
  let running: RunningChat;
  beforeAll(async () => {
    running = await startChat({
      mongoose: db,
      identify: ({ headers }) => (headers['x-host-user'] === 'dana' ? { id: 'dana', name: 'Dana from the host' } : null),
    });
  });

  it('accepts userId with its userHash as the host user', async () => {
    const alice = await running.connect({ auth: { userId: 'alice', userHash: userHash('alice') } });
    expect(alice.session.visitorId).toBe('user:alice');
  });

  it('refuses a wrong userHash with UNAUTHORIZED on connect_error', async () => {
    for (const auth of [
      { userId: 'alice', userHash: userHash('mallory') },
      { userId: 'alice', userHash: '' },
      { userId: 'alice' },
      { userId: { $ne: '' }, userHash: userHash('alice') },
      { userHash: userHash('alice') },
    ]) {
      const error = await connectClient(running.url, { auth }).catch((e: unknown) => e);
      expect(error).toMatchObject({ data: { code: 'UNAUTHORIZED', message: expect.any(String) } });
    }
  });

  it('uses identify() for the host app user, with its name until details are saved', async () => {
    const room = 'host-room';
    const dana = await running.connect({ extraHeaders: { 'x-host-user': 'dana' } });
    expect(dana.session.visitorId).toBe('user:dana');
    await request(dana, 'join', { room });
    const ack = await request<MessageAck>(dana, 'message', { room, message: 'hi', clientId: clientId() });
    // In a public room, others see an opaque id, never the host's user id (the session says which).
    expect(dana.session.senderId).toMatch(/^u_[A-Za-z0-9_-]{22}$/);
    expect(ack.ok && ack.message.sender).toEqual({ id: dana.session.senderId, name: 'Dana from the host', role: 'visitor' });
    const other = await running.connect();
    const seen = await request(other, 'join', { room });
    expect(JSON.stringify(seen)).not.toContain('dana"');
    expect(JSON.stringify(seen)).not.toContain('user:');
  });

  it("never lets a visitor's form details or stored token take over a verified identity", async () => {
    const alice = await running.connect({ auth: { userId: 'alice', userHash: userHash('alice') } });
    await request(alice, 'userDetails', { name: 'Alice', email: 'alice@example.com', phone: '' });

    const impostor = await running.connect();
    const ack = await request(impostor, 'userDetails', { name: 'Alice', email: 'alice@example.com', phone: '' });
    expect(ack.user.id).toBe(impostor.session.visitorId);
    const again = await running.connect({ auth: { token: impostor.session.token } });
    expect(again.session.visitorId).toBe(impostor.session.visitorId);
    expect(await db.collection('chat_users').findOne({ visitorId: 'user:alice' })).toMatchObject({ name: 'Alice' });

    // The token a host user was given names them, but alone it never signs anyone in as them.
    const sharedBrowser = await running.connect({ auth: { token: alice.session.token } });
    expect(sharedBrowser.session.visitorId).toMatch(/^v_/);
  });
});

describe('origins', () => {
  let running: RunningChat;
  const logger = quietLogger();
  beforeAll(async () => {
    running = await startChat({ mongoose: db, allowedOrigins: ['https://shop.example'], logger, operators: { identify: () => ({ id: 'o', name: 'O' }) } });
  });

  it('accepts listed origins, the same origin and non-browser clients', async () => {
    await expect(running.connect({ extraHeaders: { origin: 'https://shop.example' } })).resolves.toBeDefined();
    await expect(running.connect({ extraHeaders: { origin: running.url } })).resolves.toBeDefined();
    await expect(running.connect()).resolves.toBeDefined();
  });

  it('refuses other origins on both transports and namespaces, saying why, and tells the site owner once', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const error = await running.connect({ transports, extraHeaders: { origin: 'https://evil.example' } }).catch((e: unknown) => e);
      expect(error).toMatchObject({ data: { code: 'FORBIDDEN', message: expect.stringContaining('https://evil.example') } });
      expect((error as { data: { retryable?: boolean } }).data.retryable).toBeUndefined();
    }
    const operator = await connectOperator(running.url, 'anyone', { extraHeaders: { origin: 'https://evil.example' } }).catch((e: unknown) => e);
    expect(operator).toMatchObject({ data: { code: 'FORBIDDEN' } });
    // Once per option to set: the widget's origins, and the team's own.
    const lines = logger.lines.filter((line) => line.includes('https://evil.example'));
    expect(lines).toEqual([
      expect.stringMatching(/add "https:\/\/evil\.example" to the allowedOrigins option/),
      expect.stringMatching(/add "https:\/\/evil\.example" to the operators\.allowedOrigins option/),
    ]);
  });
});
