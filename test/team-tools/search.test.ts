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
    running = await startChat({ ...storeOptions(), collectionPrefix: `search${_name.length}_`, operators: operatorsOptions() });
    olga = await connectOperator(running.url, 'olga');
    sam = await connectOperator(running.url, 'sam');
    ids.ann = (await visitor('Ann Archer', 'ann@example.com', 'support', ['My parcel never arrived', 'Order 1234, shipped last week'])).conversationId;
    ids.bob = (await visitor('Bob Baker', 'bob@example.com', 'support', ['Where is my REFUND?', 'The parcel was damaged'])).conversationId;
    ids.cat = (await visitor('Cat Cole', 'cat@example.com', 'sales', ['Do you ship parcels abroad?'])).conversationId;
    // An operator's reply is found too; a note never is.
    await request(olga, 'message', { conversationId: ids.bob, message: 'Your refund was sent today', clientId: clientId() });
    await request(olga, 'message', { conversationId: ids.ann, message: 'secret parcel note', clientId: clientId(), note: true });
    await request(olga, 'status', { conversationId: ids.ann, status: 'resolved' });
  });

  const search = async (who: OperatorClient, query: object) => {
    const answer = await request(who, 'search', query);
    expect(answer).toMatchObject({ ok: true });
    return answer as { conversations: SearchHit[]; hasMore: boolean };
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
    const second = await search(olga, { text: 'parcel', limit: 2, before: first.conversations.at(-1)!.at });
    expect(found(second)).toEqual([ids.ann]);
    expect(second.hasMore).toBe(false);

    // From the host's code, over every inbox.
    const fromCode = await running.chat.conversations.search({ text: 'parcel', before: new Date(Date.now() + 1000) });
    expect(fromCode.conversations.map((hit) => hit.conversation.id)).toEqual([ids.cat, ids.bob, ids.ann]);
  });

  it('pages through many matches of one word without skipping or repeating a conversation', async () => {
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await visitor(`Dee ${i}`, `dee${i}@example.com`, 'support', [`zebra ${i}`, `zebra again ${i}`])).conversationId);
    const seen: string[] = [];
    let before: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await search(olga, { text: 'zebra', limit: 3, ...(before ? { before } : {}) });
      seen.push(...found(answer).filter((id) => !seen.includes(id)));
      if (!answer.hasMore) break;
      before = answer.conversations.at(-1)?.at ?? before;
    }
    expect(seen.sort()).toEqual(made.sort());
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
