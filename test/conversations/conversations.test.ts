import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  ChatMessage,
  ConversationAck,
  ConversationSummary,
  InboxJoinAck,
  InboxListAck,
  InboxMessageAck,
  OpenAck,
  OperatorMessageAck,
  ReadAck,
  VisitorConversation,
} from 'parley-chat';
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
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';

let db: mongoose.Connection;
let running: RunningChat;
const hookCalls: Array<{ hook: string; event: any }> = [];

/** A visitor who joined the support inbox. */
async function visitorInSupport(options = {}): Promise<ChatClient> {
  const visitor = await running.connect(options);
  await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
  return visitor;
}

const say = (visitor: ChatClient, message: string, id = clientId()) =>
  request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message, clientId: id });

/** Waits for the operator's next `conversation` event about `id` that passes `check`. */
function summaryWhere(operator: OperatorClient, id: string, check: (summary: ConversationSummary) => boolean) {
  return new Promise<ConversationSummary>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching conversation event for ${id}`)), 5000);
    const listener = (summary: ConversationSummary) => {
      if (summary.id !== id || !check(summary)) return;
      clearTimeout(timer);
      operator.off('conversation', listener);
      resolve(summary);
    };
    operator.on('conversation', listener);
  });
}

beforeAll(async () => {
  db = await connectMongo();
  const record = (hook: string) => (event: unknown) => void hookCalls.push({ hook, event });
  running = await startChat({
    mongoose: db,
    operators: operatorsOptions({ inboxes: ['support', 'sales'], unseenReplyDelayMs: 400 }),
    hooks: {
      onConversation: record('onConversation'),
      onVisitorWaiting: record('onVisitorWaiting'),
      onUnseenReply: record('onUnseenReply'),
    },
  });
});

describe('the life of a conversation', () => {
  it('first message → waiting → taken → replies both ways → read marks → resolved → reopened', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const omar = await connectOperator(running.url, 'omar');
    const visitor = await running.connect();
    const visitorEvents = collect<VisitorConversation>(visitor, 'conversation');
    const visitorMessages = collect<ChatMessage>(visitor, 'message');

    // Loading the page and joining creates nothing.
    const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    expect(joined).toMatchObject({ ok: true, inbox: 'support', conversation: null, messages: [], hasMore: false, team: { online: 2 } });
    const before = await running.chat.conversations.list({ inbox: 'support' });
    expect(before.conversations.find((c) => c.visitor.id === visitor.session.visitorId)).toBeUndefined();

    // The first message creates the conversation; the team sees it waiting.
    const created = nextEvent<ConversationSummary>(olga, 'conversation');
    const first = await say(visitor, 'Hello, where is my order?');
    expect(first).toMatchObject({
      ok: true,
      message: { seq: 1, message: 'Hello, where is my order?', sender: { id: visitor.session.visitorId, role: 'visitor' } },
      conversation: { inbox: 'support', status: 'open', assignee: null, visitorReadSeq: 0, operatorReadSeq: 0 },
    });
    const id = first.ok ? first.conversation.id : '';
    const summary = await created;
    expect(summary).toMatchObject({
      id,
      inbox: 'support',
      status: 'open',
      visitor: { id: visitor.session.visitorId, online: true },
      assignee: null,
      lastMessage: { seq: 1, message: 'Hello, where is my order?' },
      unread: 1,
      waitingSince: expect.any(String),
    });

    const listed = await request<InboxListAck>(olga, 'inbox', {});
    expect(listed.ok && listed.conversations.map((c) => c.id)).toContain(id);
    expect(listed.ok && listed.counts).toMatchObject({ unassigned: expect.any(Number), open: expect.any(Number) });

    const opened = await request<OpenAck>(olga, 'open', { conversationId: id });
    expect(opened).toMatchObject({
      ok: true,
      conversation: { id },
      visitor: { id: visitor.session.visitorId, email: '', online: true },
      messages: [{ seq: 1 }],
      notes: [],
    });

    // Taken: the visitor learns the operator's display name, and nothing else.
    const taken = await request<ConversationAck>(olga, 'assign', { conversationId: id, to: 'u-olga', expected: null });
    expect(taken).toMatchObject({ ok: true, conversation: { assignee: { id: 'u-olga', name: 'Olga' } } });
    await expect.poll(() => visitorEvents.at(-1)?.assignee).toEqual({ name: 'Olga' });

    // Replies both ways; answering is reading, and the visitor is no longer waiting.
    const reply = await request<OperatorMessageAck>(olga, 'message', { conversationId: id, message: 'Let me check.', clientId: clientId() });
    expect(reply).toMatchObject({
      ok: true,
      message: { seq: 2, sender: { name: 'Olga', role: 'operator' } },
      conversation: { waitingSince: null, operatorReadSeq: 2, unread: 0 },
    });
    const operatorMessage = reply.ok ? reply.message : undefined!;
    expect(operatorMessage.sender.id).toMatch(/^op_/);
    await expect.poll(() => visitorMessages.map((m) => m.seq)).toEqual([2]);

    const seen = summaryWhere(olga, id, (s) => s.visitorReadSeq === 2);
    const visitorRead = await request<ReadAck>(visitor, 'read', { inbox: 'support', seq: 2 });
    expect(visitorRead).toMatchObject({ ok: true, conversation: { visitorReadSeq: 2 } });
    await seen;

    const waiting = summaryWhere(olga, id, (s) => s.unread === 1 && s.waitingSince !== null);
    const followUp = await say(visitor, 'Thanks! It was order 1042.');
    expect(followUp).toMatchObject({ ok: true, message: { seq: 3 } });
    await waiting;
    const operatorRead = await request<ConversationAck>(olga, 'read', { conversationId: id, seq: 3 });
    expect(operatorRead).toMatchObject({ ok: true, conversation: { operatorReadSeq: 3, unread: 0 } });
    // "Seen" on the visitor's side.
    await expect.poll(() => visitorEvents.at(-1)?.operatorReadSeq).toBe(3);

    // Resolved, then reopened by the visitor writing again.
    const resolved = await request<ConversationAck>(omar, 'status', { conversationId: id, status: 'resolved' });
    expect(resolved).toMatchObject({ ok: true, conversation: { status: 'resolved' } });
    await expect.poll(() => visitorEvents.at(-1)?.status).toBe('resolved');
    const again = await say(visitor, 'One more thing…');
    expect(again).toMatchObject({ ok: true, message: { seq: 4 }, conversation: { status: 'open' } });

    await expect
      .poll(() => hookCalls.filter((call) => call.hook === 'onConversation' && call.event.conversation.id === id).map((call) => call.event.type))
      .toEqual(['created', 'assigned', 'resolved', 'reopened']);

    // The visitor never saw an operator's host id.
    expect(JSON.stringify([visitorEvents, visitorMessages, first, again])).not.toContain('u-olga');
  });

  it('gives the conversation back on join, after a reload or on another device of the same visitor', async () => {
    const visitor = await visitorInSupport();
    await say(visitor, 'm1');
    await say(visitor, 'm2');
    const sameVisitor = await running.connect({ auth: { token: visitor.session.token } });
    const joined = await request<InboxJoinAck>(sameVisitor, 'join', { inbox: 'support' });
    expect(joined).toMatchObject({ ok: true, conversation: { status: 'open' } });
    expect(joined.ok && joined.messages.map((m) => m.message)).toEqual(['m1', 'm2']);
    // Catch-up from a seq, and live delivery to the other tab.
    const arrives = nextEvent<ChatMessage>(sameVisitor, 'message');
    await say(visitor, 'm3');
    expect(await arrives).toMatchObject({ message: 'm3', seq: 3 });
    const since = await request<InboxJoinAck>(sameVisitor, 'join', { inbox: 'support', since: 1 });
    expect(since.ok && since.messages.map((m) => m.seq)).toEqual([2, 3]);
    const history = await request(sameVisitor, 'history', { inbox: 'support', before: 3 });
    expect(history).toMatchObject({ ok: true, messages: [{ seq: 1 }, { seq: 2 }], hasMore: false });
  });

  it('makes one conversation of twenty first messages at once, with seqs 1 to 20', async () => {
    const tab = await visitorInSupport();
    const otherTab = await visitorInSupport({ auth: { token: tab.session.token } });
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => say(i % 2 ? tab : otherTab, `burst ${i}`)));
    expect(acks.every((ack) => ack.ok)).toBe(true);
    const ids = new Set(acks.map((ack) => (ack.ok ? ack.conversation.id : '')));
    expect(ids.size).toBe(1);
    expect(acks.map((ack) => (ack.ok ? ack.message.seq : 0)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const [id] = ids;
    const created = hookCalls.filter((call) => call.hook === 'onConversation' && call.event.type === 'created' && call.event.conversation.id === id);
    expect(created).toHaveLength(1);
    const stored = await running.chat.conversations.get(id!);
    expect(stored?.conversation.unread).toBe(20);
  });

  it('stores a retried clientId once, answering with the original, and keeps seqs gap-free', async () => {
    const visitor = await visitorInSupport();
    const original = await say(visitor, 'once', 'retry-1');
    const retry = await say(visitor, 'once (edited on retry)', 'retry-1');
    expect(retry).toEqual(original);
    const next = await say(visitor, 'next');
    expect(next.ok && next.message.seq).toBe(2);
  });
});

describe('operators', () => {
  it('lets one of two operators taking a conversation at once win; the other gets CONFLICT with the winner', async () => {
    const [olga, omar] = await Promise.all([connectOperator(running.url, 'olga'), connectOperator(running.url, 'omar')]);
    const visitor = await visitorInSupport();
    const sent = await say(visitor, 'Anyone there?');
    const id = sent.ok ? sent.conversation.id : '';
    const [a, b] = await Promise.all([
      request<ConversationAck>(olga, 'assign', { conversationId: id, to: 'u-olga', expected: null }),
      request<ConversationAck>(omar, 'assign', { conversationId: id, to: 'u-omar', expected: null }),
    ]);
    const winner = a.ok ? a : b.ok ? b : undefined;
    const loser = a.ok ? b : a;
    expect(winner).toBeDefined();
    expect(loser).toMatchObject({ ok: false, error: { code: 'CONFLICT', assignee: winner!.ok ? winner!.conversation.assignee : null } });
    // Handing over with the right expectation works; a stale one does not.
    const current = winner!.ok ? winner!.conversation.assignee!.id : '';
    const other = current === 'u-olga' ? 'u-omar' : 'u-olga';
    expect(await request(olga, 'assign', { conversationId: id, to: other, expected: 'nobody' })).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(await request(olga, 'assign', { conversationId: id, to: other, expected: current })).toMatchObject({
      ok: true,
      conversation: { assignee: { id: other } },
    });
    expect(await request(olga, 'assign', { conversationId: id, to: null, expected: other })).toMatchObject({ ok: true, conversation: { assignee: null } });
  });

  it('filters the inbox by status and assignee, pages by recency, and counts the tabs', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const sent = await say(await visitorInSupport(), `filter ${i}`);
      ids.push(sent.ok ? sent.conversation.id : '');
    }
    await request(olga, 'assign', { conversationId: ids[0], to: 'u-olga', expected: null });
    await request(olga, 'status', { conversationId: ids[1], status: 'resolved' });
    const mine = await request<InboxListAck>(olga, 'inbox', { inbox: 'support', assignee: 'me' });
    expect(mine.ok && mine.conversations.map((c) => c.id)).toContain(ids[0]);
    expect(mine.ok && mine.conversations.every((c) => c.assignee?.id === 'u-olga' && c.status === 'open')).toBe(true);
    const unassigned = await request<InboxListAck>(olga, 'inbox', { assignee: 'none' });
    expect(unassigned.ok && unassigned.conversations.map((c) => c.id)).toContain(ids[2]);
    expect(unassigned.ok && unassigned.conversations.every((c) => c.assignee === null)).toBe(true);
    const resolved = await request<InboxListAck>(olga, 'inbox', { status: 'resolved' });
    expect(resolved.ok && resolved.conversations.map((c) => c.id)).toContain(ids[1]);
    if (!resolved.ok || !mine.ok) throw new Error('unreachable');
    expect(resolved.counts.resolved).toBeGreaterThanOrEqual(1);
    expect(mine.counts.mine).toBe(mine.conversations.length);
    // Recency: the newest change first; `before` pages on.
    const page1 = await request<InboxListAck>(olga, 'inbox', { limit: 1 });
    const page2 = await request<InboxListAck>(olga, 'inbox', { limit: 1, before: page1.ok ? page1.conversations[0]!.version : 0 });
    if (!page1.ok || !page2.ok) throw new Error('unreachable');
    expect(page1.hasMore).toBe(true);
    expect(page2.conversations[0]!.version).toBeLessThan(page1.conversations[0]!.version);
  });

  it('catches up with changes: an operator who was away gets exactly what changed, without a reload', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const listed = await request<InboxListAck>(olga, 'inbox', {});
    if (!listed.ok) throw new Error('inbox refused');
    olga.disconnect();

    // While Olga is away: a new conversation, one assigned by Omar, one resolved.
    const omar = await connectOperator(running.url, 'omar');
    const fresh = await say(await visitorInSupport(), 'while you were away');
    const freshId = fresh.ok ? fresh.conversation.id : '';
    await request(omar, 'assign', { conversationId: freshId, to: 'u-omar', expected: null });
    const other = await say(await visitorInSupport(), 'resolve me');
    const otherId = other.ok ? other.conversation.id : '';
    await request(omar, 'status', { conversationId: otherId, status: 'resolved' });

    const back = await connectOperator(running.url, 'olga');
    const changes = await request(back, 'changes', { since: listed.version });
    expect(changes.ok).toBe(true);
    const byId = new Map<string, ConversationSummary>(changes.conversations.map((c: ConversationSummary) => [c.id, c]));
    expect(byId.get(freshId)).toMatchObject({ assignee: { id: 'u-omar' }, lastMessage: { message: 'while you were away' } });
    expect(byId.get(otherId)).toMatchObject({ status: 'resolved' });
    // Oldest change first, each conversation once, in its latest state.
    const versions = changes.conversations.map((c: ConversationSummary) => c.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(changes.conversations.map((c: ConversationSummary) => c.id)).size).toBe(changes.conversations.length);
    // The cursor never moves past changes this recent: asking again repeats them rather than risk a gap.
    expect(changes.version).toBeGreaterThanOrEqual(listed.version);
    const again = await request(back, 'changes', { since: changes.version });
    expect(again.conversations.map((c: ConversationSummary) => c.id)).toEqual(expect.arrayContaining([freshId, otherId]));
  });

  it('keeps notes among operators: the visitor never receives them, and their seqs stay apart', async () => {
    const [olga, omar] = await Promise.all([connectOperator(running.url, 'olga'), connectOperator(running.url, 'omar')]);
    const visitor = await visitorInSupport();
    const visitorGot = collect<ChatMessage>(visitor, 'message');
    const sent = await say(visitor, 'My card was charged twice');
    const id = sent.ok ? sent.conversation.id : '';
    await request(omar, 'open', { conversationId: id });
    const omarGets = nextEvent<ChatMessage & { conversationId: string }>(omar, 'message');
    const note = await request<OperatorMessageAck>(olga, 'message', { conversationId: id, message: 'Refund approved in Stripe', clientId: clientId(), note: true });
    expect(note).toMatchObject({ ok: true, message: { note: true, seq: 1, sender: { role: 'operator' } } });
    expect(await omarGets).toMatchObject({ conversationId: id, note: true, message: 'Refund approved in Stripe' });

    const reply = await request<OperatorMessageAck>(olga, 'message', { conversationId: id, message: 'Refunded!', clientId: clientId() });
    expect(reply.ok && reply.message.seq).toBe(2);
    await expect.poll(() => visitorGot.map((m) => m.message)).toEqual(['Refunded!']);
    const rejoined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    expect(rejoined.ok && rejoined.messages.map((m) => m.message)).toEqual(['My card was charged twice', 'Refunded!']);
    const opened = await request<OpenAck>(omar, 'open', { conversationId: id });
    expect(opened.ok && opened.notes.map((n) => n.message)).toEqual(['Refund approved in Stripe']);
    expect(opened.ok && opened.conversation.lastMessage?.message).toBe('Refunded!');
    await settle();
    expect(JSON.stringify(visitorGot)).not.toContain('Stripe');
  });

  it('relays typing both ways and tells operators when the visitor comes and goes', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const visitor = await visitorInSupport();
    const sent = await say(visitor, 'typing test');
    const id = sent.ok ? sent.conversation.id : '';
    await request(olga, 'open', { conversationId: id });

    const olgaSees = nextEvent(olga, 'typing');
    visitor.emit('typing', { inbox: 'support', typing: true });
    expect(await olgaSees).toMatchObject({ conversationId: id, typing: true, sender: { id: visitor.session.visitorId, role: 'visitor' } });
    const visitorSees = nextEvent(visitor, 'typing');
    olga.emit('typing', { conversationId: id, typing: true });
    const typing = await visitorSees;
    expect(typing).toMatchObject({ inbox: 'support', typing: true, sender: { name: 'Olga', role: 'operator' } });
    expect(JSON.stringify(typing)).not.toContain('u-olga');

    const gone = nextEvent(olga, 'visitor');
    visitor.disconnect();
    expect(await gone).toEqual({ conversationId: id, online: false, lastSeenAt: expect.any(String) });
    await expect
      .poll(async () => (await running.chat.conversations.get(id))?.conversation.visitor)
      .toMatchObject({ online: false, lastSeenAt: expect.any(String) });
    const back = nextEvent(olga, 'visitor');
    await visitorInSupport({ auth: { token: visitor.session.token } });
    expect(await back).toEqual({ conversationId: id, online: true });
  });

  it("tells visitors how many of the inbox's operators are online", async () => {
    const visitor = await visitorInSupport();
    const before = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
    const count = before.ok ? before.team.online : -1;
    const arrives = nextEvent(visitor, 'team');
    const otto = await connectOperator(running.url, 'otto');
    expect(await arrives).toMatchObject({ inbox: 'support', online: count + 1 });
    const leaves = nextEvent(visitor, 'team');
    otto.disconnect();
    expect(await leaves).toMatchObject({ inbox: 'support', online: count });
  });
});

describe('hooks', () => {
  it('calls onVisitorWaiting when a visitor writes and no operator of the inbox is online', async () => {
    // No operator connected to this chat at all.
    const quiet = await startChat({
      mongoose: db,
      collectionPrefix: 'quiet_',
      operators: operatorsOptions(),
      hooks: { onVisitorWaiting: (event) => void hookCalls.push({ hook: 'quietWaiting', event }) },
    });
    const visitor = await quiet.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'hello?', clientId: clientId() });
    await expect.poll(() => hookCalls.filter((call) => call.hook === 'quietWaiting')).toHaveLength(1);
    expect(hookCalls.find((call) => call.hook === 'quietWaiting')!.event).toMatchObject({
      conversation: { id: sent.ok ? sent.conversation.id : '', inbox: 'support' },
      message: { message: 'hello?' },
    });
    // With an operator online, nobody is waiting alone.
    await connectOperator(quiet.url, 'olga');
    await request(visitor, 'message', { inbox: 'support', message: 'still there?', clientId: clientId() });
    await settle(200);
    expect(hookCalls.filter((call) => call.hook === 'quietWaiting')).toHaveLength(1);
  });

  it('calls onUnseenReply once for a burst of unread replies, with the visitor to email', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const visitor = await visitorInSupport();
    await request(visitor, 'userDetails', { name: 'Vera', email: 'vera@example.com' });
    const sent = await say(visitor, 'Please email me the answer');
    const id = sent.ok ? sent.conversation.id : '';
    for (const text of ['Found it', 'It ships Monday', 'Anything else?']) {
      await request(olga, 'message', { conversationId: id, message: text, clientId: clientId() });
    }
    const calls = () => hookCalls.filter((call) => call.hook === 'onUnseenReply' && call.event.conversation.id === id);
    await expect.poll(calls, { timeout: 3000 }).toHaveLength(1);
    expect(calls()[0]!.event).toMatchObject({
      visitor: { id: visitor.session.visitorId, name: 'Vera', email: 'vera@example.com' },
      conversation: { id },
    });
    expect(calls()[0]!.event.messages.map((m: ChatMessage) => m.message)).toEqual(['Found it', 'It ships Monday', 'Anything else?']);
    await settle(700);
    expect(calls()).toHaveLength(1);
  });

  it('does not call onUnseenReply when the visitor read the replies in time', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const visitor = await visitorInSupport();
    const sent = await say(visitor, 'quick question');
    const id = sent.ok ? sent.conversation.id : '';
    const reply = await request<OperatorMessageAck>(olga, 'message', { conversationId: id, message: 'quick answer', clientId: clientId() });
    await request(visitor, 'read', { inbox: 'support', seq: reply.ok ? reply.message.seq : 0 });
    await settle(900);
    expect(hookCalls.filter((call) => call.hook === 'onUnseenReply' && call.event.conversation.id === id)).toHaveLength(0);
  });
});

describe('chat.conversations, from the host', () => {
  it('lists, reads, sends as a bot (idempotently), assigns with compare-and-set and resolves', async () => {
    const olga = await connectOperator(running.url, 'olga');
    const visitor = await visitorInSupport();
    const visitorGot = collect<ChatMessage>(visitor, 'message');
    const sent = await say(visitor, 'Do you ship to Norway?');
    const id = sent.ok ? sent.conversation.id : '';
    const { conversations } = await running.chat.conversations.list({ inbox: 'support', assignee: null });
    expect(conversations.map((c) => c.id)).toContain(id);

    const bot = { id: 'shop-bot', name: 'Shop bot' };
    const answer = await running.chat.conversations.send(id, { message: 'Yes, in 3–5 days.', clientId: `bot-${id}`, as: bot });
    expect(answer).toMatchObject({ seq: 2, sender: { name: 'Shop bot', role: 'operator' } });
    expect(await running.chat.conversations.send(id, { message: 'Yes, in 3–5 days.', clientId: `bot-${id}`, as: bot })).toEqual(answer);
    await expect.poll(() => visitorGot.map((m) => m.message)).toEqual(['Yes, in 3–5 days.']);
    expect(JSON.stringify(visitorGot)).not.toContain('shop-bot');

    const page = await running.chat.conversations.messages(id);
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2]);
    const got = await running.chat.conversations.get(id);
    expect(got).toMatchObject({ conversation: { id, lastMessage: { seq: 2 } }, visitor: { id: visitor.session.visitorId } });
    expect(await running.chat.conversations.get('0123456789abcdef01234567')).toBeNull();

    const olgaSees = summaryWhere(olga, id, (s) => s.assignee?.id === 'u-olga');
    const assigned = await running.chat.conversations.assign(id, { id: 'u-olga', name: 'Olga' }, null);
    expect(assigned.assignee).toEqual({ id: 'u-olga', name: 'Olga' });
    await olgaSees;
    await expect(running.chat.conversations.assign(id, { id: 'u-omar', name: 'Omar' }, null)).rejects.toMatchObject({
      code: 'CONFLICT',
      assignee: { id: 'u-olga', name: 'Olga' },
    });
    expect((await running.chat.conversations.setStatus(id, 'resolved')).status).toBe('resolved');
    await expect(running.chat.conversations.send(id, { message: '', clientId: 'x', as: bot })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('says what to pass when the chat has no operators', async () => {
    const plain = await startChat({ mongoose: db, collectionPrefix: 'plain_' });
    await expect(plain.chat.conversations.list()).rejects.toThrow(/operators/);
    const visitor = await plain.connect();
    expect(await request(visitor, 'join', { inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
