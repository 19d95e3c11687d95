import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  MongooseStore,
  type ChatStore,
  type ConversationSummary,
  type InboxMessageAck,
  type MessageAck,
} from 'parley-chat';
import {
  clientId,
  collect,
  connectClient,
  connectMongo,
  mongoInfo,
  request,
  SECRET,
  settle,
  startChat,
  type ChatClient,
  type RunningChat,
} from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';
import { startNodeProcess } from '../support/processes.js';

// A message whose first attempt failed between two of its steps, then retried as the widget and
// the inbox retry (same clientId, `retry: true`): the retry finishes what the first left undone.
// The faults are injected at the storage boundary (a database call that throws once, as a
// failover between two writes would make it) and by killing a chat node mid-message.

const DYING_NODE = fileURLToPath(new URL('../fixtures/dying-node.mjs', import.meta.url));

let connection: Connection;
let store: MongooseStore;
let chat: RunningChat;
const hooks: Array<{ hook: string; type?: string; id: string }> = [];

beforeAll(async () => {
  connection = await connectMongo();
  store = new MongooseStore({ mongoose: connection });
  chat = await startChat({
    store,
    operators: operatorsOptions(),
    hooks: {
      onConversation: ({ type, conversation }) => void hooks.push({ hook: 'onConversation', type, id: conversation.id }),
      onVisitorWaiting: ({ conversation }) => void hooks.push({ hook: 'onVisitorWaiting', id: conversation.id }),
    },
  });
});

/**
 * Makes the next call of a storage operation throw, as a database failing over mid-message would:
 * an insert (through the model's collection) or an update or bulk write (through the model).
 */
function failNext(model: 'chat_messages' | 'chat_conversations' | 'chat_counts', method: 'insertOne' | 'updateOne' | 'bulkWrite'): void {
  const found = connection.models[model]!;
  const owner = (method === 'insertOne' ? found.collection : found) as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = owner[method]!;
  owner[method] = () => {
    owner[method] = original;
    return Promise.reject(Object.assign(new Error('not primary'), { name: 'MongoServerError', code: 10107 }));
  };
}

/** A visitor with two tabs in their conversation: one sends, the other shows what it receives. */
async function visitorWithTwoTabs(url: string): Promise<{ sender: ChatClient; other: ChatClient; received: unknown[] }> {
  const sender = await connectClient(url);
  await request(sender, 'join', { inbox: 'support' });
  const other = await connectClient(url, { auth: { token: sender.session.token } });
  await request(other, 'join', { inbox: 'support' });
  return { sender, other, received: collect(other, 'message') };
}

async function operatorWatching(conversationId: string): Promise<{ operator: OperatorClient; messages: unknown[]; summaries: ConversationSummary[] }> {
  const operator = await connectOperator(chat.url, 'olga');
  const summaries = collect<ConversationSummary>(operator, 'conversation');
  await request(operator, 'open', { conversationId });
  return { operator, messages: collect(operator, 'message'), summaries };
}

const stored = async (conversationId: string) =>
  (await store.listMessages({ room: `support/${conversationId}`, limit: 100 })).messages.map((message) => [message.seq, message.message]);

