import sharp from 'sharp';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import MongoStore from 'connect-mongo';
import { io as connectSocket } from 'socket.io-client';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  MemoryStore,
  type ChatMessage,
  type ConversationSummary,
  type DeltaEvent,
  type InboxJoinAck,
  type InboxListAck,
  type InboxMessageAck,
  type MessageAck,
  type OperatorSessionEvent,
  type VisitorConversation,
  type VisitorExport,
} from 'parley-chat';
import { withDatabase } from '../demo/mongodb.js';
import { INBOX_STRINGS } from '../web-component/inbox/strings.js';
import { FILE_STRINGS } from '../web-component/shared/file-strings.js';
import { ASSISTANT_STRINGS } from '../web-component/widget/assistant-strings.js';
import { DETAILS_STRINGS } from '../web-component/widget/details-strings.js';
import { PRIVACY_STRINGS } from '../web-component/widget/privacy-strings.js';
import { RATING_STRINGS } from '../web-component/widget/rating-strings.js';
import { en as widgetStrings } from '../web-component/widget/strings.js';
import { clientId, connectClient, connectMongo, mongoInfo, onCleanup, request, startChat, type ChatClient } from './support/harness.js';
import { lastUserText, startAnthropicStandIn, startOpenAIStandIn, type ModelTurn } from './support/model-stand-ins.js';
import { operatorsOptions } from './support/operators.js';
import { startNodeProcess, stopProcess } from './support/processes.js';
import { REDIS_URL, redisAnswers } from './support/redis.js';
import { startSmtpSink } from './support/smtp-sink.js';

// Every JavaScript block of the README runs here as written, through the built package, with
// only environment variables filled in.

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}/README.md`, 'utf8');
const SECRET = 'readme-secret-that-is-at-least-32-characters';

/** Every ```js block, with the name of the `<!-- readme-example:NAME -->` marker before it. */
function javascriptBlocks(): Array<{ name: string | undefined; code: string }> {
  const blocks = [];
  for (const match of readme.matchAll(/(?:<!-- readme-example:([\w-]+) -->\s*)?^( *)```js\n([\s\S]*?)^\2```/gm)) {
    const indent = match[2]!;
    const code = match[3]!
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n');
    blocks.push({ name: match[1], code });
  }
  return blocks;
}

function example(name: string): string {
  const block = javascriptBlocks().find((candidate) => candidate.name === name);
  if (!block) throw new Error(`README has no example marked readme-example:${name}`);
  return block.code;
}

