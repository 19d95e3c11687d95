import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AssistantActivity, AssistantReplyContext, ChatMessage, Citation } from 'parley-chat';
import { demoSettings } from '../demo/app.js';
import { faqAssistant, readFaq } from '../demo/faq-assistant.js';

// The demo's assistant on its own: the FAQ page it reads, what it answers, when it hands off and
// how it stops. Its context here is a plain object with what `reply` uses, recording what the
// assistant does with it; test/demo-assistant.test.ts runs it in the demo, on the chat's own.

const faqPage = readFileSync(new URL('../demo/public/faq.html', import.meta.url), 'utf8');
const entries = readFaq(faqPage);
const entry = (id: string) => entries.find((e) => e.id === id)!;
const ORIGIN = 'http://shop.example:3000';

let seq = 0;
function said(message: string, role: 'visitor' | 'assistant' = 'visitor'): ChatMessage {
  seq++;
  return {
    id: `m${seq}`,
    room: 'support/c1',
    seq,
    sender: { id: role === 'visitor' ? 'v1' : 'assistant', name: role === 'visitor' ? 'Dana' : 'Parley Assistant', role },
    message,
    timestamp: new Date().toISOString(),
    clientId: `c${seq}`,
  };
}

interface Run {
  pieces: string[];
  text: string;
  statuses: AssistantActivity[];
  citations: Citation[];
  handoffs: Array<{ reason: string; summary?: string }>;
}

/** Runs one reply to `messages` (oldest first) to its end. */
async function reply(messages: ChatMessage[], { signal = new AbortController().signal, wordDelayMs = 1 } = {}): Promise<Run> {
  const run: Run = { pieces: [], text: '', statuses: [], citations: [], handoffs: [] };
  const assistant = faqAssistant({ entries, origin: ORIGIN, wordDelayMs, searchDelayMs: 1 });
  const context = {
    messages,
    signal,
    status: (activity: AssistantActivity) => void run.statuses.push(activity),
    cite: (citation: Citation) => void run.citations.push(citation),
    handoff: (handoff: { reason: string; summary?: string }) => void run.handoffs.push(handoff),
  } as Partial<AssistantReplyContext> as AssistantReplyContext;
  for await (const piece of assistant(context)) run.pieces.push(piece);
  run.text = run.pieces.join('');
  return run;
}

