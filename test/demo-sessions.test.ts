import { fileURLToPath } from 'node:url';
import { io as connectSocket } from 'socket.io-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { OperatorSessionEvent } from 'parley-chat';
import { DEMO_OPERATORS, startDemo } from '../demo/app.js';
import { withDatabase } from '../demo/mongodb.js';
import { connectMongo, mongoInfo, onCleanup } from './support/harness.js';
import { startNodeProcess, stopProcess } from './support/processes.js';
import { REDIS_URL, redisAnswers } from './support/redis.js';

// The demo's team signs in with a session cookie. Its sessions and the cookies' signing secret are
// kept in the demo's MongoDB, so a restart, or another node on the same database, signs nobody out.
// Plain HTTP and socket.io-client: what a browser would send, without one.

const serverScript = fileURLToPath(new URL('../demo/server.js', import.meta.url));
const hasRedis = await redisAnswers('the demo sessions test with several nodes');

type Username = keyof typeof DEMO_OPERATORS;

/** Signs in on the demo's team page as the form does, and returns the session cookie it set. */
async function signIn(siteUrl: string, username: Username): Promise<string> {
  const form = new URLSearchParams({ username, password: DEMO_OPERATORS[username]!.password });
  const response = await fetch(`${siteUrl}/team/sign-in`, { method: 'POST', body: form, redirect: 'manual' });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  expect(response.status).toBe(303);
  expect(cookie).toMatch(/^connect\.sid=/);
  return cookie!;
}

/** What `cookie` gets at /team: the team's inbox, or the sign-in form. */
async function teamPage(siteUrl: string, cookie: string): Promise<'inbox' | 'sign-in'> {
  const body = await (await fetch(`${siteUrl}/team`, { headers: { cookie } })).text();
  if (body.includes('<chat-inbox')) return 'inbox';
  expect(body).toContain('Team sign-in');
  return 'sign-in';
}

/** Connects to /operators with `cookie`: the operator it was taken for, or the refusal's code. */
async function operatorWith(siteUrl: string, cookie: string): Promise<OperatorSessionEvent | { refused: unknown }> {
  const socket = connectSocket(`${siteUrl}/operators`, {
    path: '/chat/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { cookie },
  });
  onCleanup(() => socket.disconnect());
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${siteUrl}/operators within 5 s`)), 5000);
      socket.once('session', (session: OperatorSessionEvent) => {
        clearTimeout(timer);
        resolve(session);
      });
      socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => {
        clearTimeout(timer);
        resolve({ refused: error.data?.code });
      });
    });
  } finally {
    socket.disconnect();
  }
}

/** `node demo/server.js` (what `npm run demo` starts) on the given database, once it printed its sign-ins. */
async function startDemoProcess(databaseUri: string, args: string[], ready: RegExp) {
  return startNodeProcess(serverScript, args, {
    ready,
    timeoutMs: 30_000,
    // No SESSION_SECRET: the demo then makes its own and keeps it in MongoDB.
    env: { MONGODB_URI: databaseUri, PORT: '0', HOST: '127.0.0.1', SESSION_SECRET: '', REDIS_URL },
  });
}

describe('the demo keeps its team signed in', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('across a restart of the site on the same MongoDB: the inbox page, /operators, and signing out', async () => {
    vi.stubEnv('SESSION_SECRET', undefined);
    const db = await connectMongo();
    const before = await startDemo({ connection: db, port: 0 });
    const cookie = await signIn(before.url, 'alex');
    expect(await teamPage(before.url, cookie)).toBe('inbox');
    await before.close();

    const after = await startDemo({ connection: db, port: 0 });
    onCleanup(() => after.close());
    expect(await teamPage(after.url, cookie)).toBe('inbox');
    expect(await operatorWith(after.url, cookie)).toMatchObject({ id: 'demo-alex', name: 'Alex', inboxes: ['support'] });

    // Signing out removes the session from MongoDB: the same cookie gets the form, here and on a
    // site started later.
    await fetch(`${after.url}/team/sign-out`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(await teamPage(after.url, cookie)).toBe('sign-in');
    expect(await operatorWith(after.url, cookie)).toEqual({ refused: 'UNAUTHORIZED' });
    const later = await startDemo({ connection: db, port: 0 });
    onCleanup(() => later.close());
    expect(await teamPage(later.url, cookie)).toBe('sign-in');
  });

  it('when `node demo/server.js` is stopped and started again on MONGODB_URI, with no SESSION_SECRET', async () => {
    const db = await connectMongo();
    const databaseUri = withDatabase(mongoInfo().uri, db.name);
    const ready = /Team inbox: (http:\/\/\S+)\/team — sign in as sam/;
    const first = await startDemoProcess(databaseUri, [], ready);
    const cookie = await signIn(first.ready[1]!, 'sam');
    expect(await teamPage(first.ready[1]!, cookie)).toBe('inbox');
    await stopProcess(first.child);
    expect(first.child.exitCode).toBe(0); // stopped by its SIGTERM handler, within stopProcess's 2 s

    const second = await startDemoProcess(databaseUri, [], ready);
    expect(second.ready[1]).not.toBe(first.ready[1]);
    expect(await teamPage(second.ready[1]!, cookie)).toBe('inbox');
    expect(await operatorWith(second.ready[1]!, cookie)).toMatchObject({ id: 'demo-sam', name: 'Sam' });
  }, 90_000);

  it.runIf(hasRedis)('on every node of `--nodes 2`, signed in on one of them (needs Redis)', async () => {
    const db = await connectMongo();
    const nodes = await startDemoProcess(withDatabase(mongoInfo().uri, db.name), ['--nodes', '2'], /sign in as sam/);
    const [one, two] = [...nodes.output().matchAll(/Node \d: (http:\/\/\S+)\/ \(shop\)/g)].map((match) => match[1]!);
    const cookie = await signIn(one!, 'alex');
    expect(await teamPage(two!, cookie)).toBe('inbox');
    expect(await operatorWith(two!, cookie)).toMatchObject({ id: 'demo-alex' });
  }, 60_000);
});
