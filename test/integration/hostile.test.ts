import mongoose from 'mongoose';
import type { Socket } from 'socket.io-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage } from 'parley-chat';
import {
  clientId,
  collect,
  connectMongo,
  nextEvent,
  request,
  settle,
  startChat,
  type ChatClient,
  type RunningChat,
} from '../support/harness.js';

const ROOM = 'lobby';
let db: mongoose.Connection;
let running: RunningChat;
let attacker: ChatClient;
let bystander: ChatClient;
let bystanderGot: ChatMessage[];
let bystanderTyping: unknown[];
// The attacker sends what the typed protocol forbids, so it speaks through an untyped view.
const raw = () => attacker as unknown as Socket;

// Values an attacker can put anywhere a string, number or boolean is expected.
const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['$ne operator', { $ne: '' }],
  ['$gt operator', { $gt: '' }],
  ['$where operator', { $where: 'sleep(1000) || true' }],
  ['$regex operator', { $regex: '.*' }],
  ['__proto__ object', JSON.parse('{"__proto__": {"polluted": true}}')],
  ['constructor.prototype', JSON.parse('{"constructor": {"prototype": {"polluted": true}}}')],
  ['array', ['lobby']],
  ['null', null],
  ['number', 12345],
  ['negative float', -1.5],
  ['boolean', true],
  ['nested object', { a: { b: { c: {} } } }],
  ['empty string', ''],
  ['control characters', 'a\u0000b\u001b[2J'],
];

const VALID: Record<string, Record<string, unknown>> = {
  join: { room: ROOM, since: 0 },
  message: { room: ROOM, message: 'hello', clientId: 'valid-id' },
  history: { room: ROOM, before: 100, limit: 10 },
  userDetails: { name: 'Eve', email: 'eve@example.com', phone: '+442079460958' },
};

// The few values above that are valid input for a field, and so must not be refused there.
const VALID_FOR_FIELD: Record<string, string[]> = {
  'join.since': ['number'],
  'history.before': ['number'],
  'userDetails.phone': ['empty string'],
  'typing.typing': ['boolean'],
};

async function storedCounts() {
  return {
    messages: await db.collection('chat_messages').countDocuments(),
    users: await db.collection('chat_users').countDocuments(),
  };
}

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({ mongoose: db, limits: { maxMessageLength: 500, eventRate: { max: 10_000, perMs: 1000 }, messageRate: { max: 10_000, perMs: 1000 } } });
  [attacker, bystander] = await Promise.all([running.connect(), running.connect()]);
  await request(attacker, 'join', { room: ROOM });
  await request(bystander, 'join', { room: ROOM });
  bystanderGot = collect(bystander, 'message');
  bystanderTyping = collect(bystander, 'typing');
});