describe('the demo FAQ assistant', () => {
  it('reads every entry of the FAQ page, each linked from the list of topics', () => {
    expect(entries.map((e) => e.id)).toEqual(['shipping', 'tracking', 'returns', 'sizes', 'changes', 'payment', 'warranty', 'hours']);
    for (const { id, title, question, answer } of entries) {
      expect(faqPage).toContain(`<li><a href="#${id}">${title}</a></li>`);
      expect(question).toMatch(/\?$/);
      expect(answer).not.toMatch(/[<>]/);
    }
    expect(entry('returns').answer).toMatch(/^Yes: you have 30 days from delivery to return anything unused/);
  });

  it('answers a question about returns with the returns answer, streamed word by word, citing the FAQ entry', async () => {
    const run = await reply([said('Hi, how do I return a jacket that does not fit?')]);
    expect(run.text).toBe(entry('returns').answer);
    expect(run.pieces.length).toBeGreaterThan(20);
    expect(run.pieces.every((piece) => /^\S+\s*$/.test(piece))).toBe(true);
    expect(run.statuses).toEqual(['searching', 'writing']);
    expect(run.citations).toEqual([{ title: 'FAQ: Returns and refunds', url: `${ORIGIN}/faq#returns` }]);
    expect(run.handoffs).toEqual([]);
  });

  it('finds the entry for the ways visitors ask', async () => {
    const asked: Array<[string, string]> = [
      ['Can I get a refund?', 'returns'],
      ['Do you ship to Sweden?', 'shipping'],
      ['How much is shipping?', 'shipping'],
      ['Where is my parcel?', 'tracking'],
      ['My order has not arrived', 'tracking'],
      ['What size should I take?', 'sizes'],
      ['I need to change my delivery address', 'changes'],
      ['Can I pay with Vipps?', 'payment'],
      ['My tent pole broke', 'warranty'],
      ['Are you open on Saturday?', 'hours'],
    ];
    for (const [question, id] of asked) {
      const run = await reply([said(question)], { wordDelayMs: 0 });
      expect({ question, cited: run.citations[0]?.url }).toEqual({ question, cited: `${ORIGIN}/faq#${id}` });
    }
  });

  it('reads a follow-up with the question before it, unless they share nothing', async () => {
    const followUp = await reply([said('Do you ship to Sweden?'), said(entry('shipping').answer, 'assistant'), said('And how long does it take?')], { wordDelayMs: 0 });
    expect(followUp.citations.map((c) => c.url)).toEqual([`${ORIGIN}/faq#shipping`]);
    const elsewhere = await reply([said('Can I return a jacket?'), said(entry('returns').answer, 'assistant'), said('Do you sell bicycles?')], { wordDelayMs: 0 });
    expect(elsewhere.citations).toEqual([]);
    expect(elsewhere.handoffs).toEqual([{ reason: 'no answer', summary: 'Do you sell bicycles?' }]);
  });

  it('hands off a question the FAQ does not answer, with the question for the team', async () => {
    const run = await reply([said('Is the down jacket warm enough for a winter in Tromsø?')]);
    expect(run.handoffs).toEqual([{ reason: 'no answer', summary: 'Is the down jacket warm enough for a winter in Tromsø?' }]);
    expect(run.citations).toEqual([]);
    expect(run.text).toMatch(/passed your question to the team/);
    expect(run.pieces.length).toBeGreaterThan(5);
  });

  it('hands off when the visitor asks for a person, with what they asked before', async () => {
    const alone = await reply([said('Can I talk to a human?')]);
    expect(alone.handoffs).toEqual([{ reason: 'visitor asked', summary: 'Can I talk to a human?' }]);
    expect(alone.text).toMatch(/a person will answer you here/);
    for (const request of ['I want to speak with someone', 'agent', 'Can I chat with the team please']) {
      const run = await reply([said('My tent zip is stuck'), said('Sorry to hear that', 'assistant'), said(request)], { wordDelayMs: 0 });
      expect({ request, handoffs: run.handoffs }).toEqual({ request, handoffs: [{ reason: 'visitor asked', summary: 'My tent zip is stuck' }] });
      expect(run.citations).toEqual([]);
    }
  });

  it('greets and thanks without handing off', async () => {
    const hello = await reply([said('Hello!')], { wordDelayMs: 0 });
    expect(hello.text).toMatch(/^Hello! I answer from the shop's FAQ: shipping, order tracking, returns and refunds, .* and opening hours\./);
    const thanks = await reply([said('Thanks!')], { wordDelayMs: 0 });
    expect(thanks.text).toMatch(/^You are welcome!/);
    expect([...hello.handoffs, ...thanks.handoffs, ...hello.citations]).toEqual([]);
  });

  it('stops at once when its signal aborts, mid-word-wait or before it starts', async () => {
    const controller = new AbortController();
    const pending = reply([said('How do I return a jacket?')], { signal: controller.signal, wordDelayMs: 200 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    const abortedAt = Date.now();
    controller.abort('taken');
    const run = await pending;
    expect(Date.now() - abortedAt).toBeLessThan(50);
    expect(run.pieces.length).toBeGreaterThan(0);
    expect(run.pieces.length).toBeLessThan(5);
    expect(entry('returns').answer.startsWith(run.text)).toBe(true);

    const before = await reply([said('How do I return a jacket?')], { signal: AbortSignal.abort() });
    expect(before).toMatchObject({ pieces: [], citations: [], handoffs: [] });
  });
});

describe("the demo's settings from the environment", () => {
  it('by default an assistant while nobody of the team is online, and no hours', () => {
    expect(demoSettings({})).toEqual({ assistantWhen: 'noOperatorOnline', hours: undefined, summary: '' });
    expect(demoSettings({ DEMO_ASSISTANT: 'off' })).toMatchObject({ assistantWhen: null, summary: 'no assistant' });
  });

  it('reads the hours, the time zone, the days closed and when the assistant answers', () => {
    const settings = demoSettings({
      DEMO_HOURS: 'mon-fri 9:00-17:00, sat+sun 10:00-14:00',
      DEMO_CLOSED: '2026-12-25,2026-12-26',
      DEMO_ASSISTANT_WHEN: 'outsideHours',
    });
    expect(settings).toEqual({
      assistantWhen: 'outsideHours',
      hours: {
        timeZone: 'Europe/Oslo',
        weekly: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' },
          { days: ['sat', 'sun'], from: '10:00', to: '14:00' },
        ],
        closed: ['2026-12-25', '2026-12-26'],
      },
      summary: 'hours mon-fri 9:00-17:00, sat+sun 10:00-14:00 (Europe/Oslo), closed 2026-12-25, 2026-12-26; the assistant answers outside the hours',
    });
    expect(demoSettings({ DEMO_HOURS: 'fri-mon 20:00-23:00', DEMO_TIMEZONE: 'America/New_York' }).hours).toEqual({
      timeZone: 'America/New_York',
      weekly: [{ days: ['fri', 'sat', 'sun', 'mon'], from: '20:00', to: '23:00' }],
    });
  });

  it('refuses settings it cannot read, saying what it expects', () => {
    expect(() => demoSettings({ DEMO_HOURS: 'weekdays 9-5' })).toThrow(/DEMO_HOURS reads like "mon-fri 09:00-17:00/);
    expect(() => demoSettings({ DEMO_HOURS: 'mon-wed-fri 09:00-17:00' })).toThrow(/DEMO_HOURS/);
    expect(() => demoSettings({ DEMO_ASSISTANT_WHEN: 'never' })).toThrow(/DEMO_ASSISTANT_WHEN is one of always, noOperatorOnline, outsideHours/);
    expect(() => demoSettings({ DEMO_ASSISTANT_WHEN: 'outsideHours' })).toThrow(/needs the hours in DEMO_HOURS/);
    expect(() => demoSettings({ DEMO_CLOSED: '2026-12-25' })).toThrow(/set DEMO_HOURS too/);
    expect(() => demoSettings({ DEMO_HOURS: 'mon 09:00-17:00', DEMO_TIMEZONE: 'Oslo' })).toThrow(/DEMO_TIMEZONE is an IANA time zone/);
  });
});
