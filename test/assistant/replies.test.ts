import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type {
  AssistantReplyContext,
  ChatMessage,
  ChatServerOptions,
  ConversationSummary,
  DeltaEvent,
  HandlerAck,
  InboxJoinAck,
  InboxMessageAck,
  VisitorConversation,
} from 'parley-chat';
import { clientId, collect, connectMongo, request, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';
import { Scripted } from '../support/scripted-assistant.js';

// The assistant with a scripted `reply`: each test says what the model writes, when, and how it
// ends, over real sockets and a real store.

let db: mongoose.Connection;

interface Setup {
  running: RunningChat;
  script: Scripted;
  hooks: Array<{ hook: string; event: any }>;
}

async function chatWithAssistant(assistant: Partial<NonNullable<ChatServerOptions['assistant']>> = {}, extra: Partial<ChatServerOptions> = {}): Promise<Setup> {
  const script = new Scripted();
  const hooks: Setup['hooks'] = [];
  const running = await startChat({
    mongoose: db,
    operators: operatorsOptions({ unseenReplyDelayMs: 300 }),
    assistant: { name: 'Parley Assistant', reply: script.reply, ...assistant },
    hooks: {
      onVisitorWaiting: (event) => void hooks.push({ hook: 'waiting', event }),
      onUnseenReply: (event) => void hooks.push({ hook: 'unseen', event }),
    },
    ...extra,
  });
  return { running, script, hooks };
}

async function visitorIn(running: RunningChat, options = {}): Promise<{ visitor: ChatClient; joined: Extract<InboxJoinAck, { ok: true }> }> {
  const visitor = await running.connect(options);
  const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
  if (!joined.ok) throw new Error(joined.error.message);
  return { visitor, joined };
}

const say = (visitor: ChatClient, message: string, id = clientId(), retry = false) =>
  request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message, clientId: id, ...(retry ? { retry: true } : {}) });

/** The next `message` a socket receives that passes `check`. */
function messageWhere(client: ChatClient | OperatorClient, check: (message: ChatMessage) => boolean, ms = 5000): Promise<ChatMessage> {
  // Both namespaces send `message` with a ChatMessage (operators' with its conversation id).
  const socket = client as unknown as { on(event: 'message', listener: (message: ChatMessage) => void): void; off(event: 'message', listener: (message: ChatMessage) => void): void };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such message')), ms);
    const listener = (message: ChatMessage) => {
      if (!check(message)) return;
      clearTimeout(timer);
      socket.off('message', listener);
      resolve(message);
    };
    socket.on('message', listener);
  });
}

const replyEnded = (socket: ChatClient | OperatorClient) => messageWhere(socket, (m) => m.sender.role === 'assistant' && m.status !== 'streaming');
const replyStarted = (socket: ChatClient | OperatorClient) => messageWhere(socket, (m) => m.sender.role === 'assistant' && m.status === 'streaming');

function summaryWhere(operator: OperatorClient, check: (summary: ConversationSummary) => boolean, ms = 5000): Promise<ConversationSummary> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such conversation event')), ms);
    const listener = (summary: ConversationSummary) => {
      if (!check(summary)) return;
      clearTimeout(timer);
      operator.off('conversation', listener);
      resolve(summary);
    };
    operator.on('conversation', listener);
  });
}

beforeAll(async () => {
  db = await connectMongo();
});

