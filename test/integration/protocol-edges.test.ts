import type { Socket } from 'socket.io-client';
import { Adapter } from 'socket.io-adapter';
import { describe, expect, it } from 'vitest';
import { createChatServer, MemoryStore, type Ack, type InboxJoinAck } from 'parley-chat';
import { connectClient, connectWithSession, quietLogger, request, startChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// What a client written in another language meets (these were found with python-socketio, which
// the tests cannot install here; socket.io-client sends the same packets): every event sent with
// an acknowledgement is answered, whatever it is.

/** `emit(event, callback)`, the callback where the payload goes, as a client of another language may send it. */
function withoutPayload(socket: Socket, event: string): Promise<unknown> {
  return (socket.timeout(2000) as unknown as { emitWithAck(event: string): Promise<unknown> }).emitWithAck(event);
}

describe('every event sent with an acknowledgement is answered', () => {
  it('answers an event without a payload, an unknown event and an operator-only event with a coded error', async () => {
    const { connect } = await startChat({ store: new MemoryStore(), operators: operatorsOptions() });
    const visitor = await connect();
    // emit('join', callback): the callback comes where the payload goes.
    expect(await withoutPayload(visitor, 'join')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(visitor, 'nonsense', {})).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('nonsense') } });
    expect(await request(visitor, 'assign', { conversationId: 'x', to: null, expected: null })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(visitor, 'typing', { room: 'lobby', typing: true })).toEqual({ ok: true });
    expect(await request(visitor, 'typing', { room: 'no spaces', typing: true })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('does the same on the operators namespace', async () => {
    const { url } = await startChat({ store: new MemoryStore(), operators: operatorsOptions() });
    const operator = await connectOperator(url, 'olga');
    expect(await withoutPayload(operator, 'inbox')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(operator, 'join', { room: 'lobby' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(operator, 'open')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('counts unknown events against the sender’s event limit', async () => {
    const { connect } = await startChat({ store: new MemoryStore(), limits: { eventRate: { max: 3, perMs: 60_000 } } });
    const visitor = await connect();
    const answers: Ack[] = [];
    for (let i = 0; i < 5; i++) answers.push(await request(visitor, 'nonsense', {}));
    expect(answers.map((answer) => !answer.ok && answer.error.code)).toEqual(['NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'RATE_LIMITED', 'RATE_LIMITED']);
  });
});

describe('misconfiguration and privacy', () => {
  it('throws, with the fix, when an adapter comes without a secret', () => {
    expect(() => createChatServer({ store: new MemoryStore(), adapter: Adapter, logger: quietLogger() })).toThrow(/same `secret`/);
  });

  it("refuses an operator whose identify() names inboxes that do not exist, '*' among them", async () => {
    const { url } = await startChat({
      store: new MemoryStore(),
      operators: {
        inboxes: ['support', 'sales'],
        identify: ({ headers }) => ({ id: 'u-x', name: 'X', inboxes: [String(headers['x-inboxes'])] }),
      },
    });
    const refused = await connectWithSession(`${url}/operators`, { extraHeaders: { 'x-inboxes': '*' } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ data: { code: 'INTERNAL' } });
    await expect(connectWithSession(`${url}/operators`, { extraHeaders: { 'x-inboxes': 'sales' } })).resolves.toBeDefined();
  });

  it('shows the team by name and picture; a picture visitors must not load is dropped, said once, and never locks the operator out', async () => {
    const logger = quietLogger();
    const { url, connect } = await startChat({
      store: new MemoryStore(),
      logger,
      operators: {
        identify: ({ headers }) => {
          const avatar = headers['x-avatar'];
          return { id: String(headers['x-id']), name: String(headers['x-id']).toUpperCase(), avatarUrl: avatar === 'null' ? null : avatar === undefined ? undefined : String(avatar) };
        },
      },
    });
    const unsafe = ['javascript:alert(1)', 'data:image/svg+xml,<svg/>', '//evil.example/a.png', '/\\evil.example/a.png', 'x'.repeat(3000)];
    for (const [i, avatar] of [...unsafe, 'null', ''].entries()) {
      const { socket } = await connectWithSession(`${url}/operators`, { extraHeaders: { 'x-id': `op${i}`, 'x-avatar': avatar } });
      socket.disconnect();
    }
    expect(logger.lines.filter((line) => line.includes('avatarUrl'))).toHaveLength(1);
    await connectWithSession(`${url}/operators`, { extraHeaders: { 'x-id': 'zoe', 'x-avatar': 'https://images.example/zoe.png' } });
    await connectWithSession(`${url}/operators`, { extraHeaders: { 'x-id': 'ann', 'x-avatar': '/team/ann.jpg' } });
    await connectWithSession(`${url}/operators`, { extraHeaders: { 'x-id': 'bob', 'x-avatar': 'javascript:alert(1)' } });
    const visitor = await connect();
    const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    if (!joined.ok) throw new Error(joined.error.message);
    // By name, each with the opaque id their messages carry: never the host's user id.
    expect(joined.team).toEqual({
      online: 3,
      members: [
        { id: expect.stringMatching(/^op_/), name: 'ANN', avatarUrl: '/team/ann.jpg' },
        { id: expect.stringMatching(/^op_/), name: 'BOB' },
        { id: expect.stringMatching(/^op_/), name: 'ZOE', avatarUrl: 'https://images.example/zoe.png' },
      ],
      // Without hours the team is always in.
      open: true,
    });
    expect(JSON.stringify(joined.team)).not.toMatch(/"(zoe|ann|bob)"/);
  });

  it('keeps the team’s inbox to its own origin, whatever the widget allows', async () => {
    const { url } = await startChat({ store: new MemoryStore(), allowedOrigins: '*', operators: operatorsOptions() });
    const elsewhere = { 'x-test-operator': 'olga', origin: 'https://evil.example' };
    const refused = await connectWithSession(`${url}/operators`, { extraHeaders: elsewhere, transports: ['polling'] }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ data: { code: 'FORBIDDEN' } });
    // The widget's side is open to every origin, as configured.
    await expect(connectClient(url, { extraHeaders: { origin: 'https://evil.example' }, transports: ['polling'] })).resolves.toBeDefined();
    const { url: admin } = await startChat({
      store: new MemoryStore(),
      operators: operatorsOptions({ allowedOrigins: ['https://admin.example'] }),
    });
    await expect(
      connectWithSession(`${admin}/operators`, { extraHeaders: { 'x-test-operator': 'olga', origin: 'https://admin.example' }, transports: ['polling'] }),
    ).resolves.toBeDefined();
  });

  it('takes the page’s own host from a trusted proxy (X-Forwarded-Host, -Proto), and only from one', async () => {
    const proxied = { origin: 'https://shop.example', 'x-forwarded-host': 'shop.example', 'x-forwarded-proto': 'https' };
    const { url: trusting } = await startChat({ store: new MemoryStore(), trustProxy: true });
    await expect(connectClient(trusting, { extraHeaders: proxied, transports: ['polling'] })).resolves.toBeDefined();
    const wrongScheme = { ...proxied, 'x-forwarded-proto': 'http' };
    await expect(connectClient(trusting, { extraHeaders: wrongScheme, transports: ['polling'] })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
    // A page of another origin cannot get the browser to send those headers: the preflight is refused.
    const preflight = await fetch(`${trusting}/chat/socket.io/?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'x-forwarded-host' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const { url: direct } = await startChat({ store: new MemoryStore() });
    await expect(connectClient(direct, { extraHeaders: proxied, transports: ['polling'] })).rejects.toMatchObject({ data: { code: 'FORBIDDEN' } });
  });
});

