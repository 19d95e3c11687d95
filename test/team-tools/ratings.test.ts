import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConversationRating, ConversationSummary } from 'parley-chat';
import { clientId, collect, connectMongo, nextEvent, request, settle, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';

// Ratings of resolutions, through real sockets and the chat's MongoDB (the jongodb emulator on
// machines without mongod).

let db: mongoose.Connection;
let running: RunningChat;
let olga: OperatorClient;
const ratings: Array<{ conversation: ConversationSummary; rating: ConversationRating }> = [];

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({
    mongoose: db,
    operators: operatorsOptions(),
    ratings: { enabled: true, ask: 'Did we solve your problem?' },
    hooks: { onRating: (event) => void ratings.push(event) },
  });
  olga = await connectOperator(running.url, 'olga');
});

async function visitorWithConversation(message = 'My order is late'): Promise<{ visitor: ChatClient; conversationId: string }> {
  const visitor = await running.connect();
  await request(visitor, 'join', { inbox: 'support' });
  const sent = await request(visitor, 'message', { inbox: 'support', message, clientId: clientId() });
  expect(sent.ok).toBe(true);
  return { visitor, conversationId: sent.conversation.id };
}

const resolve = (conversationId: string, extra = {}) => request(olga, 'status', { conversationId, status: 'resolved', ...extra });