describe('the assistant streams its replies', () => {
  it('takes a seq when it starts, streams deltas, and ends with one message of the same id and seq', async () => {
    const { running, script } = await chatWithAssistant();
    const { visitor, joined } = await visitorIn(running);
    expect(joined.assistant).toEqual({ name: 'Parley Assistant' });
    const deltas = collect<DeltaEvent>(visitor, 'delta');
    const started = replyStarted(visitor);
    const asked = await say(visitor, 'Do you ship to Norway?');
    if (!asked.ok) throw new Error(asked.error.message);
    // Nobody of the team is online: the assistant answers this conversation.
    expect(asked.conversation.handler).toBe('assistant');
    const first = await started;
    expect(first).toMatchObject({ seq: 2, message: '', status: 'streaming', sender: { id: 'assistant', name: 'Parley Assistant', role: 'assistant' } });
    await expect.poll(() => script.contexts.length).toBe(1);

    script.contexts.at(-1)!.cite({ title: 'Shipping', url: 'https://shop.example/shipping' });
    script.contexts.at(-1)!.cite({ title: 'Not a link', url: 'javascript:alert(1)' });
    script.push('We ship ', 'to Norway ');
    // A message the visitor sends meanwhile comes after the reply.
    const meanwhile = await say(visitor, 'And to Sweden?');
    expect(meanwhile.ok && meanwhile.message.seq).toBe(3);
    script.push('in 3–5 days.');
    const ended = replyEnded(visitor);
    // Then the reply to what the visitor wrote meanwhile.
    const next = replyStarted(visitor);
    script.end();
    const last = await ended;
    await next;
    expect(last).toMatchObject({ id: first.id, seq: 2, status: 'complete', message: 'We ship to Norway in 3–5 days.' });
    expect(last.citations).toEqual([{ title: 'Shipping', url: 'https://shop.example/shipping' }]);

    // The deltas, in order, rebuild the text: each starts where the last ended.
    let text = '';
    for (const delta of deltas.filter((d) => d.id === first.id)) {
      expect(delta.offset).toBe(text.length);
      text += delta.text;
    }
    expect(text).toBe('We ship to Norway in 3–5 days.');
    // History has the reply as it ended, in its place.
    const history = await request(visitor, 'history', { inbox: 'support', before: 10 });
    expect(history.messages.map((m: ChatMessage) => [m.seq, m.sender.role, m.status ?? null])).toEqual([
      [1, 'visitor', null],
      [2, 'assistant', 'complete'],
      [3, 'visitor', null],
      [4, 'assistant', 'streaming'],
    ]);
  });

  it('shows a tab that joins mid-reply the text so far, then the rest', async () => {
    const { running, script } = await chatWithAssistant();
    const { visitor } = await visitorIn(running);
    const started = replyStarted(visitor);
    await say(visitor, 'Tell me a long story');
    const reply = await started;
    script.push('Once upon a time, ');
    // The text so far is saved about once a second.
    await new Promise((resolve) => setTimeout(resolve, 1300));
    const { visitor: second, joined } = await visitorIn(running, { auth: { token: visitor.session.token } });
    expect(joined.messages.find((m) => m.id === reply.id)).toMatchObject({ status: 'streaming', message: 'Once upon a time, ' });
    const ended = replyEnded(second);
    script.push('the end.');
    script.end();
    expect(await ended).toMatchObject({ id: reply.id, message: 'Once upon a time, the end.', status: 'complete' });
  });

  it('writes one reply to a message however often it is sent, and answers a burst once it is done', async () => {
    const { running, script } = await chatWithAssistant();
    const { visitor } = await visitorIn(running);
    const id = clientId();
    const started = replyStarted(visitor);
    await say(visitor, 'Hello?', id);
    await started;
    // The client lost the ack and sends it again, twice.
    await say(visitor, 'Hello?', id, true);
    await say(visitor, 'Hello?', id, true);
    await say(visitor, 'Are you there?');
    await say(visitor, 'Hello again');
    const firstEnded = replyEnded(visitor);
    script.push('Hi!');
    script.end();
    await firstEnded;
    // The visitor wrote twice while it wrote: one more reply, to what came last.
    const secondEnded = replyEnded(visitor);
    script.push('Still here.');
    script.end();
    await secondEnded;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(script.contexts).toHaveLength(2);
    expect(script.contexts[1]!.messages.map((m) => m.message)).toEqual(['Hello?', 'Hi!', 'Are you there?', 'Hello again']);
  });
});

