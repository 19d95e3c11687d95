import type mongoose from 'mongoose';
import { io as connectSocket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, InboxJoinAck, InboxMessageAck } from 'parley-chat';
import { clientId, collect, connectMongo, onCleanup, request, settle, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';

// Every way a visitor or an operator might read what is not theirs, each asserting the attack fails.

let db: mongoose.Connection;
let running: RunningChat;
let alice: ChatClient;
let aliceConversation: string;
let mallory: ChatClient;
let malloryGot: ChatMessage[];
let sam: OperatorClient;

const ALICE_SECRET = 'my order 77 goes to 12 Rose Lane';

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({ mongoose: db, operators: operatorsOptions({ inboxes: ['support', 'sales'] }) });
  alice = await running.connect();
  await request(alice, 'join', { inbox: 'support' });
  await request(alice, 'userDetails', { name: 'Alice', email: 'alice@example.com', phone: '+442079460958' });
  const sent = await request<InboxMessageAck>(alice, 'message', { inbox: 'support', message: ALICE_SECRET, clientId: clientId() });
  aliceConversation = sent.ok ? sent.conversation.id : '';
  mallory = await running.connect();
  malloryGot = collect(mallory, 'message');
  sam = await connectOperator(running.url, 'sam'); // reads the sales inbox only
});

