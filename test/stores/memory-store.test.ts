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

  it('hands out frozen messages, so a caller cannot change what others read', async () => {
    const { message } = await store.appendMessage(draft('frozen-room', 'f1'));
    expect(Object.isFrozen(message)).toBe(true);
    expect(Object.isFrozen(message.sender)).toBe(true);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxMessagesPerRoom %s', (value) => {
    expect(() => new MemoryStore({ maxMessagesPerRoom: value })).toThrow(/maxMessagesPerRoom/);
  });
});
