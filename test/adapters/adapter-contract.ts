import { readFileSync } from 'node:fs';
import { createServer, get, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import mongoose from 'mongoose';
import { Server as SocketIOServer } from 'socket.io';
import { io as connectSocket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChatError,
  type ChatMessage,
  type ChatServer,
  type ChatServerOptions,
  type InboxMessageAck,
  type MessageAck,
  type OperatorMessageAck,
} from 'parley-chat';
import {
  clientId,
  connectClient,
  connectMongo,
  mongoInfo,
  nextEvent,
  onCleanup,
  request,
  testChatOptions,
} from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';
import { browserBundlePath, widgetBundlePath } from '../support/widget-bundle.js';

export interface RunningApp {
  url: string;
  port: number;
  chat: ChatServer;
  server: HttpServer;
  /** Closes the app the framework's way (server.close() or fastify.close()). */
  close(): Promise<void>;
}

/**
 * Builds an app of one framework with the chat mounted as the README shows, plus a host route
 * `GET /hello` answering "hello from the host".
 */
export interface AdapterHarness {
  name: string;
  start(chatOptions: ChatServerOptions): Promise<RunningApp>;
}

/**
 * For frameworks whose `listen()` returns the HTTP server (Express, Koa): waits until it listens,
 * attaches the chat as the README shows, and closes it with `server.close()`.
 */
export async function listenAndAttach(chat: ChatServer, listen: () => HttpServer): Promise<RunningApp> {
  const server = listen();
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  chat.attach(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    chat,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Room policy for the contract: `private-*` rooms are forbidden, `missing-*` rooms do not exist. */
const rooms = (room: string) => {
  if (room.startsWith('missing-')) throw new ChatError('NOT_FOUND', `There is no room "${room}"`);
  return !room.startsWith('private-');
};

export function describeAdapterContract(harness: AdapterHarness): void {
  describe(`adapter contract: ${harness.name}`, () => {
    let db: mongoose.Connection;
    let app: RunningApp;

    const start = async (options: Partial<ChatServerOptions> = {}) => {
      const running = await harness.start(testChatOptions({ mongoose: db, rooms, operators: operatorsOptions(), ...options }));
      onCleanup(() => running.close());
      await running.chat.ready();
      return running;
    };
    const connect = (url: string, options = {}) => connectClient(url, options);

    beforeAll(async () => {
      db = await connectMongo();
      app = await start();
    });

    it("leaves the host app's own routes alone", async () => {
      const response = await fetch(`${app.url}/hello`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('hello from the host');
    });

    describe('GET <base>/widget.js', () => {
      const bundle = readFileSync(widgetBundlePath());

      it('serves the built widget bundle with its type, ETag and cache headers', async () => {
        const response = await fetch(`${app.url}/chat/widget.js`, { headers: { 'accept-encoding': 'identity' } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        expect(response.headers.get('etag')).toMatch(/^"[\w-]+"$/);
        expect(response.headers.get('cache-control')).toBe('public, no-cache');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
        expect(Buffer.from(await response.arrayBuffer()).equals(bundle)).toBe(true);
      });

      it('answers 304 to a matching If-None-Match, and 200 to a stale one', async () => {
        const etag = (await fetch(`${app.url}/chat/widget.js`)).headers.get('etag')!;
        const fresh = await fetch(`${app.url}/chat/widget.js`, { headers: { 'if-none-match': etag } });
        expect(fresh.status).toBe(304);
        expect(await fresh.text()).toBe('');
        const weak = await fetch(`${app.url}/chat/widget.js`, { headers: { 'if-none-match': `W/${etag}` } });
        expect(weak.status).toBe(304);
        const stale = await fetch(`${app.url}/chat/widget.js`, { headers: { 'if-none-match': '"stale"' } });
        expect(stale.status).toBe(200);
      });

      it('compresses with brotli where accepted, even when it is the only encoding accepted', async () => {
        for (const accept of ['br', 'gzip, deflate, br', 'br;q=1, gzip;q=0.5']) {
          const raw = await rawGet(app.port, '/chat/widget.js', { 'accept-encoding': accept });
          expect(raw.headers['content-encoding'], accept).toBe('br');
          expect(brotliDecompressSync(raw.body).equals(bundle)).toBe(true);
        }
        const refused = await rawGet(app.port, '/chat/widget.js', { 'accept-encoding': 'br;q=0, gzip' });
        expect(refused.headers['content-encoding']).toBe('gzip');
        const none = await rawGet(app.port, '/chat/widget.js', { 'accept-encoding': 'identity' });
        expect(none.headers['content-encoding']).toBeUndefined();
        expect(none.body.equals(bundle)).toBe(true);
      });

      it('lets pages of any origin load it as a module script (connecting is checked separately)', async () => {
        const response = await fetch(`${app.url}/chat/widget.js`, { headers: { origin: 'https://other-site.example' } });
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        const inbox = await fetch(`${app.url}/chat/inbox.js`, { headers: { origin: 'https://other-site.example' } });
        expect(inbox.status).toBe(200);
        expect(inbox.headers.get('access-control-allow-origin')).toBe('*');
      });

      it('serves beside it the chat window the launcher imports when the chat is opened', async () => {
        expect(bundle.toString()).toMatch(/import\(["']\.\/chat-panel\.js["']\)/);
        const response = await fetch(`${app.url}/chat/chat-panel.js`, { headers: { origin: 'https://other-site.example' } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(browserBundlePath('chat-panel.js')))).toBe(true);
      });

      it('compresses with gzip when the client accepts it, and answers HEAD without a body', async () => {
        const raw = await rawGet(app.port, '/chat/widget.js', { 'accept-encoding': 'gzip' });
        expect(raw.headers['content-encoding']).toBe('gzip');
        expect(raw.headers.vary).toMatch(/Accept-Encoding/i);
        expect(gunzipSync(raw.body).equals(bundle)).toBe(true);
        const head = await fetch(`${app.url}/chat/widget.js`, { method: 'HEAD' });
        expect(head.status).toBe(200);
        expect(await head.text()).toBe('');
      });
    });

    describe('GET <base>/health', () => {
      it('answers 200 while the store is reachable', async () => {
        const response = await fetch(`${app.url}/chat/health`);
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({ ok: true });
      });

      it('answers 503 when the database is down', async () => {
        const own = await mongoose.createConnection(mongoInfo().uri, { dbName: db.name, autoCreate: false }).asPromise();
        const down = await start({ mongoose: own });
        await own.close();
        const response = await fetch(`${down.url}/chat/health`);
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
      });
    });

    describe('GET <base>/history', () => {
      it('returns the same pages as the socket history event', async () => {
        const client = await connect(app.url);
        await request(client, 'join', { room: 'history-room' });
        for (let i = 1; i <= 6; i++) {
          await request(client, 'message', { room: 'history-room', message: `m${i}`, clientId: clientId() });
        }
        const viaSocket = await request(client, 'history', { room: 'history-room', before: 6, limit: 3 });
        const response = await fetch(`${app.url}/chat/history?room=history-room&before=6&limit=3`);
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
        const viaHttp = (await response.json()) as { messages: Array<{ message: string }>; hasMore: boolean };
        expect(viaHttp).toEqual(viaSocket);
        expect(viaHttp.messages.map((m) => m.message)).toEqual(['m3', 'm4', 'm5']);
        expect(viaHttp.hasMore).toBe(true);
      });

      it('says a missing parameter is required', async () => {
        const response = await fetch(`${app.url}/chat/history?room=lobby`);
        expect(await response.json()).toMatchObject({ error: { code: 'VALIDATION', fields: { before: 'before is required' } } });
      });

      it.each([
        ['no before', '?room=lobby'],
        ['before not a number', '?room=lobby&before=abc'],
        ['limit over 100', '?room=lobby&before=5&limit=1000'],
        ['a negative before', '?room=lobby&before=-1'],
        ['an operator as the room', '?room[$ne]=x&before=5'],
        ['a bad room name', '?room=%24ne&before=5'],
        ['the room twice', '?room=a&room=b&before=5'],
      ])('answers 400 VALIDATION for %s', async (_label, query) => {
        const response = await fetch(`${app.url}/chat/history${query}`);
        expect(response.status).toBe(400);
        expect(await response.json()).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      });

      it('answers 403 for a forbidden room and 404 for a missing one', async () => {
        const forbidden = await fetch(`${app.url}/chat/history?room=private-board&before=5`);
        expect(forbidden.status).toBe(403);
        expect(await forbidden.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
        const missing = await fetch(`${app.url}/chat/history?room=missing-room&before=5`);
        expect(missing.status).toBe(404);
        expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
      });

      it('answers 429 with Retry-After when a client asks too often', async () => {
        const limited = await start({ limits: { eventRate: { max: 2, perMs: 60_000 } } });
        const url = `${limited.url}/chat/history?room=lobby&before=5`;
        expect((await fetch(url)).status).toBe(200);
        expect((await fetch(url)).status).toBe(200);
        const refused = await fetch(url);
        expect(refused.status).toBe(429);
        expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });
      });

      it('answers 503 when the database is down', async () => {
        const own = await mongoose.createConnection(mongoInfo().uri, { dbName: db.name, autoCreate: false }).asPromise();
        const down = await start({ mongoose: own });
        await own.close();
        const response = await fetch(`${down.url}/chat/history?room=lobby&before=5`);
        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({ error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
      });

      it('answers 405 to other methods', async () => {
        const response = await fetch(`${app.url}/chat/history?room=lobby&before=5`, { method: 'POST' });
        expect(response.status).toBe(405);
        expect(response.headers.get('allow')).toBe('GET, HEAD');
      });
    });

    describe('Socket.IO', () => {
      it('round-trips a message between two clients over WebSocket and polling', async () => {
        const alice = await connect(app.url);
        const bob = await connect(app.url, { transports: ['polling'] });
        await request(alice, 'join', { room: 'round-trip' });
        await request(bob, 'join', { room: 'round-trip' });
        const arrives = nextEvent(bob, 'message');
        const ack = await request<MessageAck>(alice, 'message', { room: 'round-trip', message: 'hi Bob', clientId: clientId() });
        expect(ack.ok).toBe(true);
        expect(await arrives).toEqual(ack.ok && ack.message);
      });

      it("coexists with the host's own Socket.IO server on the same HTTP server", async () => {
        const own = await start();
        const hostIo = new SocketIOServer(own.server);
        hostIo.on('connection', (socket) => socket.on('ping-host', (reply: (answer: string) => void) => reply('pong')));
        onCleanup(() => hostIo.close());
        for (const transports of [['websocket'], ['polling']]) {
          const hostClient = connectSocket(own.url, { transports, forceNew: true, reconnection: false });
          onCleanup(() => hostClient.disconnect());
          expect(await hostClient.timeout(5000).emitWithAck('ping-host')).toBe('pong');
          const chatClient = await connect(own.url, { transports });
          expect(await request(chatClient, 'join', { room: 'coexist' })).toMatchObject({ ok: true });
        }
      });
    });

    describe('support conversations', () => {
      it('carries a conversation between a visitor and two operators, and its history to its visitor only', async () => {
        const [olga, omar] = await Promise.all([connectOperator(app.url, 'olga'), connectOperator(app.url, 'omar', { transports: ['polling'] })]);
        const visitor = await connect(app.url);
        await request(visitor, 'join', { inbox: 'support' });
        const omarSees = nextEvent(omar, 'conversation');
        const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Is this in stock?', clientId: clientId() });
        expect(sent.ok).toBe(true);
        const id = sent.ok ? sent.conversation.id : '';
        expect(await omarSees).toMatchObject({ id, unread: 1, lastMessage: { message: 'Is this in stock?' } });
        expect(await request(olga, 'assign', { conversationId: id, to: 'u-olga', expected: null })).toMatchObject({ ok: true });
        const visitorGets = nextEvent<ChatMessage>(visitor, 'message');
        const reply = await request<OperatorMessageAck>(olga, 'message', { conversationId: id, message: 'Yes, 4 left.', clientId: clientId() });
        expect(await visitorGets).toEqual(reply.ok && reply.message);

        const history = (token?: string) =>
          fetch(`${app.url}/chat/history?inbox=support&before=100`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
        expect((await history()).status).toBe(401);
        const own = await history(visitor.session.token);
        expect(((await own.json()) as { messages: ChatMessage[] }).messages.map((m) => m.message)).toEqual(['Is this in stock?', 'Yes, 4 left.']);
        const stranger = await connect(app.url);
        expect(await (await history(stranger.session.token)).json()).toEqual({ ok: true, messages: [], hasMore: false });
      });
    });

    describe('shutdown', () => {
      it('closing the app closes the chat, disconnects its clients and frees the port', async () => {
        const closing = await start();
        const client = await connect(closing.url);
        const polling = await connect(closing.url, { transports: ['polling'] });
        const disconnected = Promise.all([nextEvent(client, 'disconnect'), nextEvent(polling, 'disconnect')]);
        const started = Date.now();
        await closing.close();
        expect(Date.now() - started).toBeLessThan(5000);
        await disconnected;
        expect(db.readyState).toBe(1);
        await expect(listenOn(closing.port)).resolves.toBeUndefined();
      });
    });
  });
}

/** GET without fetch's transparent decompression, to see the bytes on the wire. */
function rawGet(port: number, path: string, headers: Record<string, string>) {
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

/** Resolves once a new server could listen on the port (and closes it again). */
function listenOn(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}
