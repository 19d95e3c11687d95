import { randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection } from 'mongoose';
import { io as connectSocket, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { afterAll, inject } from 'vitest';
import {
  createChatServer,
  type ChatServer,
  type ChatServerOptions,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SessionEvent,
} from 'parley-chat';

export const SECRET = 'test-secret-that-is-at-least-32-characters-long';

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents> & { session: SessionEvent };

/** Runs `fn` at the end of the file, most recent first (like `using`, across tests). */
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

export const mongoInfo = () => inject('mongo');

/**
 * A fresh database on the run's MongoDB, for this test file only. Mongoose is told not to
 * create collections (the emulator cannot), exactly as a careful host app might be.
 */
export async function connectMongo(): Promise<Connection> {
  const { uri, emulated } = inject('mongo');
  const dbName = `parley_test_${randomBytes(6).toString('hex')}`;
  const connection = await mongoose.createConnection(uri, { dbName, autoCreate: false, autoIndex: false }).asPromise();
  onCleanup(async () => {
    if (!emulated) await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  });
  return connection;
}

export interface RunningChat {
  chat: ChatServer;
  server: HttpServer;
  url: string;
  port: number;
  /** Connects a client and resolves once its `session` arrived. */
  connect(options?: Partial<ManagerOptions & SocketOptions>): Promise<ChatClient>;
}

/**
 * Every test client connects from 127.0.0.1, like a whole office behind one NAT, and most tests
 * start many new visitors; the per-address limit on new visitors has tests of its own.
 */
export const TEST_LIMITS = { newVisitorRate: { max: 10_000, perMs: 1000 } };

/** Options for a chat under test: the test secret, a quiet logger and TEST_LIMITS under `options`. */
export function testChatOptions(options: ChatServerOptions): ChatServerOptions {
  return { secret: SECRET, logger: quietLogger(), ...options, limits: { ...TEST_LIMITS, ...options.limits } };
}

/** A real http.Server on port 0 with the chat attached, closed at the end of the file. */
export async function startChat(options: ChatServerOptions, { waitUntilReady = true } = {}): Promise<RunningChat> {
  const server = createServer((_req, res) => {
    res.statusCode = 404;
    res.end('host app');
  });
  const chat = createChatServer(testChatOptions(options));
  chat.attach(server);
  if (waitUntilReady) await chat.ready();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  onCleanup(async () => {
    await chat.close({ drainTimeoutMs: 1000 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return {
    chat,
    server,
    url,
    port,
    connect: (clientOptions) => connectClient(url, { path: `${chat.basePath}/socket.io`, ...clientOptions }),
  };
}

export async function connectClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ChatClient> {
  const { socket, session } = await connectWithSession<SessionEvent>(url, options);
  return Object.assign(socket, { session }) as ChatClient;
}

/**
 * A test socket (WebSocket only, its own connection, no reconnection, disconnected at the end of
 * the file) and the `session` event the chat greets it with; fails on a refusal or after 5 s.
 */
export async function connectWithSession<S>(
  url: string,
  options: Partial<ManagerOptions & SocketOptions>,
): Promise<{ socket: Socket; session: S }> {
  const socket = connectSocket(url, {
    path: '/chat/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  onCleanup(() => socket.disconnect());
  const session = await new Promise<S>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no session event from ${url} within 5 s`)), 5000);
    socket.once('session', (event: S) => {
      clearTimeout(timer);
      resolve(event);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return { socket, session };
}

/** Emits with an ack and resolves with the ack, failing after 5 s. */
export function request<T = any>(socket: Socket, event: string, ...args: unknown[]): Promise<T> {
  return socket.timeout(5000).emitWithAck(event, ...args) as Promise<T>;
}

/** Collects every `event` the socket receives, for asserting what arrived (and what did not). */
export function collect<T = any>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Resolves with the next `event` on the socket, failing after `ms`. */
export function nextEvent<T = any>(socket: Socket, event: string, ms = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${event}" event within ${ms} ms`)), ms);
    socket.once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Lets in-flight socket traffic arrive, for asserting that something did NOT happen. */
export function settle(ms = 150): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface CapturedLogger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  lines: string[];
}

/** Keeps the chat's own log lines for assertions instead of printing them. */
export function quietLogger(): CapturedLogger {
  const lines: string[] = [];
  return {
    lines,
    warn: (message) => lines.push(`warn: ${message}`),
    error: (message) => lines.push(`error: ${message}`),
  };
}

let counter = 0;
/** A clientId unique within the run. */
export function clientId(): string {
  return `c${Date.now().toString(36)}${(counter++).toString(36)}`;
}
