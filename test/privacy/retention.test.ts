import type mongoose from 'mongoose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, ChatServerOptions } from 'parley-chat';
import { clientId, connectMongo, nextEvent, request, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// privacy.retention with a clock the test moves (Date only; timers run as usual), two chat nodes
// sweeping the same MongoDB (the jongodb emulator on machines without mongod).

const DAY = 24 * 60 * 60 * 1000;
const start = Date.now();

afterEach(() => {
  vi.useRealTimers();
});

/**
 * The clock `days` after the test began. Clients connected before the jump take it for a sleep
 * and drop their connection (as a laptop waking would): tests connect again after each jump.
 */
function dayOf(days: number): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(start + days * DAY);
}

async function twoNodes(retention: NonNullable<ChatServerOptions['privacy']>['retention']): Promise<{ db: mongoose.Connection; nodes: [RunningChat, RunningChat] }> {
  const db = await connectMongo();
  const options = { mongoose: db, operators: operatorsOptions(), files: {}, privacy: { retention } };
  return { db, nodes: [await startChat(options), await startChat(options)] };
}

async function inSupport(chat: RunningChat, token?: string): Promise<ChatClient> {
  const client = await chat.connect(token ? { auth: { token } } : {});
  await request(client, 'join', { inbox: 'support' });
  await request(client, 'join', { room: 'lobby' });
  return client;
}

async function say(client: ChatClient, where: { inbox: string } | { room: string }, message: string, files?: string[]) {
  const ack = await request(client, 'message', { ...where, message, clientId: clientId(), ...(files ? { files } : {}) });
  expect(ack.ok).toBe(true);
  return ack;
}

