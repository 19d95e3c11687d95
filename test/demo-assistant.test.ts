import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, DeltaEvent, InboxJoinAck, InboxMessageAck } from 'parley-chat';
import { startDemo } from '../demo/app.js';
import { readFaq } from '../demo/faq-assistant.js';
import { clientId, collect, connectClient, connectMongo, onCleanup, request, type ChatClient } from './support/harness.js';

// The demo as `npm run demo` starts it, with no API key: its FAQ assistant answers a visitor while
// nobody of the team is signed in, streams and cites the FAQ page on the demo's own site, and
// hands the conversation to the team when asked; its hours come from the environment.
// Real sockets (socket.io-client, as a browser's widget), a real store.

const returns = readFaq(readFileSync(new URL('../demo/public/faq.html', import.meta.url), 'utf8')).find((e) => e.id === 'returns')!;

async function demoSite(chatOptions = {}) {
  const site = await startDemo({ connection: await connectMongo(), port: 0, chatOptions });
  onCleanup(() => site.close());
  return site;
}

async function visitorOn(url: string): Promise<{ visitor: ChatClient; joined: Extract<InboxJoinAck, { ok: true }> }> {
  const visitor = await connectClient(url);
  const joined = await request<InboxJoinAck>(visitor, 'join', { inbox: 'support' });
  if (!joined.ok) throw new Error(joined.error.message);
  return { visitor, joined };
}

/** The assistant's next reply to reach `visitor` in its final state. */
function replyEnded(visitor: ChatClient, ms = 10_000): Promise<ChatMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no finished reply')), ms);
    const listener = (message: ChatMessage) => {
      if (message.sender.role !== 'assistant' || message.status === 'streaming') return;
      clearTimeout(timer);
      visitor.off('message', listener);
      resolve(message);
    };
    visitor.on('message', listener);
  });
}

const say = (visitor: ChatClient, message: string) => request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message, clientId: clientId() });

describe("the demo's FAQ assistant", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('answers a visitor while nobody of the team is online: the reply streams, ends complete and cites the FAQ page', async () => {
    const site = await demoSite();
    const { visitor, joined } = await visitorOn(site.url);
    expect(joined.assistant).toEqual({ name: 'Parley Assistant' });
    expect(joined.team).toMatchObject({ online: 0, open: true });
    const deltas = collect<DeltaEvent>(visitor, 'delta');
    const started = new Promise<ChatMessage>((resolve) => visitor.on('message', (m) => m.status === 'streaming' && resolve(m)));
    const ended = replyEnded(visitor);
    const asked = await say(visitor, 'How do I return a jacket that does not fit?');
    expect(asked.ok && asked.conversation.handler).toBe('assistant');

    const first = await started;
    const reply = await ended;
    expect(reply).toMatchObject({
      id: first.id,
      seq: 2,
      status: 'complete',
      message: returns.answer,
      sender: { name: 'Parley Assistant', role: 'assistant' },
      citations: [{ title: 'FAQ: Returns and refunds', url: `${site.url}/faq#returns` }],
    });
    // Word by word, at most every 100 ms: in several deltas, each where the last ended, after the
    // visitor saw it search, then write.
    const ofReply = deltas.filter((d) => d.id === reply.id);
    expect(ofReply.filter((d) => d.text).length).toBeGreaterThan(3);
    let text = '';
    for (const delta of ofReply) {
      expect(delta.offset).toBe(text.length);
      text += delta.text;
    }
    expect(text).toBe(returns.answer);
    expect(ofReply.flatMap((d) => d.activity ?? [])).toEqual(['searching', 'writing']);

    // The citation is a page of the site, under its strict policy, with the entry it names.
    const page = await fetch(reply.citations![0]!.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('id="returns"');
  });

  it('hands the conversation to the team when it has no answer, and when the visitor asks for a person', async () => {
    const site = await demoSite();
    const { visitor } = await visitorOn(site.url);
    const first = replyEnded(visitor);
    const asked = await say(visitor, 'Is the down jacket warm enough for a winter in Tromsø?');
    if (!asked.ok) throw new Error(asked.error.message);
    expect(await first).toMatchObject({ status: 'handoff', citations: [] });
    // The conversation is handed over just after the reply's last message.
    const handedOver = async () => (await site.chat.conversations.get(asked.conversation.id))!.conversation;
    await expect.poll(handedOver).toMatchObject({ handler: 'waiting', handoff: { reason: 'no answer', summary: 'Is the down jacket warm enough for a winter in Tromsø?', by: 'assistant' } });

    // The team hands it back; the visitor asks for a person.
    await site.chat.assistant.resume(asked.conversation.id);
    const second = replyEnded(visitor);
    await say(visitor, 'Can I talk to a human?');
    expect(await second).toMatchObject({ status: 'handoff', message: expect.stringMatching(/a person will answer you here/) });
    await expect.poll(handedOver).toMatchObject({ handler: 'waiting', handoff: { reason: 'visitor asked', summary: 'Is the down jacket warm enough for a winter in Tromsø?' } });
  });

  it('follows DEMO_HOURS, DEMO_TIMEZONE, DEMO_CLOSED and DEMO_ASSISTANT_WHEN, and DEMO_ASSISTANT=off', async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    vi.stubEnv('DEMO_HOURS', 'mon-sun 00:00-24:00');
    vi.stubEnv('DEMO_TIMEZONE', 'UTC');
    vi.stubEnv('DEMO_CLOSED', `${day(0)},${day(1)}`);
    vi.stubEnv('DEMO_AWAY_MESSAGE', 'The team is on holiday.');
    vi.stubEnv('DEMO_ASSISTANT_WHEN', 'outsideHours');
    const closed = await demoSite();
    expect(closed.chat.hours.isOpen()).toBe(false);
    const { visitor, joined } = await visitorOn(closed.url);
    expect(joined.team).toMatchObject({ open: false, nextOpening: `${day(2)}T00:00:00.000Z`, awayMessage: 'The team is on holiday.' });
    const greeted = replyEnded(visitor);
    const asked = await say(visitor, 'Hello');
    expect(asked.ok && asked.conversation.handler).toBe('assistant');
    expect(await greeted).toMatchObject({ status: 'complete', message: expect.stringMatching(/^Hello! I answer from the shop's FAQ/) });

    vi.unstubAllEnvs();
    vi.stubEnv('DEMO_ASSISTANT', 'off');
    const { joined: without } = await visitorOn((await demoSite()).url);
    expect(without.assistant).toBeNull();
    expect(without.team).toMatchObject({ open: true });
  });
});
