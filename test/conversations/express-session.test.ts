import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatRoutes, createChatServer } from 'parley-chat/express';
import type { OperatorIdentity } from 'parley-chat';
import { connectMongo, onCleanup, quietLogger, request, SECRET } from '../support/harness.js';
import { connectOperator } from '../support/operators.js';

declare module 'express-session' {
  interface SessionData {
    staff?: OperatorIdentity;
  }
}

// Operators are the host's own users: here an Express app's logged-in staff, by its session cookie.

let db: mongoose.Connection;
let url: string;

beforeAll(async () => {
  db = await connectMongo();
  const app = express();
  const sessions = session({ secret: 'host-session-secret', resave: false, saveUninitialized: false });
  const chat = createChatServer({
    mongoose: db,
    secret: SECRET,
    logger: quietLogger(),
    middleware: [sessions],
    operators: { identify: ({ request }) => (request as express.Request).session?.staff ?? null },
  });
  app.use(sessions);
  app.use(chatRoutes(chat));
  app.post('/login', (req, res) => {
    req.session.staff = { id: 'u-olga', name: 'Olga', inboxes: ['support'] };
    res.end('logged in');
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  chat.attach(server);
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

describe('operators.identify on Express sessions', () => {
  it('recognises a logged-in member of staff by the session cookie, on both transports', async () => {
    const login = await fetch(`${url}/login`, { method: 'POST' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    for (const transports of [['websocket'], ['polling']]) {
      const operator = await connectOperator(url, 'ignored', { transports, extraHeaders: { cookie } });
      expect(operator.session).toMatchObject({ id: 'u-olga', name: 'Olga', inboxes: ['support'] });
      expect(await request(operator, 'inbox', {})).toMatchObject({ ok: true });
    }
  });

  it('refuses a connection without a logged-in session', async () => {
    await expect(connectOperator(url, 'ignored')).rejects.toMatchObject({ data: { code: 'UNAUTHORIZED' } });
    await expect(connectOperator(url, 'ignored', { extraHeaders: { cookie: 'connect.sid=s%3Aforged.signature' } })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });
});
