import { describe, expect, it } from 'vitest';
import { MemoryStore } from 'parley-chat';
import { describeStoreContract } from './store-contract.js';

const store = new MemoryStore();
describeStoreContract('MemoryStore', async () => store);

describe('MemoryStore bounds', () => {
  const draft = (room: string, clientId: string) => ({
    room,
    sender: { id: 'v_1', name: 'Ada', role: 'visitor' as const },
    message: `text ${clientId}`,
    clientId,
    timestamp: new Date(),
  });

  it('keeps at most twice maxMessagesPerRoom per room and always the newest maxMessagesPerRoom', async () => {
    const bounded = new MemoryStore({ maxMessagesPerRoom: 10 });
    for (let i = 1; i <= 45; i++) await bounded.appendMessage(draft('lobby', `c${i}`));
    const page = await bounded.listMessages({ room: 'lobby', limit: 100 });
    expect(page.messages.length).toBeGreaterThanOrEqual(10);
    expect(page.messages.length).toBeLessThan(20);
    expect(page.messages.at(-1)?.seq).toBe(45);
    expect(page.hasMore).toBe(false);
    // Seqs go on from where they were: trimming never reuses one.
    const next = await bounded.appendMessage(draft('lobby', 'c46'));
    expect(next.message.seq).toBe(46);
    // Other rooms are bounded on their own.
    await bounded.appendMessage(draft('other', 'c1'));
    expect((await bounded.listMessages({ room: 'other', limit: 10 })).messages).toHaveLength(1);
  });

  it('forgets the retry key of a dropped message but still recognises a kept one', async () => {
    const bounded = new MemoryStore({ maxMessagesPerRoom: 5 });
    for (let i = 1; i <= 10; i++) await bounded.appendMessage(draft('lobby', `c${i}`));
    expect((await bounded.appendMessage(draft('lobby', 'c10'))).duplicate).toBe(true);
    expect((await bounded.appendMessage(draft('lobby', 'c1'))).duplicate).toBe(false);
  });

  it('hands out new objects, so a caller changing one changes nothing stored', async () => {
    const { message } = await store.appendMessage(draft('fresh-room', 'f1'));
    message.message = 'changed';
    expect(Object.isFrozen(message.sender)).toBe(true);
    const [read] = (await store.listMessages({ room: 'fresh-room', limit: 1 })).messages;
    expect(read).toMatchObject({ message: 'text f1', seq: 1, clientId: 'f1', id: message.id, timestamp: message.timestamp });
  });

  it('tells apart senders reusing each other\'s clientIds, before and after the first is dropped', async () => {
    const bounded = new MemoryStore({ maxMessagesPerRoom: 2 });
    const from = (senderId: string, clientId: string) => ({ ...draft('lobby', clientId), sender: { id: senderId, name: senderId, role: 'visitor' as const } });
    const first = await bounded.appendMessage(from('v_a', 'same'));
    const reused = await bounded.appendMessage(from('v_b', 'same'));
    expect(reused.duplicate).toBe(false);
    expect((await bounded.appendMessage(from('v_b', 'same'))).message.seq).toBe(reused.message.seq);
    expect((await bounded.appendMessage(from('v_a', 'same'))).message.seq).toBe(first.message.seq);
    // Two more push v_a's message out; v_b's retry still finds its own.
    await bounded.appendMessage(from('v_c', 'x1'));
    await bounded.appendMessage(from('v_c', 'x2'));
    expect((await bounded.appendMessage(from('v_b', 'same'))).duplicate).toBe(false);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxMessagesPerRoom %s', (value) => {
    expect(() => new MemoryStore({ maxMessagesPerRoom: value })).toThrow(/maxMessagesPerRoom/);
  });
});
