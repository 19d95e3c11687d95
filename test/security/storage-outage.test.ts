import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { describe, expect, it } from 'vitest';
import type { MessageAck } from 'parley-chat';
import { withDatabase } from '../../demo/mongodb.js';
import { clientId, mongoInfo, onCleanup, request, startChat, type RunningChat } from '../support/harness.js';
import { hostAndPort, TcpProxy, throughProxy } from '../support/tcp-proxy.js';

// MongoDB reached through a proxy the test can cut: to the driver that is a server not up yet,
// or one that went away, on a fixed address. The chat must answer fast while it is down and
// come back by itself, following the connection's events rather than its first connect.

async function proxiedMongo({ down }: { down: boolean }) {
  const { uri } = mongoInfo();
  const proxy = await TcpProxy.start(hostAndPort(uri), { down });
  onCleanup(() => proxy.close());
  const dbUri = withDatabase(throughProxy(uri, proxy), `parley_outage_${randomBytes(4).toString('hex')}`);
  return { proxy, dbUri };
}

/** A connection as hosts often make one: created, not awaited. Closed at the end of the file. */
function hostConnection(uri: string, options: mongoose.ConnectOptions = {}): Connection {
  const connection = mongoose.createConnection(uri, { autoCreate: false, autoIndex: false, ...options });
  connection.on('error', () => undefined); // a host logs it; the test only watches the chat
  onCleanup(() => connection.close());
  return connection;
}

/** Resolves with the answer and how long it took. */
async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

const health = (running: RunningChat) => timed(async () => (await fetch(`${running.url}/chat/health`)).status);
const handshake = (running: RunningChat) => timed(() => running.connect().then(() => 'connected', (error: { data?: unknown }) => error.data));

async function expectDownButFast(running: RunningChat) {
  const status = await health(running);
  expect(status.value).toBe(503);
  expect(status.ms).toBeLessThan(1000);
  const refused = await handshake(running);
  expect(refused.value).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
  expect(refused.ms).toBeLessThan(1000);
}

async function expectWorking(running: RunningChat) {
  await expect.poll(async () => (await health(running)).value, { timeout: 15_000, interval: 250 }).toBe(200);
  const client = await running.connect();
  expect(await request(client, 'join', { room: 'lobby' })).toMatchObject({ ok: true });
  const ack = await request<MessageAck>(client, 'message', { room: 'lobby', message: 'back', clientId: clientId() });
  expect(ack).toMatchObject({ ok: true, message: { message: 'back' } });
  return client;
}

describe('MongoDB outages (through a TCP proxy)', () => {
  it('MongoDB up 5 s after the chat: fast 503s and refusals meanwhile, then ready by itself', async () => {
    const { proxy, dbUri } = await proxiedMongo({ down: true });
    const running = await startChat({ mongoose: hostConnection(dbUri) }, { waitUntilReady: false });
    const upAt = Date.now() + 5000;
    while (Date.now() < upAt - 1500) {
      await expectDownButFast(running);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await new Promise((resolve) => setTimeout(resolve, upAt - Date.now()));
    proxy.restore();
    await expectWorking(running);
  });

  it('MongoDB going away and coming back: fast failures while it is gone, then working again without a restart', async () => {
    const { proxy, dbUri } = await proxiedMongo({ down: false });
    const connection = hostConnection(dbUri, { heartbeatFrequencyMS: 1000 });
    await connection.asPromise();
    // Until the driver notices the server is gone, operations wait for it: the chat answers them
    // after storageTimeoutMs instead of the driver's 30 s.
    const running = await startChat({ mongoose: connection, limits: { storageTimeoutMs: 800 } });
    const client = await expectWorking(running);

    proxy.cut();
    await expect.poll(async () => (await health(running)).value, { timeout: 10_000, interval: 250 }).toBe(503);
    await expectDownButFast(running);
    const lost = await timed(() => request(client, 'message', { room: 'lobby', message: 'during', clientId: clientId() }));
    expect(lost.value).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    expect(lost.ms).toBeLessThan(1500);

    proxy.restore();
    await expectWorking(running);
    // The client that stayed connected through it can send again too.
    expect(await request(client, 'message', { room: 'lobby', message: 'after', clientId: clientId() })).toMatchObject({ ok: true });
  });

  it('a host that opens its connection again after Mongoose gave up on the first connect: the chat follows', async () => {
    const { proxy, dbUri } = await proxiedMongo({ down: true });
    const connection = hostConnection(dbUri, { serverSelectionTimeoutMS: 1000 });
    const firstConnect = connection.asPromise().then(
      () => 'connected',
      () => 'gave up',
    );
    const running = await startChat({ mongoose: connection }, { waitUntilReady: false });
    expect(await firstConnect).toBe('gave up');
    await expectDownButFast(running);

    proxy.restore();
    // What the README tells a host to do: open it again (here once; a host retries in a loop).
    await connection.openUri(dbUri, { autoCreate: false, autoIndex: false, serverSelectionTimeoutMS: 1000 });
    await expectWorking(running);
  });
});
