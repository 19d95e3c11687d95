import mongoose from 'mongoose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, JoinAck, MessageAck } from 'parley-chat';
import {
  clientId,
  collect,
  connectMongo,
  nextEvent,
  request,
  settle,
  startChat,
  type RunningChat,
} from '../support/harness.js';

let running: RunningChat;
let db: mongoose.Connection;
let roomCounter = 0;
const freshRoom = () => `room-${++roomCounter}`;

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({ mongoose: db, limits: { pageSize: 5 } });
});

async function sendOk(client: Awaited<ReturnType<RunningChat['connect']>>, room: string, text: string, id = clientId()) {
  const ack = await request<MessageAck>(client, 'message', { room, message: text, clientId: id });
  if (!ack.ok) throw new Error(`message refused: ${JSON.stringify(ack.error)}`);
  return ack.message;
}

describe('rooms and broadcast', () => {
  it('delivers a message to everyone in the room, and to nobody in another room', async () => {
    const room = freshRoom();
    const [alice, bob, carol] = await Promise.all([running.connect(), running.connect(), running.connect()]);
    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    await request(carol, 'join', { room: freshRoom() });
    const aliceGot = collect<ChatMessage>(alice, 'message');
    const carolGot = collect<ChatMessage>(carol, 'message');

    const bobReceives = nextEvent<ChatMessage>(bob, 'message');
    const sent = await sendOk(alice, room, 'hello room');
    expect(await bobReceives).toEqual(sent);
    await settle();
    expect(carolGot).toEqual([]);
    // The sender has the message in its ack; it is not broadcast back to the same socket.
    expect(aliceGot).toEqual([]);
  });

  it("acks with the stored message: id, seq, sender's public face, timestamp, clientId", async () => {
    const room = freshRoom();
    const alice = await running.connect();
    await request(alice, 'join', { room });
    const before = Date.now();
    const ack = await request<MessageAck>(alice, 'message', { room, message: 'hi', clientId: 'ack-shape' });
    expect(ack).toEqual({
      ok: true,
      message: {
        id: expect.any(String),
        room,
        seq: 1,
        sender: { id: alice.session.visitorId, name: expect.stringMatching(/^Guest \d{4}$/), role: 'visitor' },
        message: 'hi',
        timestamp: expect.any(String),
        clientId: 'ack-shape',
      },
    });
    expect(ack.ok && Date.parse(ack.message.timestamp)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("reaches the sender's other tabs (same visitor token)", async () => {
    const room = freshRoom();
    const tab1 = await running.connect();
    const tab2 = await running.connect({ auth: { token: tab1.session.token } });
    expect(tab2.session.visitorId).toBe(tab1.session.visitorId);
    await request(tab1, 'join', { room });
    await request(tab2, 'join', { room });
    const arrives = nextEvent<ChatMessage>(tab2, 'message');
    const sent = await sendOk(tab1, room, 'from tab 1');
    expect(await arrives).toEqual(sent);
  });

  it('gives seqs in send order and broadcasts them in seq order', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([running.connect(), running.connect()]);
    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    const bobGot = collect<ChatMessage>(bob, 'message');
    const acks = await Promise.all(
      Array.from({ length: 10 }, (_, i) => request<MessageAck>(alice, 'message', { room, message: `m${i}`, clientId: clientId() })),
    );
    const seqs = acks.map((ack) => (ack.ok ? ack.message.seq : -1));
    expect([...seqs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await settle(300);
    expect(bobGot.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('counts distinct visitors online and tells the room when it changes', async () => {
    const room = freshRoom();
    const alice = await running.connect();
    const first = await request<JoinAck>(alice, 'join', { room });
    expect(first.ok && first.online).toBe(1);

    const presence = nextEvent(alice, 'presence');
    const bob = await running.connect();
    const second = await request<JoinAck>(bob, 'join', { room });
    expect(second.ok && second.online).toBe(2);
    expect(await presence).toEqual({ room, online: 2 });

    const aliceTab2 = await running.connect({ auth: { token: alice.session.token } });
    const third = await request<JoinAck>(aliceTab2, 'join', { room });
    expect(third.ok && third.online).toBe(2);

    const afterLeave = nextEvent(alice, 'presence');
    bob.disconnect();
    expect(await afterLeave).toEqual({ room, online: 1 });
  });

  it('relays typing to the rest of the room with the public sender only', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([running.connect(), running.connect()]);
    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    const typing = nextEvent(bob, 'typing');
    alice.emit('typing', { room, typing: true });
    expect(await typing).toEqual({ room, typing: true, sender: { id: alice.session.visitorId, name: expect.any(String), role: 'visitor' } });
  });
});

describe('history and catch-up', () => {
  it('joins with the latest page and pages back with history', async () => {
    const room = freshRoom();
    const alice = await running.connect();
    await request(alice, 'join', { room });
    for (let i = 1; i <= 12; i++) await sendOk(alice, room, `m${i}`);

    const bob = await running.connect();
    const joined = await request<JoinAck>(bob, 'join', { room });
    if (!joined.ok) throw new Error('join failed');
    expect(joined.messages.map((m) => m.message)).toEqual(['m8', 'm9', 'm10', 'm11', 'm12']);
    expect(joined.hasMore).toBe(true);

    const older = await request(bob, 'history', { room, before: joined.messages[0]!.seq });
    expect(older.messages.map((m: ChatMessage) => m.message)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
    expect(older.hasMore).toBe(true);
    const oldest = await request(bob, 'history', { room, before: older.messages[0].seq, limit: 100 });
    expect(oldest).toEqual({ ok: true, messages: expect.any(Array), hasMore: false });
    expect(oldest.messages.map((m: ChatMessage) => m.message)).toEqual(['m1', 'm2']);
  });

  it('joins with since and gets exactly the messages after it', async () => {
    const room = freshRoom();
    const alice = await running.connect();
    await request(alice, 'join', { room });
    const sent = [];
    for (let i = 1; i <= 8; i++) sent.push(await sendOk(alice, room, `m${i}`));

    const bob = await running.connect();
    const caughtUp = await request<JoinAck>(bob, 'join', { room, since: sent[2]!.seq });
    if (!caughtUp.ok) throw new Error('join failed');
    // All of them, not one page: catch-up has no gap even past the page size.
    expect(caughtUp.messages).toEqual(sent.slice(3));
    expect(caughtUp.hasMore).toBe(false);
    const upToDate = await request<JoinAck>(bob, 'join', { room, since: sent[7]!.seq });
    expect(upToDate.ok && upToDate.messages).toEqual([]);
  });

  it('lets a client that missed messages while disconnected catch up without gaps or duplicates', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([running.connect(), running.connect()]);
    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    const seen = collect<ChatMessage>(bob, 'message');
    await sendOk(alice, room, 'before');
    await settle();
    bob.disconnect();
    await sendOk(alice, room, 'missed 1');
    await sendOk(alice, room, 'missed 2');
    const back = await running.connect({ auth: { token: bob.session.token } });
    const lastSeen = seen.at(-1)!.seq;
    const caughtUp = await request<JoinAck>(back, 'join', { room, since: lastSeen });
    expect(caughtUp.ok && caughtUp.messages.map((m) => m.message)).toEqual(['missed 1', 'missed 2']);
  });
});

describe('idempotent messages', () => {
  it('stores a repeated clientId once, acks the original and broadcasts nothing new', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([running.connect(), running.connect()]);
    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    const bobGot = collect<ChatMessage>(bob, 'message');
    const first = await request<MessageAck>(alice, 'message', { room, message: 'once', clientId: 'retry-me' });
    const retry = await request<MessageAck>(alice, 'message', { room, message: 'once', clientId: 'retry-me' });
    expect(retry).toEqual(first);
    await settle();
    expect(bobGot).toHaveLength(1);
    const history = await request(bob, 'history', { room, before: 1000 });
    expect(history.messages).toHaveLength(1);
  });

  it('keeps a retry from another tab of the same visitor, after a reconnect, to one message', async () => {
    const room = freshRoom();
    const tab = await running.connect();
    await request(tab, 'join', { room });
    const first = await request<MessageAck>(tab, 'message', { room, message: 'survives', clientId: 'reconnect-1' });
    tab.disconnect();
    const again = await running.connect({ auth: { token: tab.session.token } });
    await request(again, 'join', { room });
    const retry = await request<MessageAck>(again, 'message', { room, message: 'survives', clientId: 'reconnect-1' });
    expect(retry).toEqual(first);
    expect(await db.collection('chat_messages').countDocuments({ room })).toBe(1);
  });
});

describe('visitor identity and details', () => {
  it('keeps the visitor across connections with the token, and starts a new one without', async () => {
    const first = await running.connect();
    expect(first.session).toEqual({ visitorId: expect.stringMatching(/^v_/), senderId: first.session.visitorId, token: expect.any(String) });
    const returning = await running.connect({ auth: { token: first.session.token } });
    expect(returning.session.visitorId).toBe(first.session.visitorId);
    const stranger = await running.connect();
    expect(stranger.session.visitorId).not.toBe(first.session.visitorId);
  });

  it('gives a forged or garbled token a new anonymous visitor', async () => {
    const first = await running.connect();
    const [body, signature] = first.session.token.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ sub: 'v_AAAAAAAAAAAAAAAAAAAAAA', iat: 1 })).toString('base64url');
    // One character of the signature changed (to another one: it may have been an x already).
    const garbled = `${body}.${signature!.startsWith('x') ? 'y' : 'x'}${signature!.slice(1)}`;
    for (const token of [`${forgedBody}.${signature}`, garbled, 'nonsense', `${body}.${signature}.x`]) {
      const client = await running.connect({ auth: { token } });
      expect(client.session.visitorId).not.toBe(first.session.visitorId);
      expect(client.session.visitorId).toMatch(/^v_/);
    }
  });

  it('stores validated details (phone in E.164), names the sender with them, and keeps email and phone private', async () => {
    const room = freshRoom();
    const [alice, bob] = await Promise.all([running.connect(), running.connect()]);
    const saved = await request(alice, 'userDetails', { name: '  Alice Smith ', email: 'alice@example.com', phone: '+44 20 7946 0958' });
    expect(saved).toEqual({
      ok: true,
      user: { id: alice.session.visitorId, name: 'Alice Smith', email: 'alice@example.com', phone: '+442079460958' },
    });
    const stored = await db.collection('chat_users').findOne({ visitorId: alice.session.visitorId });
    expect(stored).toMatchObject({ name: 'Alice Smith', email: 'alice@example.com', phone: '+442079460958' });

    await request(alice, 'join', { room });
    await request(bob, 'join', { room });
    const bobReceives = nextEvent<ChatMessage>(bob, 'message');
    const typing = nextEvent(bob, 'typing');
    alice.emit('typing', { room, typing: true });
    await sendOk(alice, room, 'named now');
    const received = await bobReceives;
    expect(received.sender).toEqual({ id: alice.session.visitorId, name: 'Alice Smith', role: 'visitor' });
    const everything = JSON.stringify([received, await typing]);
    expect(everything).not.toContain('alice@example.com');
    expect(everything).not.toContain('7946');

    const returning = await running.connect({ auth: { token: alice.session.token } });
    expect(returning.session.user).toEqual(saved.user);
  });

  it('returns per-field errors and stores nothing for invalid details', async () => {
    const alice = await running.connect();
    const ack = await request(alice, 'userDetails', { name: '   ', email: 'not-an-email', phone: '12' });
    expect(ack).toEqual({
      ok: false,
      error: {
        code: 'VALIDATION',
        message: expect.any(String),
        fields: { name: expect.any(String), email: expect.any(String), phone: expect.any(String) },
      },
    });
    const controlChars = await request(alice, 'userDetails', { name: 'Eve\u0000\u001b[31m', email: 'eve@example.com' });
    expect(controlChars.error.fields).toEqual({ name: expect.stringMatching(/control/) });
    const tooLong = await request(alice, 'userDetails', { name: 'x'.repeat(101), email: 'eve@example.com' });
    expect(tooLong.error.fields).toEqual({ name: expect.any(String) });
    expect(await db.collection('chat_users').countDocuments({ visitorId: alice.session.visitorId })).toBe(0);
  });

  it('accepts details without a phone, and updates the name in every tab', async () => {
    const room = freshRoom();
    const tab1 = await running.connect();
    const tab2 = await running.connect({ auth: { token: tab1.session.token } });
    const bob = await running.connect();
    await request(tab2, 'join', { room });
    await request(bob, 'join', { room });
    const tab2Session = nextEvent(tab2, 'session');
    const warn = vi.spyOn(console, 'warn');
    const ack = await request(tab1, 'userDetails', { name: 'Dana', email: 'dana@example.com' });
    // A single node has no other nodes to tell, and says nothing about it.
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(ack.user).toMatchObject({ name: 'Dana', phone: '' });
    expect((await tab2Session).user).toEqual(ack.user);
    const bobReceives = nextEvent<ChatMessage>(bob, 'message');
    await sendOk(tab2, room, 'from the other tab');
    expect((await bobReceives).sender.name).toBe('Dana');
  });
});

describe('inside a host app', () => {
  it("leaves the host's own User model and users collection untouched", async () => {
    const User = db.model('User', new mongoose.Schema({ username: String, email: String, phone: String }));
    await User.create({ username: 'host-admin', email: 'admin@host.example', phone: '555' });
    const alice = await running.connect();
    await request(alice, 'userDetails', { name: 'Alice', email: 'admin@host.example', phone: '+442079460958' });
    await request(alice, 'join', { room: 'host-app' });
    await sendOk(alice, 'host-app', 'hello');
    const hostUsers = await User.find().lean();
    expect(hostUsers).toHaveLength(1);
    expect(hostUsers[0]).toMatchObject({ username: 'host-admin', email: 'admin@host.example', phone: '555' });
    expect(mongoose.modelNames()).not.toContain('chat_messages');
    expect(await db.collection('chat_users').countDocuments({ visitorId: alice.session.visitorId })).toBe(1);
  });
});