describe('ratings', () => {
  it('asks once per resolution, stores one rating, and tells the team, the hook and the visitor’s other tabs', async () => {
    const { visitor, conversationId } = await visitorWithConversation();
    const otherTab = await running.connect({ auth: { token: visitor.session.token } });
    await request(otherTab, 'join', { inbox: 'support' });
    // Not resolved yet: nothing to rate.
    expect(await request(visitor, 'rate', { inbox: 'support', score: 5 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const asked = nextEvent(visitor, 'conversation');
    await request(olga, 'assign', { conversationId, to: 'u-olga', expected: null });
    expect((await resolve(conversationId)).ok).toBe(true);
    let view = await asked;
    while (view.status !== 'resolved') view = await nextEvent(visitor, 'conversation');
    expect(view.rating).toEqual({ asked: true, ask: 'Did we solve your problem?', score: null });
    // A reload still sees the question.
    const reloaded = await running.connect({ auth: { token: visitor.session.token } });
    expect((await request(reloaded, 'join', { inbox: 'support' })).conversation.rating).toEqual({ asked: true, ask: 'Did we solve your problem?', score: null });

    const teamSees = nextEvent<ConversationSummary>(olga, 'conversation');
    const otherTabSees = nextEvent(otherTab, 'conversation');
    const rated = await request(visitor, 'rate', { inbox: 'support', score: 4, comment: '  Quick and kind.  ' });
    expect(rated).toMatchObject({ ok: true, conversation: { id: conversationId, rating: { asked: true, score: 4 } } });
    expect((await otherTabSees).rating.score).toBe(4);
    const summary = await teamSees;
    expect(summary.rating).toMatchObject({ score: 4, comment: 'Quick and kind.', assignee: { id: 'u-olga', name: 'Olga' } });
    expect(summary.rating!.resolvedAt).toBe(summary.resolvedAt);

    // The same rating again (a retry after a lost ack) is answered as the first; another is a conflict.
    expect(await request(visitor, 'rate', { inbox: 'support', score: 4, comment: 'Quick and kind.' })).toMatchObject({ ok: true });
    expect(await request(otherTab, 'rate', { inbox: 'support', score: 1 })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    await settle();
    expect(ratings.filter((event) => event.conversation.id === conversationId)).toHaveLength(1);
    expect(ratings.at(-1)!.rating).toMatchObject({ score: 4, comment: 'Quick and kind.' });

    // The chat's own read of it, from the host's code.
    expect((await running.chat.conversations.get(conversationId))!.conversation.rating).toMatchObject({ score: 4 });

    // Writing again reopens it; a new resolution asks again, and may be rated again.
    await request(visitor, 'message', { inbox: 'support', message: 'One more thing', clientId: clientId() });
    await resolve(conversationId);
    const again = await request(reloaded, 'join', { inbox: 'support' });
    expect(again.conversation.rating).toEqual({ asked: true, ask: 'Did we solve your problem?', score: null });
    expect(await request(visitor, 'rate', { inbox: 'support', score: 2 })).toMatchObject({ ok: true, conversation: { rating: { score: 2 } } });
    expect(ratings.filter((event) => event.conversation.id === conversationId).map((event) => event.rating.score)).toEqual([4, 2]);
  });

  it('does not ask when the operator resolves with skipRating, nor after an earlier resolution was skipped', async () => {
    const { visitor, conversationId } = await visitorWithConversation();
    const changes = collect(visitor, 'conversation');
    expect(await resolve(conversationId, { skipRating: true })).toMatchObject({ ok: true, conversation: { rating: null } });
    await settle();
    expect(changes.at(-1)).toMatchObject({ status: 'resolved' });
    expect(changes.at(-1).rating).toBeUndefined();
    expect(await request(visitor, 'rate', { inbox: 'support', score: 5 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    // From the host's code too.
    const second = await visitorWithConversation();
    await running.chat.conversations.setStatus(second.conversationId, 'resolved', { skipRating: true });
    expect(await request(second.visitor, 'rate', { inbox: 'support', score: 5 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('asks no more once the visitor writes again, and a resolution without asking keeps their last rating', async () => {
    const { visitor, conversationId } = await visitorWithConversation();
    await resolve(conversationId);
    await request(visitor, 'message', { inbox: 'support', message: 'Actually, one more thing', clientId: clientId() });
    expect(await request(visitor, 'rate', { inbox: 'support', score: 5 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    await request(olga, 'assign', { conversationId, to: 'u-olga', expected: null });
    await resolve(conversationId);
    expect((await request(visitor, 'rate', { inbox: 'support', score: 1, comment: 'Slow' })).ok).toBe(true);
    expect((await running.chat.conversations.get(conversationId))!.conversation.rating!.assignee).toEqual({ id: 'u-olga', name: 'Olga' });
    // Reopened and resolved again without asking: the rating stays, for the team and the export.
    await request(olga, 'status', { conversationId, status: 'open' });
    expect(await resolve(conversationId, { skipRating: true })).toMatchObject({ ok: true, conversation: { rating: { score: 1, comment: 'Slow' } } });
    const exported = await running.chat.privacy.exportVisitor(visitor.session.visitorId);
    // The export names the operator as visitors see them: by name, never by the host's id.
    expect(exported.conversations[0]!.rating).toMatchObject({ score: 1, comment: 'Slow' });
    expect(JSON.stringify(exported)).not.toContain('u-olga');
  });

  it('lets a visitor rate only their own conversation, and refuses hostile payloads without storing anything', async () => {
    const { conversationId } = await visitorWithConversation();
    await resolve(conversationId);
    const mallory = await running.connect();
    // No event takes a conversation id: Mallory can only name an inbox, where she has nothing.
    expect(await request(mallory, 'rate', { inbox: 'support', score: 1, conversationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    const { visitor: ann, conversationId: annsId } = await visitorWithConversation();
    await resolve(annsId);
    for (const payload of [
      { inbox: 'support', score: 0 },
      { inbox: 'support', score: 6 },
      { inbox: 'support', score: 4.5 },
      { inbox: 'support', score: '5' },
      { inbox: 'support', score: { $gt: 0 } },
      { inbox: { $ne: null }, score: 5 },
      { inbox: 'support', score: 5, comment: 'x'.repeat(1001) },
      { inbox: 'support', score: 5, comment: 'bad \u0000 byte' },
      { inbox: 'support', score: 5, comment: { $set: 1 } },
      null,
    ]) {
      expect(await request(ann, 'rate', payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await request(ann, 'rate', { inbox: 'nowhere', score: 5 })).toMatchObject({ ok: false });
    const stored = await db.collection('chat_conversations').findOne({ _id: annsId as never });
    expect(stored!.rating).toMatchObject({ score: null, comment: null });
    expect((await request(ann, 'rate', { inbox: 'support', score: 5 })).ok).toBe(true);
  });

  it('keeps the score and drops the comment when the visitor is anonymised, and exports both before', async () => {
    const { visitor, conversationId } = await visitorWithConversation();
    await resolve(conversationId);
    await request(visitor, 'rate', { inbox: 'support', score: 3, comment: 'Ann here, it was fine' });
    const exported = await running.chat.privacy.exportVisitor(visitor.session.visitorId);
    expect(exported.conversations[0]!.rating).toMatchObject({ score: 3, comment: 'Ann here, it was fine' });
    await running.chat.privacy.eraseVisitor(visitor.session.visitorId, { mode: 'anonymize' });
    const { conversation } = (await running.chat.conversations.get(conversationId))!;
    expect(conversation.rating).toMatchObject({ score: 3, comment: null });
  });

  it('is off by default: no question, and rate is refused', async () => {
    const plain = await startChat({ mongoose: db, operators: operatorsOptions() });
    const visitor = await plain.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const sent = await request(visitor, 'message', { inbox: 'support', message: 'hi', clientId: clientId() });
    const operator = await connectOperator(plain.url, 'olga');
    expect(operator.session.ratings).toBe(false);
    expect(olga.session.ratings).toBe(true);
    await request(operator, 'status', { conversationId: sent.conversation.id, status: 'resolved' });
    expect((await request(visitor, 'join', { inbox: 'support' })).conversation.rating).toBeUndefined();
    expect(await request(visitor, 'rate', { inbox: 'support', score: 5 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
