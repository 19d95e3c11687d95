import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { MongooseStore, type ChangesAck, type InboxCountsEvent, type InboxListAck, type OpenAck } from 'parley-chat';
import { clientId, collect, connectMongo, request, settle, startChat, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// An inbox with a history and a busy present: what an operator's reconnect costs, what the tabs
// cost, and what a tab open all day receives.

let connection: Connection;
let store: MongooseStore;
let chat: RunningChat;

beforeAll(async () => {
  connection = await connectMongo();
  store = new MongooseStore({ mongoose: connection });
  chat = await startChat({ store, operators: operatorsOptions() });
});

const visitorSays = (visitorId: string, text: string) =>
  store.appendToConversation(
    { inbox: 'support', visitor: { id: visitorId, name: visitorId } },
    { sender: { id: visitorId, name: visitorId, role: 'visitor' }, message: text, clientId: clientId(), timestamp: new Date() },
  );

describe('an inbox that stays cheap when it is busy', () => {
  it('200 changes within ten seconds: a reconnecting operator gets what changed, not the history', async () => {
    for (let i = 0; i < 150; i++) await visitorSays(`v_old_${i}`, 'a while ago');
    // Those changed a minute ago, as far as their versions tell (versions come from a clock).
    await connection.collection('chat_conversations').updateMany({}, { $inc: { version: -60_000_000 } });
    const operator = await connectOperator(chat.url, 'olga');
    const first: InboxListAck = await request(operator, 'inbox', {});
    expect(first).toMatchObject({ ok: true, counts: { open: 150, unassigned: 150 } });
    const { version } = first as Extract<InboxListAck, { ok: true }>;
    expect(version).toBeGreaterThan(0);
    for (let i = 0; i < 200; i++) await visitorSays(`v_now_${i % 100}`, `busy ${i}`);
    // The operator was away meanwhile: the catch-up is the 100 conversations that changed.
    const caught: ChangesAck = await request(operator, 'changes', { since: version });
    const { conversations, version: next } = caught as Extract<ChangesAck, { ok: true }>;
    expect(new Set(conversations.map((summary) => summary.id)).size).toBe(100);
    expect(conversations.every((summary) => summary.visitor.id.startsWith('v_now_'))).toBe(true);
    expect(next).toBeGreaterThanOrEqual(version);
    // Again a moment later: still only what changed since (the recent ones are resent until they settle).
    await visitorSays('v_now_0', 'one more');
    const again = (await request<ChangesAck>(operator, 'changes', { since: next })) as Extract<ChangesAck, { ok: true }>;
    expect(again.conversations.length).toBeLessThanOrEqual(101);
  });

  it('sends operators the counts with a change, instead of each asking every second', async () => {
    const operator = await connectOperator(chat.url, 'omar');
    const counts = collect<InboxCountsEvent>(operator, 'counts');
    const { conversation } = (await visitorSays('v_counted', 'hello'))!;
    const visitorCount = (await store.inboxCounts(['support']))[0]!;
    // A message created the conversation through the store directly: nothing told; a change through the chat is told.
    await chat.chat.conversations.assign(conversation.id, { id: 'u-omar', name: 'Omar' });
    await expect.poll(() => counts.at(-1)).toMatchObject({ inbox: 'support', assigned: { 'u-omar': 1 }, unassigned: visitorCount.unassigned - 1 });
    const listed = (await request<InboxListAck>(operator, 'inbox', { assignee: 'me' })) as Extract<InboxListAck, { ok: true }>;
    expect(listed.counts.mine).toBe(1);
    expect(listed.inboxCounts).toEqual([expect.objectContaining({ inbox: 'support', assigned: { 'u-omar': 1 } })]);
  });

  it("an operator's socket receives only the conversation it shows", async () => {
    const a = (await visitorSays('v_shown_a', 'first'))!.conversation;
    const b = (await visitorSays('v_shown_b', 'first'))!.conversation;
    const operator = await connectOperator(chat.url, 'otto');
    const messages = collect<{ conversationId: string }>(operator, 'message');
    expect(await request<OpenAck>(operator, 'open', { conversationId: a.id })).toMatchObject({ ok: true });
    expect(await request<OpenAck>(operator, 'open', { conversationId: b.id })).toMatchObject({ ok: true });
    await chat.chat.conversations.send(a.id, { message: 'to a', clientId: clientId(), as: { id: 'bot', name: 'Bot' } });
    await chat.chat.conversations.send(b.id, { message: 'to b', clientId: clientId(), as: { id: 'bot', name: 'Bot' } });
    await expect.poll(() => messages.map((message) => message.conversationId)).toEqual([b.id]);
    expect(await request(operator, 'close', { conversationId: b.id })).toEqual({ ok: true });
    await chat.chat.conversations.send(b.id, { message: 'to b again', clientId: clientId(), as: { id: 'bot', name: 'Bot' } });
    await settle(200);
    expect(messages).toHaveLength(1);
  });
});