describe('a visitor reads only their own conversation', () => {
  it("gets their own (empty) conversation when joining the same inbox, never another visitor's", async () => {
    const joined = await request<InboxJoinAck>(mallory, 'join', { inbox: 'support' });
    expect(joined).toMatchObject({ ok: true, conversation: null, messages: [] });
    const history = await request(mallory, 'history', { inbox: 'support', before: 1000 });
    expect(history).toEqual({ ok: true, messages: [], hasMore: false });
  });

  it('cannot name a visitor, a conversation or a room to reach it: smuggled fields are dropped', async () => {
    const smuggled = await request<InboxJoinAck>(mallory, 'join', {
      inbox: 'support',
      visitorId: alice.session.visitorId,
      conversationId: aliceConversation,
    });
    expect(smuggled).toMatchObject({ ok: true, conversation: null, messages: [] });
    // Conversation rooms contain "/", which no room name may.
    for (const room of [`support/${aliceConversation}`, `thread/support/${alice.session.visitorId}`, `support%2F${aliceConversation}`]) {
      expect(await request(mallory, 'join', { room })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await request(mallory, 'join', { inbox: { $ne: '' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(mallory, 'read', { inbox: 'support', seq: 1 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it("never receives another visitor's messages, typing or conversation events", async () => {
    const malloryConversation = collect(mallory, 'conversation');
    const malloryTyping = collect(mallory, 'typing');
    const olga = await connectOperator(running.url, 'olga');
    await request(olga, 'open', { conversationId: aliceConversation });
    await request(olga, 'message', { conversationId: aliceConversation, message: 'Shipped to Rose Lane', clientId: clientId() });
    olga.emit('typing', { conversationId: aliceConversation, typing: true });
    await request(alice, 'message', { inbox: 'support', message: 'thanks', clientId: clientId() });
    await settle(200);
    expect([...malloryGot, ...malloryConversation, ...malloryTyping]).toEqual([]);
  });

  it('over HTTP: no token is 401, a forged one is 401, and a token reads its own conversation only', async () => {
    const url = (query: string) => `${running.url}/chat/history?inbox=support&before=1000${query}`;
    const none = await fetch(url(''));
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    const [body, signature] = alice.session.token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ sub: 'v_AAAAAAAAAAAAAAAAAAAAAA', iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    for (const forged of [`${forgedBody}.${signature}`, `${body}.${signature}x`, 'garbage']) {
      expect((await fetch(url(''), { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    }
    const own = await fetch(url(''), { headers: { authorization: `Bearer ${alice.session.token}` } });
    expect(own.status).toBe(200);
    expect(JSON.stringify(await own.json())).toContain(ALICE_SECRET);
    const other = await fetch(url(''), { headers: { authorization: `Bearer ${mallory.session.token}` } });
    expect(await other.json()).toEqual({ ok: true, messages: [], hasMore: false });
    // Not even through the token in the URL, or a room-shaped query.
    expect((await fetch(url(`&token=${alice.session.token}`))).status).toBe(401);
    expect((await fetch(`${running.url}/chat/history?room=support%2F${aliceConversation}&before=1000`)).status).toBe(400);
  });

  it("never sees an operator's host id, nor another visitor's email or phone", async () => {
    const olga = await connectOperator(running.url, 'olga');
    const aliceEvents = [...collect(alice, 'message'), ...collect(alice, 'conversation'), ...collect(alice, 'typing')];
    await request(olga, 'assign', { conversationId: aliceConversation, to: 'u-olga', expected: null });
    await request(olga, 'message', { conversationId: aliceConversation, message: 'hi', clientId: clientId() });
    const joined = await request(alice, 'join', { inbox: 'support' });
    await settle();
    const seenByVisitors = JSON.stringify([aliceEvents, collect(alice, 'message'), joined, malloryGot]);
    expect(seenByVisitors).not.toContain('u-olga');
    expect(JSON.stringify(malloryGot)).not.toContain('alice@example.com');
  });
});

describe('operators read only what the host allows', () => {
  it('refuses anyone the host does not vouch for, on both transports', async () => {
    for (const transports of [['websocket'], ['polling']]) {
      const stranger = connectSocket(`${running.url}/operators`, { path: '/chat/socket.io', transports, forceNew: true, reconnection: false });
      onCleanup(() => stranger.disconnect());
      const error = await new Promise<{ data?: unknown }>((resolve) => stranger.once('connect_error', resolve));
      expect(error.data).toMatchObject({ code: 'UNAUTHORIZED' });
    }
    // A visitor's token is not an operator's login.
    await expect(connectOperator(running.url, 'nobody', { auth: { token: alice.session.token } })).rejects.toMatchObject({
      data: { code: 'UNAUTHORIZED' },
    });
  });

  it('keeps an operator of another inbox out of every event about the conversation', async () => {
    expect(await request(sam, 'inbox', { inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const listed = await request(sam, 'inbox', {});
    expect(listed.ok && listed.conversations.every((c: { inbox: string }) => c.inbox === 'sales')).toBe(true);
    expect(await request(sam, 'changes', { since: 0, inbox: 'support' })).toMatchObject({ error: { code: 'FORBIDDEN' } });
    const changes = await request(sam, 'changes', { since: 0 });
    expect(JSON.stringify(changes)).not.toContain(aliceConversation);
    const conversationId = aliceConversation;
    for (const [event, payload] of [
      ['open', { conversationId }],
      ['message', { conversationId, message: 'hi', clientId: clientId() }],
      ['history', { conversationId, before: 100 }],
      ['assign', { conversationId, to: 'u-sam', expected: null }],
      ['status', { conversationId, status: 'resolved' }],
      ['read', { conversationId, seq: 1 }],
    ] as const) {
      expect(await request(sam, event, payload), event).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('never sends an operator of another inbox its conversation events', async () => {
    const samGot = [...collect(sam, 'conversation'), ...collect(sam, 'message'), ...collect(sam, 'typing'), ...collect(sam, 'visitor')];
    await request(alice, 'message', { inbox: 'support', message: 'for support only', clientId: clientId() });
    alice.emit('typing', { inbox: 'support', typing: true });
    await settle(200);
    expect(samGot).toEqual([]);
    sam.emit('typing', { conversationId: aliceConversation, typing: true });
    await settle();
    expect(collect(alice, 'typing')).toEqual([]);
  });

  it('answers guessed and hostile conversation ids alike, without telling whether they exist', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const nearMiss = aliceConversation.replace(/.$/, (last) => (last === '0' ? '1' : '0'));
    for (const conversationId of ['0123456789abcdef01234567', 'ffffffffffffffffffffffff', nearMiss]) {
      expect(await request(olga, 'open', { conversationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
    for (const conversationId of [{ $ne: '' }, ['x'], '../x', '', null]) {
      expect(await request(olga, 'open', { conversationId })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });

  it('cannot assign a conversation to someone who may not read its inbox', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const current = await running.chat.conversations.get(aliceConversation);
    const expected = current?.conversation.assignee?.id ?? null;
    expect(await request(olga, 'assign', { conversationId: aliceConversation, to: 'u-sam', expected })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it("shows operators the visitor's details, which visitors never get about each other", async () => {
    const olga = await connectOperator(running.url, 'olga');
    const opened = await request(olga, 'open', { conversationId: aliceConversation });
    expect(opened).toMatchObject({ ok: true, visitor: { name: 'Alice', email: 'alice@example.com', phone: '+442079460958' } });
  });
});
