import { randomBytes } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import type mongoose from 'mongoose';
import { createClient } from 'redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { guardRedisClient, type ChatMessage, type ChatServerOptions, type ConversationAck, type InboxJoinAck, type InboxMessageAck } from 'parley-chat';
import { clientId, connectMongo, nextEvent, onCleanup, quietLogger, request, settle, startChat, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

const hasRedis = await redisAnswers('the multi-node conversation tests');

describe.runIf(hasRedis)('support conversations on two nodes with the Redis adapter (needs Redis)', () => {
  let db: mongoose.Connection;
  let nodeA: RunningChat;
  let nodeB: RunningChat;
  const unseen: unknown[] = [];

  async function startNode(key: string, options: Partial<ChatServerOptions>): Promise<RunningChat> {
    const pub = guardRedisClient(createClient({ url: REDIS_URL }), { logger: quietLogger() });
    const sub = guardRedisClient(pub.duplicate(), { logger: quietLogger() });
    await Promise.all([pub.connect(), sub.connect()]);
    onCleanup(() => Promise.allSettled([pub.close(), sub.close()]));
    return startChat({ mongoose: db, adapter: createAdapter(pub, sub, { key }), ...options });
  }

  beforeAll(async () => {
    db = await connectMongo();
    const key = `parley-conversations-${randomBytes(6).toString('hex')}`;
    const options = {
      operators: operatorsOptions({ unseenReplyDelayMs: 300 }),
      hooks: { onUnseenReply: (event: unknown) => void unseen.push(event) },
    };
    nodeA = await startNode(key, options);
    nodeB = await startNode(key, options);
  });

  it('carries a conversation whose visitor and operators are on different nodes', async () => {
    const visitor = await nodeA.connect();
    const olga = await connectOperator(nodeB.url, 'olga');
    const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    expect(joined.ok && joined.team.online).toBe(1);

    const olgaSees = nextEvent(olga, 'conversation');
    const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'hello from A', clientId: clientId() });
    const id = sent.ok ? sent.conversation.id : '';
    expect(await olgaSees).toMatchObject({ id, visitor: { online: true }, lastMessage: { message: 'hello from A' } });

    await request(olga, 'open', { conversationId: id });
    const conversationSeen = nextEvent(visitor, 'conversation');
    expect(await request<ConversationAck>(olga, 'assign', { conversationId: id, to: 'u-olga', expected: null })).toMatchObject({ ok: true });
    expect(await conversationSeen).toMatchObject({ assignee: { name: 'Olga' } });

    const reply = nextEvent<ChatMessage>(visitor, 'message');
    await request(olga, 'message', { conversationId: id, message: 'hello from B', clientId: clientId() });
    expect(await reply).toMatchObject({ message: 'hello from B', sender: { role: 'operator', name: 'Olga' } });

    const typing = nextEvent(olga, 'typing');
    visitor.emit('typing', { inbox: 'support', typing: true });
    expect(await typing).toMatchObject({ conversationId: id, typing: true });

    const gone = nextEvent(olga, 'visitor');
    visitor.disconnect();
    expect(await gone).toEqual({ conversationId: id, online: false, lastSeenAt: expect.any(String) });
  });

  it('lets one of two operators on different nodes win an assignment race', async () => {
    const visitor = await nodeA.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'race', clientId: clientId() });
    const id = sent.ok ? sent.conversation.id : '';
    const [olga, omar] = await Promise.all([connectOperator(nodeA.url, 'olga'), connectOperator(nodeB.url, 'omar')]);
    const results = await Promise.all([
      request<ConversationAck>(olga, 'assign', { conversationId: id, to: 'u-olga', expected: null }),
      request<ConversationAck>(omar, 'assign', { conversationId: id, to: 'u-omar', expected: null }),
    ]);
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok)).toMatchObject([{ error: { code: 'CONFLICT' } }]);
  });

  it('makes one conversation, with seqs 1 to 20, of twenty first messages from tabs on both nodes', async () => {
    const tabA = await nodeA.connect();
    const tabB = await nodeB.connect({ auth: { token: tabA.session.token } });
    await Promise.all([tabA, tabB].map((tab) => request(tab, 'join', { inbox: 'support' })));
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        request<InboxMessageAck>(i % 2 ? tabA : tabB, 'message', { inbox: 'support', message: `m${i}`, clientId: clientId() }),
      ),
    );
    expect(new Set(acks.map((ack) => (ack.ok ? ack.conversation.id : 'refused'))).size).toBe(1);
    expect(acks.map((ack) => (ack.ok ? ack.message.seq : 0)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('calls onUnseenReply once for replies stored on both nodes', async () => {
    const visitor = await nodeA.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'email me', clientId: clientId() });
    const id = sent.ok ? sent.conversation.id : '';
    const [olga, omar] = await Promise.all([connectOperator(nodeA.url, 'olga'), connectOperator(nodeB.url, 'omar')]);
    await request(olga, 'message', { conversationId: id, message: 'from A', clientId: clientId() });
    await request(omar, 'message', { conversationId: id, message: 'from B', clientId: clientId() });
    const mine = () => unseen.filter((event) => (event as { conversation: { id: string } }).conversation.id === id);
    await expect.poll(mine, { timeout: 3000 }).toHaveLength(1);
    await settle(600);
    expect(mine()).toHaveLength(1);
    expect((mine()[0] as { messages: ChatMessage[] }).messages.map((m) => m.message)).toEqual(['from A', 'from B']);
  });
  it("erases a visitor on every node: their tabs are told and disconnected, the room and the team told", async () => {
    const tabA = await nodeA.connect();
    const tabB = await nodeB.connect({ auth: { token: tabA.session.token } });
    await request(tabA, 'join', { room: 'erase-room' });
    await request(tabB, 'join', { inbox: 'support' });
    await request(tabA, 'message', { room: 'erase-room', message: 'to be erased', clientId: clientId() });
    const sent = await request<InboxMessageAck>(tabB, 'message', { inbox: 'support', message: 'erase me too', clientId: clientId() });
    const id = sent.ok ? sent.conversation.id : '';
    const watcher = await nodeB.connect();
    await request(watcher, 'join', { room: 'erase-room' });
    const olga = await connectOperator(nodeB.url, 'olga');
    const told = [nextEvent(tabA, 'forgotten'), nextEvent(tabB, 'forgotten'), nextEvent(tabA, 'disconnect'), nextEvent(tabB, 'disconnect')];
    const roomTold = nextEvent(watcher, 'erased');
    const teamTold = nextEvent(olga, 'conversationDeleted');

    const removed = await nodeA.chat.privacy.eraseVisitor(tabA.session.visitorId);
    expect(removed).toMatchObject({ messages: 2, conversations: 1 });
    await Promise.all(told);
    expect(await roomTold).toEqual({ room: 'erase-room', seqs: [1] });
    expect(await teamTold).toEqual({ conversationId: id, inbox: 'support' });
    const again = await nodeB.connect({ auth: { token: tabA.session.token } });
    expect(again.session.visitorId).not.toBe(tabA.session.visitorId);
  });
});