describe('a retry finishes what a failed first attempt started', () => {
  it("a visitor's first message that took its seq and failed before it was stored: created, delivered and told once", async () => {
    const { sender, received } = await visitorWithTwoTabs(chat.url);
    const id = clientId();
    failNext('chat_messages', 'insertOne');
    const failed: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Hello?', clientId: id });
    expect(failed).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    const retried: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Hello?', clientId: id, retry: true });
    expect(retried).toMatchObject({ ok: true, message: { seq: 1, message: 'Hello?' } });
    const conversationId = (retried as Extract<InboxMessageAck, { ok: true }>).conversation.id;
    expect(await stored(conversationId)).toEqual([[1, 'Hello?']]);
    const conversation = await store.getConversation(conversationId);
    expect(conversation).toMatchObject({ unread: 1, lastMessage: { seq: 1, message: 'Hello?' }, status: 'open' });
    expect(conversation!.waitingSince).not.toBeNull();
    await settle(300);
    expect(received).toHaveLength(1);
    expect(hooks.filter((entry) => entry.id === conversationId)).toEqual([
      { hook: 'onConversation', type: 'created', id: conversationId },
      { hook: 'onVisitorWaiting', id: conversationId },
    ]);
    expect(await store.inboxCounts(['support'])).toEqual([expect.objectContaining({ open: expect.any(Number) })]);
  });

  it('a message stored whose follow-up failed (the wait it starts): the retry writes it, and delivers once', async () => {
    const { sender, received } = await visitorWithTwoTabs(chat.url);
    const first = (await request<InboxMessageAck>(sender, 'message', { inbox: 'support', message: 'One', clientId: clientId() })) as Extract<InboxMessageAck, { ok: true }>;
    const conversationId = first.conversation.id;
    const { operator, messages, summaries } = await operatorWatching(conversationId);
    await request(operator, 'message', { conversationId, message: 'Answered', clientId: clientId() });
    await settle(200);
    received.length = 0;
    messages.length = 0;
    const id = clientId();
    failNext('chat_conversations', 'updateOne');
    const failed: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Two', clientId: id });
    expect(failed).toMatchObject({ ok: false, error: { retryable: true } });
    expect((await store.getConversation(conversationId))!.waitingSince).toBeNull();
    const retried: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Two', clientId: id, retry: true });
    expect(retried).toMatchObject({ ok: true, message: { seq: 3, message: 'Two' } });
    expect(await stored(conversationId)).toEqual([[1, 'One'], [2, 'Answered'], [3, 'Two']]);
    expect((await store.getConversation(conversationId))!.waitingSince).not.toBeNull();
    await settle(300);
    expect(received).toHaveLength(1);
    expect(messages).toHaveLength(1);
    expect(summaries.at(-1)).toMatchObject({ lastMessage: { seq: 3 }, unread: 1 });
  });

  it('a message stored whose delivery never happened (the store answered, then the request failed): the retry delivers it', async () => {
    const { sender, received } = await visitorWithTwoTabs(chat.url);
    const first = (await request<InboxMessageAck>(sender, 'message', { inbox: 'support', message: 'One', clientId: clientId() })) as Extract<InboxMessageAck, { ok: true }>;
    const { messages } = await operatorWatching(first.conversation.id);
    received.length = 0;
    const id = clientId();
    const append = store.appendToConversation.bind(store);
    (store as ChatStore).appendToConversation = async (...args) => {
      (store as ChatStore).appendToConversation = append;
      await append(...args);
      throw Object.assign(new Error('connection reset'), { name: 'MongoNetworkError' });
    };
    const failed: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Two', clientId: id });
    expect(failed).toMatchObject({ ok: false, error: { retryable: true } });
    await settle(200);
    expect(received).toHaveLength(0);
    const retried: InboxMessageAck = await request(sender, 'message', { inbox: 'support', message: 'Two', clientId: id, retry: true });
    expect(retried).toMatchObject({ ok: true, message: { seq: 2 } });
    await settle(300);
    expect(received).toHaveLength(1);
    expect(messages).toHaveLength(1);
    expect(await stored(first.conversation.id)).toEqual([[1, 'One'], [2, 'Two']]);
  });

  it('a room message that took its seq and failed before it was stored: stored under that seq, broadcast once', async () => {
    const sender = await chat.connect();
    const other = await chat.connect();
    for (const socket of [sender, other]) await request(socket, 'join', { room: 'faults' });
    const received = collect(other, 'message');
    await request(sender, 'message', { room: 'faults', message: 'first', clientId: clientId() });
    const id = clientId();
    failNext('chat_messages', 'insertOne');
    expect(await request(sender, 'message', { room: 'faults', message: 'second', clientId: id })).toMatchObject({ ok: false });
    const retried: MessageAck = await request(sender, 'message', { room: 'faults', message: 'second', clientId: id, retry: true });
    expect(retried).toMatchObject({ ok: true, message: { seq: 2 } });
    await settle(300);
    expect(received.map((message) => (message as { seq: number }).seq)).toEqual([1, 2]);
  });
});

describe('a retry on another node finishes what a killed node started', () => {
  const killedAt = async (dieAt: 'insert' | 'deliver') => {
    const { uri } = mongoInfo();
    const node = await startNodeProcess(DYING_NODE, [], {
      ready: /listening (\d+)/,
      env: { MONGODB_URI: uri, DB_NAME: connection.name, CHAT_SECRET: SECRET, DIE_AT: dieAt },
    });
    return { node, url: `http://127.0.0.1:${node.ready[1]}` };
  };

  for (const dieAt of ['insert', 'deliver'] as const) {
    it(`a node killed ${dieAt === 'insert' ? 'after the seq was taken, before the message was stored' : 'after storing, before delivering'}`, async () => {
      const { node, url } = await killedAt(dieAt);
      // The visitor's conversation exists, and the team has it open on the surviving node.
      const visitor = await connectClient(url);
      await request(visitor, 'join', { inbox: 'support' });
      const first = (await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Hello', clientId: clientId() })) as Extract<InboxMessageAck, { ok: true }>;
      const conversationId = first.conversation.id;
      const { messages, summaries } = await operatorWatching(conversationId);
      const id = clientId();
      // No answer comes: the node dies on the way.
      void request(visitor, 'message', { inbox: 'support', message: 'die', clientId: id }).catch(() => undefined);
      await expect.poll(() => node.alive(), { timeout: 5000 }).toBe(false);
      // The widget reconnects to a node that is up, and retries.
      const back = await chat.connect({ auth: { token: visitor.session.token } });
      await request(back, 'join', { inbox: 'support', since: 1 });
      const retried: InboxMessageAck = await request(back, 'message', { inbox: 'support', message: 'die', clientId: id, retry: true });
      expect(retried).toMatchObject({ ok: true, message: { seq: 2, message: 'die' } });
      expect(await stored(conversationId)).toEqual([[1, 'Hello'], [2, 'die']]);
      expect(await store.getConversation(conversationId)).toMatchObject({ unread: 2, lastMessage: { seq: 2 } });
      await settle(300);
      expect(messages).toHaveLength(1);
      expect(summaries.at(-1)).toMatchObject({ lastMessage: { seq: 2 }, unread: 2 });
    });
  }
});
