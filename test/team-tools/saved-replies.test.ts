import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SavedReply } from 'parley-chat';
import { connectMongo, request, startChat, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// Saved replies through real sockets and the chat's MongoDB (the jongodb emulator on machines
// without mongod): scopes (the team's, an inbox's, an operator's own), who may change which, and
// hostile payloads.

let db: mongoose.Connection;
let running: RunningChat;

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({ mongoose: db, operators: operatorsOptions() });
});

const shortcuts = (replies: SavedReply[]) => replies.map((reply) => `${reply.shortcut}:${reply.inbox ?? '*'}:${reply.owner ?? 'team'}`);

describe('saved replies', () => {
  it('lists the team’s replies for the inboxes an operator reads and their own, never another’s', async () => {
    const hello = await running.chat.replies.save({ shortcut: 'hello', text: 'Hi {{visitor.name}}, I am {{operator.name}}.' });
    await running.chat.replies.save({ shortcut: 'refund', text: 'Refunds take 5 days.', inbox: 'support' });
    await running.chat.replies.save({ shortcut: 'pricing', text: 'Our plans start at 10 €.', inbox: 'sales' });
    expect(hello).toMatchObject({ shortcut: 'hello', text: 'Hi {{visitor.name}}, I am {{operator.name}}.', inbox: null, owner: null });

    const olga = await connectOperator(running.url, 'olga');
    const sam = await connectOperator(running.url, 'sam');
    const mine = await request(olga, 'replies', { action: 'save', shortcut: 'Bye', text: 'Bye for now, {{visitor.name}}!', personal: true });
    expect(mine).toMatchObject({ ok: true, reply: { shortcut: 'bye', owner: 'u-olga', inbox: null } });

    expect(shortcuts((await request(olga, 'replies', { action: 'list' })).replies)).toEqual([
      'bye:*:u-olga',
      'hello:*:team',
      'pricing:sales:team',
      'refund:support:team',
    ]);
    // Sam reads sales only: no support replies, and nothing of Olga's.
    expect(shortcuts((await request(sam, 'replies', { action: 'list' })).replies)).toEqual(['hello:*:team', 'pricing:sales:team']);
    expect(shortcuts((await request(olga, 'replies', { action: 'list', inbox: 'support' })).replies)).toEqual(['bye:*:u-olga', 'hello:*:team', 'refund:support:team']);
    expect(await request(sam, 'replies', { action: 'list', inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // The host's code sees the team's, and an operator's own when it names them.
    expect(shortcuts(await running.chat.replies.list('support'))).toEqual(['hello:*:team', 'refund:support:team']);
    expect(shortcuts(await running.chat.replies.list(undefined, { owner: 'u-olga' }))).toContain('bye:*:u-olga');

    // Sam cannot change or remove Olga's reply: to him it is not there.
    const byeId = mine.reply.id;
    expect(await request(sam, 'replies', { action: 'save', id: byeId, shortcut: 'bye', text: 'hijacked', personal: true })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await request(sam, 'replies', { action: 'remove', id: byeId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await running.chat.replies.list(undefined, { owner: 'u-olga' })).find((reply) => reply.id === byeId)!.text).toBe('Bye for now, {{visitor.name}}!');

    // Olga edits her own (saying nothing of whose it is keeps it hers) and removes it.
    expect(await request(olga, 'replies', { action: 'save', id: byeId, shortcut: 'bye', text: 'See you, {{visitor.name}}.' })).toMatchObject({
      ok: true,
      reply: { id: byeId, text: 'See you, {{visitor.name}}.', owner: 'u-olga', inbox: null },
    });
    const removed = await request(olga, 'replies', { action: 'remove', id: byeId });
    expect(removed.ok).toBe(true);
    expect(shortcuts(removed.replies)).not.toContain('bye:*:u-olga');
  });

  it('lets only operators with the replies permission manage the team’s replies, in inboxes they read', async () => {
    const omar = await connectOperator(running.url, 'omar');
    const rex = await connectOperator(running.url, 'rex');
    const ria = await connectOperator(running.url, 'ria');
    expect(await request(omar, 'replies', { action: 'save', shortcut: 'thanks', text: 'Thank you!' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    const saved = await request(rex, 'replies', { action: 'save', shortcut: 'thanks', text: 'Thank you!', inbox: 'support' });
    expect(saved).toMatchObject({ ok: true, reply: { shortcut: 'thanks', inbox: 'support', owner: null } });
    // Omar may use it, not change it or remove it.
    expect(shortcuts((await request(omar, 'replies', { action: 'list', inbox: 'support' })).replies)).toContain('thanks:support:team');
    expect(await request(omar, 'replies', { action: 'remove', id: saved.reply.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Ria manages the team's replies of sales only.
    expect(await request(ria, 'replies', { action: 'save', shortcut: 'thanks', text: 'x', inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await request(ria, 'replies', { action: 'remove', id: saved.reply.id })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect((await request(ria, 'replies', { action: 'save', shortcut: 'thanks', text: 'Thanks from sales', inbox: 'sales' })).ok).toBe(true);
    expect((await request(rex, 'replies', { action: 'remove', id: saved.reply.id })).ok).toBe(true);
  });

  it('keeps one shortcut per scope: a retried save is the same reply, a different text is CONFLICT', async () => {
    const rex = await connectOperator(running.url, 'rex');
    const first = await request(rex, 'replies', { action: 'save', shortcut: 'hours', text: 'We answer 9–17.' });
    const retried = await request(rex, 'replies', { action: 'save', shortcut: 'hours', text: 'We answer 9–17.' });
    expect(retried.reply.id).toBe(first.reply.id);
    expect(await request(rex, 'replies', { action: 'save', shortcut: 'HOURS', text: 'Something else' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    // The same shortcut in another scope is another reply.
    expect((await request(rex, 'replies', { action: 'save', shortcut: 'hours', text: 'Mine', personal: true })).ok).toBe(true);
    // Renaming onto a taken shortcut is refused too.
    const other = await request(rex, 'replies', { action: 'save', shortcut: 'hours2', text: 'We answer 8–16.' });
    expect(await request(rex, 'replies', { action: 'save', id: other.reply.id, shortcut: 'hours', text: 'x' })).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(await db.collection('chat_saved_replies').countDocuments({ shortcut: 'hours' })).toBe(2);
  });

  it('refuses hostile payloads with VALIDATION and stores nothing', async () => {
    const rex = await connectOperator(running.url, 'rex');
    const before = await db.collection('chat_saved_replies').countDocuments();
    for (const payload of [
      { action: 'save', shortcut: 'has space', text: 'x' },
      { action: 'save', shortcut: '', text: 'x' },
      { action: 'save', shortcut: 'a'.repeat(33), text: 'x' },
      { action: 'save', shortcut: { $ne: null }, text: 'x' },
      { action: 'save', shortcut: 'ok', text: '   ' },
      { action: 'save', shortcut: 'ok', text: 'x'.repeat(5000) },
      { action: 'save', shortcut: 'ok', text: 'nul \u0000' },
      { action: 'save', shortcut: 'ok', text: 'x', inbox: '../etc' },
      { action: 'save', shortcut: 'ok', text: 'x', id: { $gt: '' } },
      { action: 'remove', id: { $ne: null } },
      { action: 'drop' },
      {},
      null,
      'list',
    ]) {
      expect(await request(rex, 'replies', payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(await db.collection('chat_saved_replies').countDocuments()).toBe(before);
    await expect(running.chat.replies.save({ shortcut: 'no good', text: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('holds at most 500 replies per scope', async () => {
    const chat = await startChat({ mongoose: db, collectionPrefix: 'bounded_', operators: operatorsOptions() });
    await db.collection('bounded_saved_replies').insertMany(
      Array.from({ length: 500 }, (_, i) => ({ _id: `r${i}` as never, shortcut: `r${i}`, text: 'x', inbox: null, owner: null, createdAt: new Date(), updatedAt: new Date() })),
    );
    await expect(chat.chat.replies.save({ shortcut: 'one-more', text: 'x' })).rejects.toMatchObject({ code: 'VALIDATION' });
    expect((await chat.chat.replies.save({ shortcut: 'mine', text: 'x', owner: 'u-olga' })).owner).toBe('u-olga');
  });
});
