import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, MessageAck } from 'parley-chat';
import type mongoose from 'mongoose';
import { clientId, collect, connectMongo, request, settle, startChat, type ChatClient } from '../support/harness.js';

// Lengths count UTF-16 code units everywhere (the documented limit, String.length and the
// widget's maxlength), and text must be well-formed: MongoDB stores UTF-8, where a lone
// surrogate becomes U+FFFD, so ack, broadcast and history would disagree.

const EMOJI = '\u{1F600}'; // two UTF-16 code units, one code point
let db: mongoose.Connection;
let sender: ChatClient;
let watcher: ChatClient;
let watcherGot: ChatMessage[];

const send = (message: string, id = clientId()) =>
  request<MessageAck>(sender, 'message', { room: 'text', message, clientId: id });
const storedCount = () => db.collection('chat_messages').countDocuments();

beforeAll(async () => {
  db = await connectMongo();
  const running = await startChat({ mongoose: db, limits: { maxMessageLength: 2000 } });
  [sender, watcher] = await Promise.all([running.connect(), running.connect()]);
  await request(sender, 'join', { room: 'text' });
  await request(watcher, 'join', { room: 'text' });
  watcherGot = collect(watcher, 'message');
});

describe('message length', () => {
  it('refuses 1,001 emoji (2,002 UTF-16 units) under a 2,000 limit with TOO_LARGE, storing nothing', async () => {
    const before = await storedCount();
    expect(await send(EMOJI.repeat(1001))).toMatchObject({ ok: false, error: { code: 'TOO_LARGE' } });
    expect(await storedCount()).toBe(before);
  });

  it('accepts exactly 1,000 emoji, and the ack, the broadcast, history and a retry all hold the same text', async () => {
    const text = EMOJI.repeat(1000);
    const id = clientId();
    const ack = await send(text, id);
    expect(ack).toMatchObject({ ok: true, message: { message: text } });
    await expect.poll(() => watcherGot.at(-1)?.message).toBe(text);
    const history = await request(watcher, 'history', { room: 'text', before: Number.MAX_SAFE_INTEGER });
    expect(history.messages.at(-1).message).toBe(text);
    expect(await send(text, id)).toEqual(ack);
  });
});

describe('ill-formed strings', () => {
  const LONE = ['\uD800', '\uDFFF', 'a\uD83Db', `${EMOJI}\uDE00`];

  it.each(LONE.map((text) => [JSON.stringify(text), text]))('refuses the message %s with VALIDATION and stores nothing', async (_label, text) => {
    const before = await storedCount();
    const ack = await send(text);
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { message: expect.stringMatching(/surrogate/) } } });
    await settle(50);
    expect(await storedCount()).toBe(before);
  });

  it.each([
    ['name', { name: 'Ann\uD800', email: 'ann@example.com' }],
    ['email', { name: 'Ann', email: 'ann\uDC00@example.com' }],
    ['phone', { name: 'Ann', email: 'ann@example.com', phone: '+44 20 7946 0958\uD800' }],
  ])('refuses an unpaired surrogate in the %s with VALIDATION and stores nothing', async (field, details) => {
    const before = await db.collection('chat_users').countDocuments();
    const ack = await request(sender, 'userDetails', details);
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', fields: { [field]: expect.any(String) } } });
    expect(await db.collection('chat_users').countDocuments()).toBe(before);
  });

  it('accepts well-formed names with characters outside the BMP, as stored', async () => {
    const ack = await request(sender, 'userDetails', { name: `Zoë ${EMOJI}`, email: 'zoe@example.com' });
    expect(ack).toMatchObject({ ok: true, user: { name: `Zoë ${EMOJI}` } });
    const stored = await db.collection('chat_users').findOne({ visitorId: sender.session.visitorId });
    expect(stored?.name).toBe(`Zoë ${EMOJI}`);
  });
});