describe('handoffs', () => {
  it('by the model: the reply ends "handoff", the team sees why, and the host hears a visitor waits', async () => {
    const { running, script, hooks } = await chatWithAssistant();
    const olga = await connectOperator(running.url, 'olga');
    const { visitor } = await visitorIn(running, {});
    // Olga is online, so `noOperatorOnline` gives new conversations to the team: the visitor asks for the assistant.
    expect((await request<HandlerAck>(visitor, 'assistant', { inbox: 'support' })).ok).toBe(true);
    const started = replyStarted(visitor);
    await say(visitor, 'I want a refund for order 1234');
    await started;
    await expect.poll(() => script.contexts.length).toBe(1);
    const handed = summaryWhere(olga, (s) => s.handler === 'waiting' && s.handoff !== null);
    script.contexts.at(-1)!.handoff({ reason: 'refund', summary: 'Wants a refund for order 1234' });
    script.push('A person will help you with that.');
    const ended = replyEnded(visitor);
    script.end();
    expect(await ended).toMatchObject({ status: 'handoff', message: 'A person will help you with that.' });
    const summary = await handed;
    expect(summary.handoff).toMatchObject({ reason: 'refund', summary: 'Wants a refund for order 1234', by: 'assistant' });
    expect(summary.waitingSince).not.toBeNull();
    // Silent from now on.
    await say(visitor, 'Hello?');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(script.contexts).toHaveLength(1);
    // Olga is online: no "visitor waiting" call for the team, which is here.
    expect(hooks.filter((h) => h.hook === 'waiting')).toEqual([]);
  });

  it('by the visitor, mid-reply: the reply stops, and the team has it until it hands it back', async () => {
    const { running, script, hooks } = await chatWithAssistant();
    const { visitor } = await visitorIn(running);
    const started = replyStarted(visitor);
    await say(visitor, 'Where is my parcel?');
    await started;
    script.push('Let me look');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ended = replyEnded(visitor);
    const handed = await request<HandlerAck>(visitor, 'handoff', { inbox: 'support' });
    expect(handed).toMatchObject({ ok: true, handler: 'waiting', conversation: { handler: 'waiting' } });
    expect(await ended).toMatchObject({ status: 'interrupted', message: 'Let me look' });
    expect(script.contexts[0]!.signal.aborted).toBe(true);
    // Nobody of the team is online: the host hears of a visitor waiting.
    await expect.poll(() => hooks.filter((h) => h.hook === 'waiting').length).toBe(1);
    await say(visitor, 'Anyone?');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(script.contexts).toHaveLength(1);

    // The team hands it back: the assistant answers again.
    const conversationId = (handed as Extract<HandlerAck, { ok: true }>).conversation!.id;
    await running.chat.assistant.resume(conversationId);
    const again = replyStarted(visitor);
    await say(visitor, 'Back to the bot, then');
    await again;
    await expect.poll(() => script.contexts.length).toBe(2);
    script.end();
  });

  it('by an operator taking over mid-reply: the generator is aborted, the reply ends "interrupted", the operator has it', async () => {
    const { running, script } = await chatWithAssistant({ when: 'always' });
    const olga = await connectOperator(running.url, 'olga');
    const { visitor } = await visitorIn(running);
    const started = replyStarted(visitor);
    const asked = await say(visitor, 'Can I change my address?');
    const conversationId = (asked as Extract<InboxMessageAck, { ok: true }>).conversation.id;
    await started;
    script.push('Sure, ');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ended = replyEnded(visitor);
    const taken = await request(olga, 'assign', { conversationId, to: 'u-olga', expected: null });
    expect(taken).toMatchObject({ ok: true, conversation: { handler: 'operator', assignee: { id: 'u-olga' } } });
    expect(await ended).toMatchObject({ status: 'interrupted', message: 'Sure, ' });
    expect(script.contexts[0]!.signal.aborted).toBe(true);
    await say(visitor, 'Thanks');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(script.contexts).toHaveLength(1);
  });

  it('by an operator answering: the reply in progress stops, and a person has the conversation', async () => {
    const { running, script } = await chatWithAssistant({ when: 'always' });
    const omar = await connectOperator(running.url, 'omar');
    const { visitor } = await visitorIn(running);
    const started = replyStarted(visitor);
    const asked = await say(visitor, 'Is anyone human here?');
    const conversationId = (asked as Extract<InboxMessageAck, { ok: true }>).conversation.id;
    await started;
    const ended = replyEnded(visitor);
    const answered = await request(omar, 'message', { conversationId, message: 'Yes, I am Omar.', clientId: clientId() });
    expect(answered).toMatchObject({ ok: true, conversation: { handler: 'operator' } });
    expect(await ended).toMatchObject({ status: 'interrupted' });
  });

  it('when the reply fails, runs past timeoutMs, or passes maxRepliesPerConversation', async () => {
    const { running, script } = await chatWithAssistant({ timeoutMs: 400, maxRepliesPerConversation: 2 });
    const olga = await connectOperator(running.url, 'olga');
    const handedOver = (reason: string, id?: () => string | undefined) => summaryWhere(olga, (s) => s.handoff?.reason === reason && (!id || s.id === id()));

    // Throws.
    const { visitor: a } = await visitorIn(running);
    await request(a, 'assistant', { inbox: 'support' });
    const aEnded = replyEnded(a);
    const error = handedOver('error');
    await say(a, 'Break, please');
    script.push('Partial', new Error('model unavailable'));
    expect(await aEnded).toMatchObject({ status: 'interrupted', message: 'Partial' });
    await error;

    // Never answers in time.
    // (Handed over as an error, as a failure is.)
    const { visitor: b } = await visitorIn(running);
    await request(b, 'assistant', { inbox: 'support' });
    const bEnded = replyEnded(b);
    let slow: string | undefined;
    const timeout = handedOver('error', () => slow);
    const asked = await say(b, 'Slow, please');
    slow = (asked as Extract<InboxMessageAck, { ok: true }>).conversation.id;
    expect(await bEnded).toMatchObject({ status: 'interrupted', message: '' });
    await timeout;
    script.end();

    // Two replies, then the team.
    const { visitor: c } = await visitorIn(running);
    await request(c, 'assistant', { inbox: 'support' });
    for (const text of ['one', 'two']) {
      const ended = replyEnded(c);
      await say(c, text);
      await new Promise((resolve) => setTimeout(resolve, 50));
      script.push(`re: ${text}`);
      script.end();
      await ended;
    }
    const limit = handedOver('limit');
    await say(c, 'three');
    await limit;
  });
});