async function upload(chat: RunningChat, client: ChatClient, text: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), 'notes.txt');
  const response = await fetch(`${chat.url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${client.session.token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { file: { id: string } }).file.id;
}

/** Both nodes sweep at once: one holds the lease, and between them exactly what is due goes. */
async function sweepBoth(nodes: [RunningChat, RunningChat]) {
  const results = await Promise.all(nodes.map((node) => node.chat.privacy.sweep()));
  expect(results.some((result) => result.ran)).toBe(true);
  return {
    messages: results[0]!.messages + results[1]!.messages,
    conversations: results[0]!.conversations + results[1]!.conversations,
    visitors: results[0]!.visitors + results[1]!.visitors,
    files: results[0]!.files + results[1]!.files,
  };
}

describe('privacy.retention', () => {
  it('messagesDays: messages (and their files) older than that go, in rooms and open conversations alike; newer ones stay', async () => {
    const { db, nodes } = await twoNodes({ messagesDays: 30 });
    const ann = await inSupport(nodes[0]);
    const fileId = await upload(nodes[0], ann, 'old attachment');
    await say(ann, { room: 'lobby' }, 'old room words');
    const { conversation } = await say(ann, { inbox: 'support' }, 'old question', [fileId]);
    dayOf(20);
    await say(await inSupport(nodes[1], ann.session.token), { room: 'lobby' }, 'newer room words');
    dayOf(31);

    expect(await sweepBoth(nodes)).toEqual({ messages: 2, conversations: 0, visitors: 0, files: 1 });
    const later = await inSupport(nodes[0], ann.session.token);
    const lobby = await request(later, 'history', { room: 'lobby', before: 100 });
    expect(lobby.messages.map((message: ChatMessage) => [message.seq, message.message])).toEqual([[2, 'newer room words']]);
    const olga = await connectOperator(nodes[0].url, 'olga');
    const opened = await request(olga, 'open', { conversationId: conversation.id });
    expect(opened.messages).toEqual([]);
    // The conversation stays (it is open), without the text of its last message.
    expect(opened.conversation.lastMessage).toBeNull();
    expect(await db.collection('chat_file_records').countDocuments({ _id: fileId as never })).toBe(0);
    // Nothing is due any more: a second sweep removes nothing.
    expect(await sweepBoth(nodes)).toEqual({ messages: 0, conversations: 0, visitors: 0, files: 0 });
    // The thread goes on from its seqs.
    const next = await say(later, { inbox: 'support' }, 'still there?');
    expect(next.message.seq).toBe(2);
  });

  it('resolvedConversationsDays: conversations resolved that long ago go whole; reopened and open ones stay', async () => {
    const { db, nodes } = await twoNodes({ resolvedConversationsDays: 7 });
    const olga = await connectOperator(nodes[0].url, 'olga');
    const done = await inSupport(nodes[0]);
    const fileId = await upload(nodes[0], done, 'resolved attachment');
    const a = (await say(done, { inbox: 'support' }, 'solved question', [fileId])).conversation;
    await request(olga, 'message', { conversationId: a.id, message: 'solved answer', clientId: clientId() });
    await request(olga, 'message', { conversationId: a.id, message: 'a note on it', clientId: clientId(), note: true });
    const back = await inSupport(nodes[0]);
    const b = (await say(back, { inbox: 'support' }, 'first round')).conversation;
    const open = await inSupport(nodes[1]);
    const c = (await say(open, { inbox: 'support' }, 'never resolved')).conversation;
    for (const id of [a.id, b.id]) expect((await request(olga, 'status', { conversationId: id, status: 'resolved' })).ok).toBe(true);
    dayOf(5);
    await say(await inSupport(nodes[0], back.session.token), { inbox: 'support' }, 'one more thing');
    const omar = await connectOperator(nodes[0].url, 'omar');
    expect((await request(omar, 'status', { conversationId: b.id, status: 'resolved' })).ok).toBe(true);
    dayOf(8);
    // These two nodes share no adapter: the node that deletes tells its own operators.
    const ottos = await Promise.all(nodes.map((node) => connectOperator(node.url, 'otto')));
    const told = Promise.any(ottos.map((otto) => nextEvent(otto, 'conversationDeleted')));
    const otto = ottos[0]!;

    expect(await sweepBoth(nodes)).toEqual({ messages: 3, conversations: 1, visitors: 0, files: 1 });
    expect(await told).toEqual({ conversationId: a.id, inbox: 'support' });
    expect(await db.collection('chat_conversations').countDocuments({ _id: a.id as never })).toBe(0);
    expect(await db.collection('chat_messages').countDocuments({ room: { $regex: `^support/${a.id}` } })).toBe(0);
    for (const id of [b.id, c.id]) expect(await db.collection('chat_conversations').countDocuments({ _id: id as never })).toBe(1);
    const resolved = await request(otto, 'inbox', { status: 'resolved' });
    expect(resolved.conversations.map((summary: { id: string }) => summary.id)).toEqual([b.id]);
    expect(resolved.counts.resolved).toBe(1);
  });

  it('inactiveVisitorsDays: visitors not back for that long are erased; those who came back stay', async () => {
    const { db, nodes } = await twoNodes({ inactiveVisitorsDays: 30 });
    const gone = await inSupport(nodes[0]);
    await request(gone, 'userDetails', { name: 'Gone Person', email: 'gone@example.com' });
    await say(gone, { inbox: 'support' }, 'bye forever');
    const stays = await inSupport(nodes[0]);
    await say(stays, { room: 'lobby' }, 'I will be back');
    // Someone who only looked and wrote nothing is not even recorded.
    await inSupport(nodes[0]);
    dayOf(20);
    stays.disconnect();
    await inSupport(nodes[1], stays.session.token);
    dayOf(31);

    expect(await sweepBoth(nodes)).toEqual({ messages: 1, conversations: 1, visitors: 1, files: 0 });
    expect(await db.collection('chat_users').countDocuments({ visitorId: gone.session.visitorId })).toBe(0);
    expect(await db.collection('chat_conversations').countDocuments({ visitorId: gone.session.visitorId })).toBe(0);
    const reader = await inSupport(nodes[0], stays.session.token);
    const history = await request(reader, 'history', { room: 'lobby', before: 100 });
    expect(history.messages.map((message: ChatMessage) => message.message)).toEqual(['I will be back']);
    expect(reader.session.visitorId).toBe(stays.session.visitorId);
    expect((await inSupport(nodes[0], gone.session.token)).session.visitorId).not.toBe(gone.session.visitorId);
  });

  it('filesDays: files uploaded that long ago go; their messages keep the name, reading answers 404', async () => {
    const { nodes } = await twoNodes({ filesDays: 10 });
    const ann = await inSupport(nodes[0]);
    const oldFile = await upload(nodes[0], ann, 'an old scan');
    const sent = await say(ann, { inbox: 'support' }, 'see attached', [oldFile]);
    dayOf(9);
    const again = await inSupport(nodes[0], ann.session.token);
    const newFile = await upload(nodes[0], again, 'a newer scan');
    await say(again, { inbox: 'support' }, 'and this', [newFile]);
    dayOf(11);

    expect(await sweepBoth(nodes)).toEqual({ messages: 0, conversations: 0, visitors: 0, files: 1 });
    const joined = await request(await inSupport(nodes[1], ann.session.token), 'join', { inbox: 'support' });
    const [first, second] = joined.messages as ChatMessage[];
    expect(first!.files![0]!.name).toBe('notes.txt');
    expect((await fetch(`${nodes[0].url}${first!.files![0]!.url}`)).status).toBe(404);
    expect(await (await fetch(`${nodes[0].url}${second!.files![0]!.url}`)).text()).toBe('a newer scan');
    expect(sent.message.files[0].id).toBe(oldFile);
  });

  it('deletes nothing by age without privacy.retention, and refuses days that are not days', async () => {
    const db = await connectMongo();
    const plain = await startChat({ mongoose: db });
    const visitor = await plain.connect();
    await request(visitor, 'join', { room: 'lobby' });
    await say(visitor, { room: 'lobby' }, 'kept for good');
    dayOf(10_000);
    expect(await plain.chat.privacy.sweep()).toEqual({ ran: true, messages: 0, conversations: 0, visitors: 0, files: 0 });
    expect(await db.collection('chat_messages').countDocuments({ message: 'kept for good' })).toBe(1);
    // Without inactiveVisitorsDays, nothing records when visitors were here.
    expect(await db.collection('chat_visitors').countDocuments({})).toBe(0);
    for (const retention of [{ messagesDays: 0 }, { filesDays: -1 }, { inactiveVisitorsDays: '30' }, { messagesDays: Number.NaN }]) {
      await expect(startChat({ mongoose: db, privacy: { retention: retention as never } })).rejects.toThrow(/privacy\.retention\./);
    }
  });
});