/** Runs a README example as a program of its own, inside the package so `parley-chat` resolves to the build. */
async function run(name: string, env: Record<string, string>, ready?: RegExp) {
  const dir = `${root}/test/.tmp`;
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/readme-${name}-${randomBytes(4).toString('hex')}.mjs`;
  writeFileSync(file, example(name));
  onCleanup(() => rmSync(file, { force: true }));
  return startNodeProcess(file, [], { ready, env: { CHAT_SECRET: SECRET, ...env } });
}

/** A free port on this machine, for the examples that listen on process.env.PORT. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Connects to /operators, with a cookie if given: the operator it was taken for, or the refusal's code. */
async function operatorWith(url: string, cookie?: string): Promise<OperatorSessionEvent | { refused: unknown }> {
  const socket = connectSocket(`${url}/operators`, {
    path: '/chat/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(cookie ? { extraHeaders: { cookie } } : {}),
  });
  onCleanup(() => socket.disconnect());
  try {
    return await new Promise((resolve) => {
      socket.once('session', resolve);
      socket.once('connect_error', (error: Error & { data?: { code?: unknown } }) => resolve({ refused: error.data?.code }));
    });
  } finally {
    socket.disconnect();
  }
}

async function healthy(url: string): Promise<void> {
  await expect
    .poll(async () => (await fetch(`${url}/chat/health`).catch(() => undefined))?.status, { timeout: 15_000, interval: 200 })
    .toBe(200);
}

const freshDatabase = () => withDatabase(mongoInfo().uri, `parley_readme_${randomBytes(4).toString('hex')}`);

async function roundTrip(url: string): Promise<void> {
  const [alice, bob] = await Promise.all([connectClient(url), connectClient(url)]);
  await request(alice, 'join', { room: 'lobby' });
  await request(bob, 'join', { room: 'lobby' });
  const received = new Promise<ChatMessage>((resolve) => bob.once('message', resolve));
  const ack = await request<MessageAck>(alice, 'message', { room: 'lobby', message: 'Hello!', clientId: clientId() });
  expect(ack.ok).toBe(true);
  expect(await received).toMatchObject({ message: 'Hello!', sender: { id: alice.session.visitorId } });
}

/** A server example started on a free port, once it answers /health. */
async function serve(name: string, env: Record<string, string> = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = await run(name, { MONGODB_URI: freshDatabase(), PORT: String(port), ...env });
  await healthy(url);
  return { url, process };
}

const hasRedis = await redisAnswers('the README example for several nodes');

/** Connects to /operators as the staff of the examples that recognise a shared token. */
async function staffOn(url: string, token: string) {
  const socket = connectSocket(`${url}/operators`, {
    path: '/chat/socket.io',
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    extraHeaders: { authorization: `Bearer ${token}` },
  });
  onCleanup(() => socket.disconnect());
  await new Promise<OperatorSessionEvent>((resolve) => socket.once('session', resolve));
  return socket;
}

/** The assistant's next reply to a visitor, whole: its first `message`, the deltas of it, and its last `message`. */
function nextReply(visitor: ChatClient): Promise<{ started: ChatMessage; deltas: DeltaEvent[]; ended: ChatMessage }> {
  return new Promise((resolve, reject) => {
    let started: ChatMessage | undefined;
    const deltas: DeltaEvent[] = [];
    const onDelta = (delta: DeltaEvent) => {
      if (delta.id === started?.id) deltas.push(delta);
    };
    const onMessage = (message: ChatMessage) => {
      if (message.sender.role !== 'assistant') return;
      if (message.status === 'streaming') started ??= message;
      else if (started && message.id === started.id) {
        done();
        resolve({ started, deltas, ended: message });
      }
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no whole reply within 15 s (its start: ${JSON.stringify(started)})`));
    }, 15_000);
    const done = () => {
      clearTimeout(timer);
      visitor.off('delta', onDelta);
      visitor.off('message', onMessage);
    };
    visitor.on('delta', onDelta);
    visitor.on('message', onMessage);
  });
}

/** The next `conversation` event a visitor receives that passes `check`. */
function conversationWhere(visitor: ChatClient, check: (conversation: VisitorConversation) => boolean): Promise<VisitorConversation> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such conversation event within 15 s')), 15_000);
    const listener = (conversation: VisitorConversation) => {
      if (!check(conversation)) return;
      clearTimeout(timer);
      visitor.off('conversation', listener);
      resolve(conversation);
    };
    visitor.on('conversation', listener);
  });
}

/**
 * What the stand-in models answer (see test/support/model-stand-ins.ts: the real services cannot be
 * reached from the tests): a visitor asking for a person gets the handoff tool called, "break" an
 * error from the API, anything else the shipping answer, in three pieces.
 */
function standInTurn(body: Record<string, any>): ModelTurn {
  const said = lastUserText(body);
  if (said.includes('person')) {
    return { text: ['Let me find ', 'someone for you.'], handoff: { reason: 'asked for a person', summary: 'Wants a refund for order 1234' } };
  }
  if (said.includes('break')) return { status: 400, message: 'The stand-in refuses this request' };
  return { text: ['We ship ', 'to Norway ', 'in 3–5 days.'] };
}

const STAFF_TOKEN = 'readme-staff-token';