describe('hostile payloads', () => {
  for (const [event, valid] of Object.entries(VALID)) {
    for (const field of Object.keys(valid)) {
      it(`${event}.${field}: every hostile value gets a coded error and stores nothing`, async () => {
        const before = await storedCounts();
        for (const [label, value] of HOSTILE_VALUES) {
          if (VALID_FOR_FIELD[`${event}.${field}`]?.includes(label)) continue;
          const ack = await request(attacker, event, { ...valid, [field]: value });
          expect(ack, `${event}.${field} = ${label}`).toMatchObject({
            ok: false,
            error: { code: expect.stringMatching(/^(VALIDATION|TOO_LARGE)$/), message: expect.any(String) },
          });
          expect(Object.keys(ack.error.fields ?? { [field]: 1 })).toContain(field);
        }
        expect(await storedCounts()).toEqual(before);
      });
    }

    it(`${event}: a payload that is not an object gets VALIDATION`, async () => {
      const before = await storedCounts();
      for (const payload of [null, 'lobby', 42, [], [VALID[event]], true, JSON.parse('{"__proto__": {"room": "lobby"}}')]) {
        const ack = await request(attacker, event, payload);
        expect(ack, JSON.stringify(payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      }
      expect(await storedCounts()).toEqual(before);
    });
  }

  it('ignores smuggled fields: a client cannot choose its sender, seq, id or timestamp', async () => {
    const ack = await request(attacker, 'message', {
      room: ROOM,
      message: 'who am I?',
      clientId: clientId(),
      sender: { id: 'user:admin', name: 'Administrator' },
      seq: 1,
      id: 'forged',
      timestamp: '1999-01-01T00:00:00.000Z',
      $set: { room: 'other' },
    });
    expect(ack.ok).toBe(true);
    expect(ack.message.sender.id).toBe(attacker.session.visitorId);
    expect(ack.message.sender.name).not.toBe('Administrator');
    expect(ack.message.id).not.toBe('forged');
    expect(ack.message.timestamp).not.toBe('1999-01-01T00:00:00.000Z');
    const stored = await db.collection('chat_messages').findOne({ clientId: ack.message.clientId });
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'clientId', 'message', 'room', 'sender', 'seq', 'seqAt', 'timestamp']);
  });

  it('does not pollute Object.prototype', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('room');
  });

  it('answers an oversized message with TOO_LARGE and stores nothing', async () => {
    const before = await storedCounts();
    const ack = await request(attacker, 'message', { room: ROOM, message: 'x'.repeat(10_000), clientId: clientId() });
    expect(ack).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expect(await storedCounts()).toEqual(before);
  });

  it('ignores events without an ack callback: nothing stored, nothing broadcast', async () => {
    const before = await storedCounts();
    const seen = bystanderGot.length;
    raw().emit('message', { room: ROOM, message: 'no callback', clientId: clientId() });
    raw().emit('userDetails', { name: 'No Callback', email: 'nc@example.com' });
    raw().emit('join', { room: 'elsewhere' });
    raw().emit('history', { room: ROOM, before: 5 });
    raw().emit('message');
    await settle(300);
    expect(await storedCounts()).toEqual(before);
    expect(bystanderGot.length).toBe(seen);
  });

  it('drops invalid typing events silently', async () => {
    for (const [label, value] of HOSTILE_VALUES) {
      raw().emit('typing', { room: value, typing: true });
      if (!VALID_FOR_FIELD['typing.typing']!.includes(label)) raw().emit('typing', { room: ROOM, typing: value });
      raw().emit('typing', value);
    }
    raw().emit('typing', { room: 'not-joined', typing: true });
    await settle(300);
    expect(bystanderTyping).toEqual([]);
  });

  it('gives a client with hostile handshake auth a fresh anonymous identity', async () => {
    for (const auth of [{ token: { $ne: '' } }, { token: ['a', 'b'] }, { token: 'x'.repeat(5000) }, JSON.parse('{"__proto__": {"token": "x"}}')]) {
      const client = await running.connect({ auth });
      expect(client.session.visitorId).toMatch(/^v_/);
      expect(client.session.visitorId).not.toBe(attacker.session.visitorId);
    }
  });

  it('disconnects only the sender of a packet over maxPayloadBytes', async () => {
    const flooder = await running.connect();
    const gone = nextEvent(flooder, 'disconnect');
    flooder.emit('message', { room: ROOM, message: 'x'.repeat(200_000), clientId: clientId() }, () => {});
    await gone;
    expect(bystander.connected).toBe(true);
  });

  it('leaves the server working for everyone after all of the above', async () => {
    expect(bystanderGot.every((m) => m.message === 'who am I?')).toBe(true);
    const arrives = nextEvent<ChatMessage>(bystander, 'message');
    const ack = await request(attacker, 'message', { room: ROOM, message: 'still here', clientId: clientId() });
    expect(ack.ok).toBe(true);
    expect((await arrives).message).toBe('still here');
    const newcomer = await running.connect();
    expect(await request(newcomer, 'join', { room: ROOM })).toMatchObject({ ok: true, online: 3 });
  });
});

describe('private rooms', () => {
  it("cannot be entered by naming another visitor's private room or socket id as a chat room", async () => {
    const victim = await running.connect();
    const spy = await running.connect();
    const spiedSessions = collect(spy, 'session');
    const spiedMessages = collect<ChatMessage>(spy, 'message');
    await request(spy, 'join', { room: `visitor:${victim.session.visitorId}` });
    await request(spy, 'join', { room: victim.id! });

    await request(victim, 'userDetails', { name: 'Victim', email: 'victim@example.com', phone: '+442079460958' });
    const victimTab = await running.connect({ auth: { token: victim.session.token } });
    await request(victimTab, 'userDetails', { name: 'Victim', email: 'victim@example.com', phone: '+442079460958' });
    const victimGot = collect<ChatMessage>(victim, 'message');
    await request(spy, 'message', { room: victim.id!, message: 'injected', clientId: clientId() });
    await settle(300);
    expect(spiedSessions).toEqual([]);
    expect(JSON.stringify(spiedMessages)).not.toContain('victim@example.com');
    expect(victimGot).toEqual([]);
  });
});