describe('what the assistant is shown, and what the visitor chooses', () => {
  it('never shows the model a note, and gives it the visitor', async () => {
    const { running, script } = await chatWithAssistant();
    const olga = await connectOperator(running.url, 'olga');
    const { visitor } = await visitorIn(running);
    await request(visitor, 'userDetails', { name: 'Dana Walker', email: 'dana@example.com', phone: '' });
    await request(visitor, 'assistant', { inbox: 'support' });
    const first = replyEnded(visitor);
    const asked = await say(visitor, 'First question');
    const conversationId = (asked as Extract<InboxMessageAck, { ok: true }>).conversation.id;
    script.push('First answer');
    script.end();
    await first;
    await request(olga, 'message', { conversationId, message: 'Internal: VIP customer', clientId: clientId(), note: true });
    const second = replyEnded(visitor);
    await say(visitor, 'Second question');
    script.push('Second answer');
    script.end();
    await second;
    const context = script.contexts[1]!;
    expect(context.messages.map((m) => m.message)).toEqual(['First question', 'First answer', 'Second question']);
    expect(JSON.stringify(context.messages)).not.toContain('VIP');
    expect(context.visitor).toMatchObject({ name: 'Dana Walker', email: 'dana@example.com' });
    expect(context.conversation).toMatchObject({ id: conversationId, handler: 'assistant' });
  });

  it("follows `when`, and the visitor's choice before their first message", async () => {
    const { running } = await chatWithAssistant();
    // noOperatorOnline, and nobody is: the assistant.
    const { visitor: a } = await visitorIn(running);
    expect(((await say(a, 'hi')) as Extract<InboxMessageAck, { ok: true }>).conversation.handler).toBe('assistant');
    // The visitor asked for a person first.
    const { visitor: b } = await visitorIn(running);
    const choice = await request<HandlerAck>(b, 'handoff', { inbox: 'support' });
    expect(choice).toEqual({ ok: true, conversation: null, handler: 'waiting' });
    expect(((await say(b, 'hi')) as Extract<InboxMessageAck, { ok: true }>).conversation.handler).toBe('waiting');
    // Someone of the team is online: a person, unless the visitor asks for the assistant.
    await connectOperator(running.url, 'omar');
    const { visitor: c } = await visitorIn(running);
    expect(((await say(c, 'hi')) as Extract<InboxMessageAck, { ok: true }>).conversation.handler).toBe('waiting');
    const { visitor: d } = await visitorIn(running);
    await request(d, 'assistant', { inbox: 'support' });
    expect(((await say(d, 'hi')) as Extract<InboxMessageAck, { ok: true }>).conversation.handler).toBe('assistant');
  });

  it('tells the visitor the honest wait for a person, and the next opening outside hours', async () => {
    const openAlways = { timeZone: 'UTC', weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, from: '00:00', to: '24:00' }] };
    // A database of its own: the inbox's count of visitors waiting is this test's alone.
    const { running } = await chatWithAssistant({}, { mongoose: await connectMongo(), hours: { ...openAlways, weekly: [{ ...openAlways.weekly[0]!, days: [...openAlways.weekly[0]!.days] }] } });
    // Three visitors wait for a person; two operators are online: (3 + 1) × 3 minutes ÷ 2.
    for (let i = 0; i < 3; i++) {
      const { visitor } = await visitorIn(running);
      await request(visitor, 'handoff', { inbox: 'support' });
      await say(visitor, `waiting ${i}`);
    }
    await connectOperator(running.url, 'olga');
    await connectOperator(running.url, 'omar');
    const { joined } = await visitorIn(running);
    expect(joined.team).toMatchObject({ online: 2, open: true, waitMinutes: 6 });

    // Closed today and tomorrow: back the day after, at midnight in the team's zone.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const closed = await chatWithAssistant({}, { hours: { timeZone: 'UTC', weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }], closed: [day(0), day(1)], awayMessage: 'Back soon!' } });
    const { joined: away } = await visitorIn(closed.running);
    expect(away.team).toMatchObject({ open: false, nextOpening: `${day(2)}T00:00:00.000Z`, awayMessage: 'Back soon!' });
    expect(away.team.waitMinutes).toBeUndefined();
    expect(closed.running.chat.hours.isOpen()).toBe(false);
    expect(closed.running.chat.hours.nextOpening()?.toISOString()).toBe(`${day(2)}T00:00:00.000Z`);
  });

  it('counts only a finished reply as unread, and tells the host of it once unread', async () => {
    const { running, script, hooks } = await chatWithAssistant();
    const { visitor } = await visitorIn(running);
    const started = replyStarted(visitor);
    await say(visitor, 'Ping');
    await started;
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Still streaming past the unseen delay: nothing to tell.
    expect(hooks.filter((h) => h.hook === 'unseen')).toEqual([]);
    const ended = replyEnded(visitor);
    script.push('Pong');
    script.end();
    await ended;
    await expect.poll(() => hooks.filter((h) => h.hook === 'unseen').length, { timeout: 3000 }).toBe(1);
    const unseen = hooks.find((h) => h.hook === 'unseen')!.event;
    expect(unseen.messages.map((m: ChatMessage) => [m.sender.role, m.message, m.status])).toEqual([['assistant', 'Pong', 'complete']]);
    const view: VisitorConversation = (await request(visitor, 'read', { inbox: 'support', seq: 2 })).conversation;
    expect(view.visitorReadSeq).toBe(2);
  });
});
