import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore, type ChatServerOptions, type SearchHit } from 'parley-chat';
import { clientId, connectMongo, request, startChat, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';

// The team's search through real sockets, on the chat's MongoDB (the jongodb emulator on machines
// without mongod, which has no $text: the scan path) and on the MemoryStore: what it finds, what
// it never shows an operator of another inbox, paging, filters and hostile payloads.

let db: mongoose.Connection;

beforeAll(async () => {
  db = await connectMongo();
});

const stores: Array<[string, () => Partial<ChatServerOptions>]> = [
  ['MongoDB', () => ({ mongoose: db })],
  ['MemoryStore', () => ({ store: new MemoryStore() })],
];

describe.each(stores)('search on %s', (_name, storeOptions) => {
  let running: RunningChat;
  let olga: OperatorClient;
  let sam: OperatorClient;
  const ids: Record<string, string> = {};

  /** A visitor who gives their details and writes `messages` in `inbox`. */
  async function visitor(name: string, email: string, inbox: string, messages: string[]) {
    const client = await running.connect();
    await request(client, 'join', { inbox });
    expect((await request(client, 'userDetails', { name, email })).ok).toBe(true);
    let conversationId = '';
    for (const message of messages) {
      const sent = await request(client, 'message', { inbox, message, clientId: clientId() });
      expect(sent.ok).toBe(true);
      conversationId = sent.conversation.id;
    }
    return { client, conversationId };
  }

  beforeAll(async () => {
    running = await startChat({ ...storeOptions(), collectionPrefix: `search${_name.length}_`, operators: operatorsOptions(), limits: { searchRate: { max: 10_000, perMs: 1000 } } });
    olga = await connectOperator(running.url, 'olga');
    sam = await connectOperator(running.url, 'sam');
    ids.ann = (await visitor('Ann Archer', 'ann@example.com', 'support', ['My parcel never arrived', 'Order 1234, shipped last week'])).conversationId;
    ids.bob = (await visitor('Bob Baker', 'bob@example.com', 'support', ['Where is my REFUND?', 'The parcel was damaged'])).conversationId;
    ids.cat = (await visitor('Cat Cole', 'cat@example.com', 'sales', ['Do you ship a parcel abroad?'])).conversationId;
    // An operator's reply is found too; a note never is.
    await request(olga, 'message', { conversationId: ids.bob, message: 'Your refund was sent today', clientId: clientId() });
    await request(olga, 'message', { conversationId: ids.ann, message: 'secret parcel note', clientId: clientId(), note: true });
    await request(olga, 'status', { conversationId: ids.ann, status: 'resolved' });
  });

  const search = async (who: OperatorClient, query: object) => {
    const answer = await request(who, 'search', query);
    expect(answer).toMatchObject({ ok: true });
    return answer as { conversations: SearchHit[]; hasMore: boolean; cursor: string | null };
  };
  /** Every page of a search, by its cursors: the conversations in the order they came. */
  const allPages = async (query: object) => {
    const ids: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 30; page++) {
      const answer = await search(olga, { ...query, ...(cursor ? { cursor } : {}) });
      ids.push(...found(answer));
      cursor = answer.cursor;
      expect(answer.hasMore).toBe(cursor !== null);
      if (!cursor) return ids;
    }
    throw new Error('the search never ended');
  };
  const found = (answer: { conversations: SearchHit[] }) => answer.conversations.map((hit) => hit.conversation.id);

  it('finds messages containing every word, in any case, newest first, with the message to open at', async () => {
    const parcel = await search(olga, { text: 'PARCEL' });
    // Cat is in sales, which Olga reads too ('*'); newest first: Cat, Bob, Ann.
    expect(found(parcel)).toEqual([ids.cat, ids.bob, ids.ann]);
    const bobs = parcel.conversations[1]!;
    expect(bobs.match).toMatchObject({ seq: 2, message: 'The parcel was damaged' });
    expect(bobs.at).toBe(bobs.match!.timestamp);
    expect(bobs.conversation).toMatchObject({ id: ids.bob, inbox: 'support', visitor: { name: 'Bob Baker' } });

    expect(found(await search(olga, { text: 'parcel damaged' }))).toEqual([ids.bob]);
    expect(found(await search(olga, { text: 'refund' }))).toEqual([ids.bob]);
    expect((await search(olga, { text: 'refund' })).conversations[0]!.match!.message).toBe('Your refund was sent today');
    // Notes are not searched.
    expect(found(await search(olga, { text: 'secret' }))).toEqual([]);
    // Characters that mean something to a regex or to $text are only text.
    expect(found(await search(olga, { text: '.*' }))).toEqual([]);
    expect(found(await search(olga, { text: '"parcel" -damaged' }))).toEqual([ids.bob]);
  });

  it('finds visitors by name, email and id, and a conversation by its id', async () => {
    expect(found(await search(olga, { text: 'bob b' }))).toEqual([ids.bob]);
    expect(found(await search(olga, { text: 'ÇAT' }))).toEqual([]);
    expect(found(await search(olga, { text: 'ANN@example.com' }))).toEqual([ids.ann]);
    expect(found(await search(olga, { text: ids.cat! }))).toEqual([ids.cat]);
    const { conversation } = (await running.chat.conversations.get(ids.ann!))!;
    expect(found(await search(olga, { visitor: conversation.visitor.id }))).toEqual([ids.ann]);
    // Words within one visitor's conversations.
    expect(found(await search(olga, { text: 'parcel', visitor: 'bob@example.com' }))).toEqual([ids.bob]);
    expect(found(await search(olga, { text: 'refund', visitor: 'Ann' }))).toEqual([]);
  });

  it('never shows an operator conversations of inboxes they do not read', async () => {
    // Sam reads sales only: the support conversations with "parcel" stay hidden, by text, name, email or id.
    expect(found(await search(sam, { text: 'parcel' }))).toEqual([ids.cat]);
    expect(found(await search(sam, { text: 'Bob' }))).toEqual([]);
    expect(found(await search(sam, { text: 'bob@example.com' }))).toEqual([]);
    expect(found(await search(sam, { text: ids.bob! }))).toEqual([]);
    expect(found(await search(sam, { visitor: 'Ann' }))).toEqual([]);
    expect(await request(sam, 'search', { text: 'parcel', inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('filters by inbox, status and time, and pages with before', async () => {
    expect(found(await search(olga, { text: 'parcel', inbox: 'support' }))).toEqual([ids.bob, ids.ann]);
    expect(found(await search(olga, { text: 'parcel', status: 'resolved' }))).toEqual([ids.ann]);
    expect(found(await search(olga, { text: 'parcel', status: 'open' }))).toEqual([ids.cat, ids.bob]);
    expect(found(await search(olga, { text: 'parcel', since: new Date(Date.now() + 60_000).toISOString() }))).toEqual([]);

    const first = await search(olga, { text: 'parcel', limit: 2 });
    expect(found(first)).toEqual([ids.cat, ids.bob]);
    expect(first.hasMore).toBe(true);
    const second = await search(olga, { text: 'parcel', limit: 2, cursor: first.cursor });
    expect(found(second)).toEqual([ids.ann]);
    expect(second).toMatchObject({ hasMore: false, cursor: null });
    for (const cursor of ['bm90IGEgY3Vyc29y', Buffer.from(JSON.stringify({ b: 1e300, s: [] })).toString('base64url'), Buffer.from(JSON.stringify({ b: 1, s: [{ $ne: 1 }] })).toString('base64url')]) {
      expect(await request(olga, 'search', { text: 'parcel', cursor })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }

    // From the host's code, over every inbox.
    const fromCode = await running.chat.conversations.search({ text: 'parcel', before: new Date(Date.now() + 1000) });
    expect(fromCode.conversations.map((hit) => hit.conversation.id)).toEqual([ids.cat, ids.bob, ids.ann]);
  });

  it('pages through many matches without skipping or repeating a conversation, however their messages interleave', async () => {
    const made: Array<{ client: Awaited<ReturnType<typeof visitor>>['client']; conversationId: string }> = [];
    for (let i = 0; i < 7; i++) made.push(await visitor(`Dee ${i}`, `dee${i}@example.com`, 'support', [`zebra ${i}`]));
    // Each writes again, in turns: every conversation has matches newer and older than the others'.
    for (let round = 0; round < 3; round++) {
      for (const { client } of made) expect((await request(client, 'message', { inbox: 'support', message: `zebra round ${round}`, clientId: clientId() })).ok).toBe(true);
    }
    const ids = made.map((one) => one.conversationId);
    const paged = await allPages({ text: 'zebra', limit: 2 });
    expect(paged).toHaveLength(7);
    expect([...paged].sort()).toEqual([...ids].sort());
    // Newest activity first: the last to write leads.
    expect(paged[0]).toBe(ids.at(-1));
    // A status filter that leaves few hits per round still ends, with each once.
    await request(olga, 'status', { conversationId: ids[0], status: 'resolved' });
    expect(await allPages({ text: 'zebra', status: 'resolved', limit: 1 })).toEqual([ids[0]]);
  });

  it('refuses hostile payloads with VALIDATION', async () => {
    for (const payload of [
      {},
      { text: '' },
      { text: '   ' },
      { text: 'x'.repeat(201) },
      { text: { $regex: '.*' } },
      { text: 'a\u0000b' },
      { visitor: { $ne: null } },
      { text: 'parcel', limit: 0 },
      { text: 'parcel', limit: 51 },
      { text: 'parcel', status: 'deleted' },
      { text: 'parcel', before: 'yesterday' },
      { text: 'parcel', inbox: { $ne: 'x' } },
      null,
    ]) {
      expect(await request(olga, 'search', payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
  });
});

describe('search on MongoDB, of messages stored before search existed', () => {
  it('finds them once the chat has given them their inbox, which it does once per database', async () => {
    const prefix = 'legacy_';
    const first = await startChat({ mongoose: db, collectionPrefix: prefix, operators: operatorsOptions() });
    const ann = await first.connect();
    await request(ann, 'join', { inbox: 'support' });
    const sent = await request(ann, 'message', { inbox: 'support', message: 'an old walrus question', clientId: clientId() });
    await request(ann, 'join', { room: 'lobby' });
    await request(ann, 'message', { room: 'lobby', message: 'a walrus in the lobby', clientId: clientId() });
    await request(ann, 'message', { inbox: 'support', message: 'walrus note', clientId: clientId() });
    expect((await request(ann, 'userDetails', { name: 'Zelda Older', email: 'zelda@example.com' })).ok).toBe(true);
    // This version keeps the name's search key with the conversation, as the name changes.
    await expect
      .poll(async () => (await db.collection(`${prefix}conversations`).findOne({ _id: sent.conversation.id }))?.visitorNameKey)
      .toBe('zelda older');
    // As an earlier version stored them: no inbox on any message, no name key on the conversation, and no record of the backfill.
    await db.collection(`${prefix}messages`).updateMany({}, { $unset: { inbox: '' } });
    await db.collection(`${prefix}conversations`).updateMany({}, { $unset: { visitorNameKey: '' } });
    await db.collection(`${prefix}migrations`).deleteMany({});
    await first.chat.close();

    const upgraded = await startChat({ mongoose: db, collectionPrefix: prefix, operators: operatorsOptions() });
    await expect.poll(async () => (await db.collection(`${prefix}migrations`).findOne({ _id: 'message-inbox' as never }))?.done, { timeout: 10_000 }).toBe(true);
    // The conversation's messages have their inbox; the room's have none.
    expect(await db.collection(`${prefix}messages`).countDocuments({ inbox: 'support' })).toBe(2);
    expect(await db.collection(`${prefix}messages`).countDocuments({ room: 'lobby', inbox: { $exists: true } })).toBe(0);
    const olga = await connectOperator(upgraded.url, 'olga');
    const answer = await request(olga, 'search', { text: 'walrus' });
    expect(answer.conversations.map((hit: SearchHit) => hit.conversation.id)).toEqual([sent.conversation.id]);
    // Found by the start of the name too, in any case, without its key.
    const byName = await request(olga, 'search', { text: 'zELDA o' });
    expect(byName.conversations.map((hit: SearchHit) => hit.conversation.id)).toEqual([sent.conversation.id]);
  });
});

describe('search, rate limited', () => {
  it('takes searchRate searches per operator, then answers RATE_LIMITED with how long to wait', async () => {
    const chat = await startChat({ store: new MemoryStore(), operators: operatorsOptions(), limits: { searchRate: { max: 3, perMs: 60_000 } } });
    const olga = await connectOperator(chat.url, 'olga');
    const omar = await connectOperator(chat.url, 'omar');
    for (let i = 0; i < 3; i++) expect((await request(olga, 'search', { text: 'anything' })).ok).toBe(true);
    const refused = await request(olga, 'search', { text: 'anything' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(refused.error.retryAfterMs).toBeGreaterThan(0);
    // Another operator, and Olga's other events, are not held back.
    expect((await request(omar, 'search', { text: 'anything' })).ok).toBe(true);
    expect((await request(olga, 'inbox', {})).ok).toBe(true);
  });
});
