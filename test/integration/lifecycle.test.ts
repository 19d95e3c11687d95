import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import { Server as SocketIOServer } from 'socket.io';
import { io as connectSocket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { createChatServer, MemoryStore, type MessageAck, type MessageDraft } from 'parley-chat';
import {
  clientId,
  connectClient,
  connectMongo,
  nextEvent,
  onCleanup,
  quietLogger,
  request,
  SECRET,
  startChat,
} from '../support/harness.js';

let db: mongoose.Connection;
beforeAll(async () => {
  db = await connectMongo();
});

function listen(server: ReturnType<typeof createServer>, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

describe('close()', () => {
  it('disconnects clients, keeps the Mongoose connection and frees the port', async () => {
    const running = await startChat({ mongoose: db });
    const client = await running.connect();
    await request(client, 'join', { room: 'closing' });
    const disconnected = nextEvent(client, 'disconnect');

    const ack = await request<MessageAck>(client, 'message', { room: 'closing', message: 'last words', clientId: clientId() });
    expect(ack.ok).toBe(true);
    await running.chat.close();
    // A transport close, not a kick: a client with reconnection on comes back by itself.
    expect(await disconnected).toBe('transport close');
    expect(await db.collection('chat_messages').countDocuments({ room: 'closing' })).toBe(1);
    expect(db.readyState).toBe(1);

    await expect(connectClient(running.url, { timeout: 2000 })).rejects.toBeInstanceOf(Error);
    // The host's server still serves its own routes, and closes promptly: the chat holds no connection.
    expect((await fetch(`${running.url}/`)).status).toBe(404);
    await new Promise((resolve) => running.server.close(resolve));
    const again = createServer();
    await listen(again, running.port);
    again.close();
  });

  it.each([['websocket'], ['polling']])('waits for a slow store before disconnecting (%s)', async (transport) => {
    const store = new MemoryStore();
    const append = store.appendMessage.bind(store);
    store.appendMessage = async (draft: MessageDraft) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return append(draft);
    };
    const running = await startChat({ store });
    const client = await running.connect({ transports: [transport] });
    await request(client, 'join', { room: 'slow' });
    const inFlight = request<MessageAck>(client, 'message', { room: 'slow', message: 'slow one', clientId: clientId() });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = running.chat.close({ drainTimeoutMs: 5000 });
    // A request arriving while the chat drains is answered (retryable), not left on a dead transport.
    const late = await request(client, 'message', { room: 'slow', message: 'too late', clientId: clientId() });
    expect(late).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    await closed;
    expect((await inFlight).ok).toBe(true);
    expect((await store.listMessages({ room: 'slow', limit: 10 })).messages).toHaveLength(1);
  });

  it('is idempotent and refuses attach() afterwards', async () => {
    const chat = createChatServer({ store: new MemoryStore(), secret: SECRET, logger: quietLogger() });
    await Promise.all([chat.close(), chat.close()]);
    expect(() => chat.attach(createServer())).toThrow(/closed/);
  });
});

describe('attaching', () => {
  it('runs on a Socket.IO server the host passes in', async () => {
    const server = createServer();
    const io = new SocketIOServer(server, { path: '/realtime' });
    const chat = createChatServer({ store: new MemoryStore(), secret: SECRET, logger: quietLogger() });
    chat.attach(io);
    expect(chat.io).toBe(io);
    const port = await listen(server);
    onCleanup(async () => {
      await chat.close();
      await io.close();
    });
    const client = await connectClient(`http://127.0.0.1:${port}`, { path: '/realtime' });
    expect(client.session.visitorId).toMatch(/^v_/);
    await request(client, 'join', { room: 'shared-io' });
    expect(await request(client, 'message', { room: 'shared-io', message: 'hi', clientId: clientId() })).toMatchObject({ ok: true });
  });

  it("coexists with the host's own Socket.IO server on the same HTTP server", async () => {
    const running = await startChat({ mongoose: db });
    const hostIo = new SocketIOServer(running.server);
    hostIo.on('connection', (socket) => socket.on('ping-host', (ack: (reply: string) => void) => ack('pong from host')));
    onCleanup(() => hostIo.close());

    for (const transports of [['websocket'], ['polling']]) {
      const hostClient = connectSocket(running.url, { transports, forceNew: true });
      onCleanup(() => hostClient.disconnect());
      expect(await hostClient.timeout(5000).emitWithAck('ping-host')).toBe('pong from host');
      const chatClient = await running.connect({ transports });
      await request(chatClient, 'join', { room: 'coexist' });
      expect(await request(chatClient, 'message', { room: 'coexist', message: 'hi', clientId: clientId() })).toMatchObject({ ok: true });
    }
  });

  it('serves polling through the plain Node handler, and passes other requests on', async () => {
    const chat = createChatServer({ store: new MemoryStore(), secret: SECRET, logger: quietLogger() });
    const server = createServer((req, res) =>
      chat.handler(req, res, () => {
        res.end('host route');
      }),
    );
    const port = await listen(server);
    onCleanup(async () => {
      await chat.close();
      server.closeAllConnections();
      server.close();
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/elsewhere`)).text()).toBe('host route');
    const client = await connectClient(`http://127.0.0.1:${port}`, { transports: ['polling'] });
    expect(client.session.visitorId).toMatch(/^v_/);
  });
});

describe('configuration', () => {
  it('throws at once, saying what to pass', () => {
    expect(() => createChatServer({} as never)).toThrow(/pass `mongoose`.*or `store`/);
    expect(() => createChatServer({ store: new MemoryStore(), mongoose: db })).toThrow(/not both/);
    expect(() => createChatServer({ store: new MemoryStore(), secret: 'short' })).toThrow(/at least 32 characters/);
    expect(() => createChatServer({ store: new MemoryStore(), secret: SECRET, basePath: 'chat' })).toThrow(/basePath/);
    expect(() => createChatServer({ store: new MemoryStore(), secret: SECRET, limits: { pageSize: 0 } })).toThrow(/pageSize/);
    expect(() => createChatServer({ store: new MemoryStore(), secret: SECRET }).attach({} as never)).toThrow(/http.Server/);
  });

  it('warns when no secret is given', () => {
    const logger = quietLogger();
    createChatServer({ store: new MemoryStore(), logger });
    expect(logger.lines.join('\n')).toMatch(/no `secret` given/);
  });

  it('serves Socket.IO under a custom basePath', async () => {
    const running = await startChat({ store: new MemoryStore(), basePath: '/support/chat/' });
    expect(running.chat.basePath).toBe('/support/chat');
    const client = await running.connect();
    expect(client.session.visitorId).toMatch(/^v_/);
  });
});