/** The assistant recipes, each with the stand-in API it calls and the environment that points its SDK there. */
const assistantRecipes: Array<{ name: string; model: string; standIn: typeof startOpenAIStandIn; env: (url: string) => Record<string, string> }> = [
  {
    name: 'assistant-openai',
    model: 'the openai package against an OpenAI-compatible endpoint',
    standIn: startOpenAIStandIn,
    env: (url) => ({ OPENAI_BASE_URL: `${url}/v1`, OPENAI_API_KEY: 'stand-in-key', MODEL: 'stand-in-model' }),
  },
  {
    name: 'assistant-anthropic',
    model: "Anthropic's SDK",
    standIn: startAnthropicStandIn,
    env: (url) => ({ ANTHROPIC_BASE_URL: url, ANTHROPIC_API_KEY: 'stand-in-key' }),
  },
  {
    name: 'assistant-ai-sdk',
    model: "the AI SDK's textStream with an OpenAI-compatible provider",
    standIn: startOpenAIStandIn,
    env: (url) => ({ LLM_BASE_URL: `${url}/v1`, LLM_API_KEY: 'stand-in-key' }),
  },
];

describe('README', () => {
  it('lists every string of both elements, and nothing else', () => {
    for (const [element, table] of [
      ['chat-widget', { ...widgetStrings, ...DETAILS_STRINGS, ...ASSISTANT_STRINGS, ...PRIVACY_STRINGS, ...RATING_STRINGS }],
      ['chat-inbox', INBOX_STRINGS.en!],
      ['chat-files', FILE_STRINGS],
    ] as const) {
      const section = readme.split(`<!-- strings:${element} -->`)[1]!.split('\n\n')[0]!;
      const listed = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
      expect(listed, element).toEqual(Object.keys(table));
    }
  });

  it('the files example takes a screenshot, serves it to its reader, and its scan refuses the EICAR test file', async () => {
    const { url } = await serve('files');
    const visitor = connectSocket(url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    onCleanup(() => visitor.disconnect());
    const session = await new Promise<{ token: string; files?: unknown }>((resolve) => visitor.once('session', resolve));
    expect(session.files).toMatchObject({ maxBytes: 10 * 1024 * 1024, maxPerMessage: 5 });
    const uploadAs = async (bytes: Uint8Array | string, name: string) => {
      const form = new FormData();
      form.append('file', new Blob([bytes]), name);
      const response = await fetch(`${url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${session.token}` } });
      return { status: response.status, body: (await response.json()) as any };
    };
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#123' } }).png().toBuffer();
    const screenshot = await uploadAs(png, 'screenshot.png');
    expect(screenshot).toMatchObject({ status: 200, body: { ok: true, file: { type: 'image/png', width: 40, height: 30 } } });
    expect(await visitor.timeout(5000).emitWithAck('join', { room: 'lobby' })).toMatchObject({ ok: true });
    const sent = await visitor.timeout(5000).emitWithAck('message', { room: 'lobby', message: '', clientId: 'readme-files-1', files: [screenshot.body.file.id] });
    const served = await fetch(`${url}${sent.message.files[0].url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    const eicar = await uploadAs('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*', 'eicar.txt');
    expect(eicar).toMatchObject({ status: 400, body: { ok: false, error: { code: 'VALIDATION', message: 'The file did not pass the virus scan' } } });
  });

  it('the privacy example asks for consent, serves a visitor’s data as a download to staff only, and erases it', async () => {
    const { url } = await serve('privacy', { STAFF_TOKEN: 'staff-token' });
    const visitor = connectSocket(url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    onCleanup(() => visitor.disconnect());
    const session = await new Promise<{ visitorId: string; consent?: unknown; canDeleteConversation?: boolean }>((resolve) => visitor.once('session', resolve));
    expect(session.consent).toMatchObject({ required: true, version: '2026-12', given: false });
    expect(session.canDeleteConversation).toBe(true);
    await visitor.timeout(5000).emitWithAck('join', { room: 'lobby' });
    const refused = await visitor.timeout(5000).emitWithAck('message', { room: 'lobby', message: 'too soon', clientId: 'readme-privacy-0' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONSENT_REQUIRED' } });
    expect((await visitor.timeout(5000).emitWithAck('consent', { version: '2026-12' })).ok).toBe(true);
    expect((await visitor.timeout(5000).emitWithAck('message', { room: 'lobby', message: 'my words', clientId: 'readme-privacy-1' })).ok).toBe(true);

    const route = `${url}/admin/visitors/${encodeURIComponent(session.visitorId)}`;
    const staff = { 'x-staff-token': 'staff-token' };
    expect((await fetch(`${route}/export`)).status).toBe(403);
    expect((await fetch(`${url}/admin/visitors/nobody/export`, { headers: staff })).status).toBe(400);
    const download = await fetch(`${route}/export`, { headers: staff });
    expect(download.headers.get('content-disposition')).toMatch(/^attachment; filename="chat-data-v_[\w-]+\.json"$/);
    const data = (await download.json()) as VisitorExport;
    expect(data.roomMessages).toEqual([expect.objectContaining({ room: 'lobby', message: 'my words' })]);
    expect(data.consents).toEqual([expect.objectContaining({ version: '2026-12', address: '127.0.0.0/24' })]);
    const erased = await fetch(`${route}/erase`, { method: 'POST', headers: staff });
    expect(await erased.json()).toEqual({ messages: 1, conversations: 0, files: 0, users: 0, consents: 1 });
    expect(((await (await fetch(`${route}/export`, { headers: staff })).json()) as VisitorExport).roomMessages).toEqual([]);
  });

  it('the webhooks example sends a visitor’s message, signed, to a receiver that verifies it as Standard Webhooks says', async () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const received: Array<{ type: string; data: { message?: { message: string } } }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push(new Webhook(secret).verify(Buffer.concat(chunks).toString('utf8'), req.headers as Record<string, string>) as never);
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    onCleanup(() => new Promise((resolve) => receiver.close(resolve)));
    const { url } = await serve('webhooks', { WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`, WEBHOOK_SECRET: secret });
    const visitor = connectSocket(url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    onCleanup(() => visitor.disconnect());
    await new Promise((resolve) => visitor.once('session', resolve));
    await visitor.timeout(5000).emitWithAck('join', { room: 'lobby' });
    expect((await visitor.timeout(5000).emitWithAck('message', { room: 'lobby', message: 'hooked', clientId: 'readme-webhooks-1' })).ok).toBe(true);
    await expect.poll(() => received.map((event) => [event.type, event.data.message?.message]), { timeout: 10_000 }).toEqual([['message.created', 'hooked']]);
  });

  it('the team-tools example seeds a saved reply, asks for a rating, hears of it, and searches for staff only', async () => {
    const { url, process: server } = await serve('team-tools', { STAFF_TOKEN: 'staff-token' });
    const visitor = connectSocket(url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    onCleanup(() => visitor.disconnect());
    await new Promise((resolve) => visitor.once('session', resolve));
    await visitor.timeout(5000).emitWithAck('join', { inbox: 'support' });
    expect((await visitor.timeout(5000).emitWithAck('userDetails', { name: 'Ann Archer', email: 'ann@example.com' })).ok).toBe(true);
    const sent = await visitor.timeout(5000).emitWithAck('message', { inbox: 'support', message: 'My parcel is lost', clientId: 'readme-team-1' });
    expect(sent.ok).toBe(true);

    const staff = connectSocket(`${url}/operators`, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { 'x-staff-token': 'staff-token' } });
    onCleanup(() => staff.disconnect());
    const session = await new Promise<OperatorSessionEvent>((resolve) => staff.once('session', resolve));
    expect(session).toMatchObject({ name: 'Robin', ratings: true, can: ['replies'] });
    const { replies } = await staff.timeout(5000).emitWithAck('replies', { action: 'list' });
    expect(replies).toEqual([expect.objectContaining({ shortcut: 'hello', text: 'Hi {{visitor.name}}, I am {{operator.name}}. How can I help?' })]);

    const asked = new Promise<{ status: string; rating?: unknown }>((resolve) => {
      visitor.on('conversation', (conversation) => conversation.status === 'resolved' && resolve(conversation));
    });
    expect((await staff.timeout(5000).emitWithAck('status', { conversationId: sent.conversation.id, status: 'resolved' })).ok).toBe(true);
    expect((await asked).rating).toEqual({ asked: true, ask: 'Did we solve your problem?', score: null });
    expect((await visitor.timeout(5000).emitWithAck('rate', { inbox: 'support', score: 5 })).ok).toBe(true);
    await expect.poll(() => server.output(), { timeout: 5000 }).toContain(`${sent.conversation.id} rated 5/5`);

    const search = (query: string, headers: Record<string, string> = { 'x-staff-token': 'staff-token' }) => fetch(`${url}/admin/search?${query}`, { headers });
    expect(await (await search('q=parcel')).json()).toEqual([{ id: sent.conversation.id, visitor: 'Ann Archer', match: 'My parcel is lost' }]);
    expect(await (await search('q=ann%40example.com')).json()).toEqual([{ id: sent.conversation.id, visitor: 'Ann Archer' }]);
    expect((await search('q=')).status).toBe(400);
    expect(await (await search('q=parcel', {})).text()).toBe('Your app');
  });

  it('marks every JavaScript block, so none escapes these tests', () => {
    const blocks = javascriptBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(11);
    expect(blocks.filter((block) => !block.name).map((block) => block.code.split('\n')[0])).toEqual([]);
  });

  it('the plain http.Server example works as written', async () => {
    const code = example('http');
    expect(code.split('\n').filter((line) => line.trim()).length).toBeLessThanOrEqual(10);
    const started = await run('http', { MONGODB_URI: freshDatabase(), PORT: '0' }, /port (\d+)/);
    const url = `http://127.0.0.1:${started.ready[1]}`;
    expect(await (await fetch(url)).text()).toBe('Your app');
    const widget = await fetch(`${url}/chat/widget.js`);
    expect(widget.status).toBe(200);
    expect(widget.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    await roundTrip(url);
  });

  it('the in-memory example needs no MongoDB and listens on this machine only', async () => {
    const started = await run('memory', { PORT: '0' }, /Chat on (http:\/\/127\.0\.0\.1:(\d+))/);
    const url = started.ready[1]!;
    expect(await (await fetch(url)).text()).toBe('Your app');
    await roundTrip(url);
    // Not on the machine's other addresses (where it has one).
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && !address.internal && address.family === 'IPv4');
    if (external) {
      await expect(fetch(`http://${external.address}:${started.ready[2]}/chat/health`)).rejects.toThrow();
    }
  });

  it.each(['express', 'koa', 'fastify'])('the %s example works as written', async (name) => {
    const { url } = await serve(name);
    await roundTrip(url);
  });

  it('the socket.io-client example joins, sends and is acknowledged', async () => {
    const chat = await startChat({ store: new MemoryStore() });
    const client = await run('client', { CHAT_URL: chat.url }, /Sent as message (\d+)|Refused/);
    expect(client.ready[0]).toBe('Sent as message 1');
    await expect.poll(() => client.alive()).toBe(false);
    expect(client.child.exitCode).toBe(0);
  });

  it('the Express-session operators example serves the chat, keeps strangers out of /operators, and keeps staff signed in across a restart', async () => {
    const db = await connectMongo();
    const env = { MONGODB_URI: withDatabase(mongoInfo().uri, db.name), SESSION_SECRET: 'readme-session-secret' };
    const before = await serve('operators', env);
    await roundTrip(before.url);
    expect(await operatorWith(before.url)).toEqual({ refused: 'UNAUTHORIZED' });

    // A member of staff signed in by the host's own login: their session is in the store the example
    // names (written here through connect-mongo itself), and their browser has its signed cookie.
    const sessionId = randomBytes(24).toString('base64url');
    const user = { id: 'u-42', firstName: 'Olga', isStaff: true, inboxes: ['support'] };
    // connect-mongo's types name the top-level `mongodb`, an older copy than mongoose's here.
    const store = MongoStore.create({ client: db.getClient() as never, dbName: db.name, collectionName: 'sessions' });
    await new Promise<void>((resolve, reject) =>
      store.set(sessionId, { cookie: { originalMaxAge: null, path: '/', httpOnly: true }, user } as never, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    const signature = createHmac('sha256', env.SESSION_SECRET).update(sessionId).digest('base64').replace(/=+$/, '');
    const cookie = `connect.sid=${encodeURIComponent(`s:${sessionId}.${signature}`)}`;
    expect(await operatorWith(before.url, cookie)).toMatchObject({ id: 'u-42', name: 'Olga', inboxes: ['support'] });

    // The app restarts: the same cookie still signs Olga in.
    await stopProcess(before.process.child);
    const after = await serve('operators', env);
    expect(await operatorWith(after.url, cookie)).toMatchObject({ id: 'u-42', name: 'Olga' });
  });

  it('the bot example welcomes a waiting visitor once, however often it runs', async () => {
    const db = await connectMongo();
    const site = await startChat({ mongoose: db, secret: SECRET, operators: operatorsOptions() });
    const visitor = await site.connect();
    await request(visitor, 'join', { inbox: 'support' });
    await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Anyone there?', clientId: clientId() });
    const welcomed: ChatMessage[] = [];
    visitor.on('message', (message) => welcomed.push(message));
    const env = { MONGODB_URI: withDatabase(mongoInfo().uri, db.name) };
    for (let i = 0; i < 2; i++) {
      const bot = await run('bot', env, /Welcomed (\d+) visitors/);
      expect(bot.ready[1]).toBe('1');
      await expect.poll(() => bot.alive(), { timeout: 10_000 }).toBe(false);
      expect(bot.child.exitCode).toBe(0);
    }
    const stored = await db.collection('chat_messages').countDocuments({ 'sender.name': 'Shop bot' });
    expect(stored).toBe(1);
  });

  it('the email example emails an unseen reply to the visitor', async () => {
    const smtp = await startSmtpSink();
    const { url } = await serve('email', { SMTP_URL: smtp.url, STAFF_TOKEN: 'readme-staff-token', UNSEEN_REPLY_DELAY_MS: '300' });
    const visitor = await connectClient(url);
    await request(visitor, 'userDetails', { name: 'Ema', email: 'ema@example.com' });
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Email me please', clientId: clientId() });
    visitor.disconnect();
    const operator = await staffOn(url, 'readme-staff-token');
    const conversationId = sent.ok ? sent.conversation.id : '';
    await request(operator, 'message', { conversationId, message: 'Here is your answer.', clientId: clientId() });
    await expect.poll(() => smtp.received.length, { timeout: 10_000 }).toBe(1);
    expect(smtp.received[0]).toMatchObject({ to: ['<ema@example.com>'] });
    expect(smtp.received[0]!.data).toContain('Support: Here is your answer.');
  });

  it('the identity verification example prints the hash the chat accepts', async () => {
    const printed = await run('user-hash', { USER_ID: '4242' }, /user-hash="([0-9a-f]+)"/);
    expect(printed.ready[1]).toBe(createHmac('sha256', SECRET).update('4242').digest('hex'));
  });

  it.runIf(hasRedis)('the several-nodes example serves the chat on the Redis adapter (needs Redis)', async () => {
    const { url } = await serve('redis', { REDIS_URL });
    await roundTrip(url);
  });

  const recipeCases = assistantRecipes.map((recipe) => [recipe.name, recipe.model, recipe] as const);
  it.each(recipeCases)("the %s recipe streams the model's reply (%s), and hands off when the model calls its tool or the API fails", async (name, _model, { standIn, env }) => {
    const model = await standIn(standInTurn);
    const { url } = await serve(name, { ...env(model.url), STAFF_TOKEN });
    const visitor = await connectClient(url);
    const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    expect(joined).toMatchObject({ ok: true, assistant: { name: 'Shop assistant' }, team: { online: 0, open: true } });

    // Nobody of the team is online: the assistant answers, streaming what the model writes.
    const answered = nextReply(visitor);
    const asked = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Do you ship to Norway?', clientId: clientId() });
    expect(asked).toMatchObject({ ok: true, conversation: { handler: 'assistant' } });
    const { started, deltas, ended } = await answered;
    const shipping = 'We ship to Norway in 3–5 days.';
    expect(started).toMatchObject({ seq: 2, status: 'streaming', sender: { role: 'assistant', name: 'Shop assistant' } });
    expect(ended).toMatchObject({ id: started.id, seq: 2, status: 'complete', message: shipping });
    // Several deltas (the model's pieces come further apart than the chat's 100 ms), each where the last ended.
    expect(deltas.length).toBeGreaterThan(1);
    let text = started.message;
    for (const delta of deltas) {
      expect(delta).toMatchObject({ inbox: 'support', offset: text.length });
      text += delta.text;
    }
    expect(text).toBe(shipping);
    // The model was asked to stream, offered the handoff tool, and given what the visitor wrote.
    expect(model.requests[0]).toMatchObject({ stream: true });
    expect(JSON.stringify(model.requests[0]!.tools)).toContain('handoff');
    expect(lastUserText(model.requests[0]!)).toContain('Do you ship to Norway?');

    // The model calls the handoff tool: the reply ends "handoff", and the conversation waits for a person.
    const handedOff = nextReply(visitor);
    const waiting = conversationWhere(visitor, (conversation) => conversation.handler === 'waiting');
    await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Can I talk to a person about a refund?', clientId: clientId() });
    expect((await handedOff).ended).toMatchObject({ seq: 4, status: 'handoff', message: 'Let me find someone for you.' });
    await waiting;
    // The model saw the conversation so far, its first answer in it.
    expect(JSON.stringify(model.requests[1]!.messages)).toContain(shipping);

    // The API fails: the reply ends "interrupted", and the team has the conversation.
    const other = await connectClient(url);
    await request<InboxJoinAck>(other, 'join', { inbox: 'support' });
    const failed = nextReply(other);
    await request<InboxMessageAck>(other, 'message', { inbox: 'support', message: 'Please break', clientId: clientId() });
    expect((await failed).ended).toMatchObject({ status: 'interrupted', message: '' });

    // The team sees both waiting for a person, and why.
    const staff = await staffOn(url, STAFF_TOKEN);
    const handoffs = async () => {
      const listed = await request<InboxListAck>(staff, 'inbox', { inbox: 'support' });
      if (!listed.ok) return listed;
      return listed.conversations
        .map(({ handler, handoff }: ConversationSummary) => [handler, handoff?.by, handoff?.reason, handoff?.summary ?? null])
        .sort();
    };
    await expect.poll(handoffs, { timeout: 5000 }).toEqual([
      ['waiting', 'assistant', 'asked for a person', 'Wants a refund for order 1234'],
      ['waiting', 'assistant', 'error', null],
    ]);
  });

  it('the reconnecting example serves the chat once MongoDB answers', async () => {
    const { url } = await serve('reconnect');
    expect(await (await fetch(url)).text()).toBe('Your app');
    await roundTrip(url);
  });
});
