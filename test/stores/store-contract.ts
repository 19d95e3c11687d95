import { beforeEach, describe, expect, it } from 'vitest';
import type { ChatStore, MessageDraft } from 'parley-chat';

let roomCounter = 0;

/**
 * What every ChatStore must do. `makeStore` may return the same store each time; each test
 * uses rooms and visitors of its own.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<ChatStore>): void {
  describe(`ChatStore contract: ${name}`, () => {
    let store: ChatStore;
    let room: string;
    const draft = (overrides: Partial<MessageDraft> = {}): MessageDraft => ({
      room,
      sender: { id: 'v_sender', name: 'Ada' },
      message: 'hello',
      clientId: `c${Math.random().toString(36).slice(2)}`,
      timestamp: new Date('2026-01-02T03:04:05.678Z'),
      ...overrides,
    });

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
      room = `room-${name.replace(/\W/g, '')}-${++roomCounter}-${Date.now()}`;
    });

    it('assigns seq 1, 2, 3 per room, independently for each room', async () => {
      const first = await store.appendMessage(draft());
      const second = await store.appendMessage(draft());
      const other = await store.appendMessage(draft({ room: `${room}-other` }));
      const third = await store.appendMessage(draft());
      expect([first, second, third].map((r) => r.message.seq)).toEqual([1, 2, 3]);
      expect(other.message.seq).toBe(1);
      expect(first.duplicate).toBe(false);
    });

    it('returns the public message shape with the timestamp as ISO 8601', async () => {
      const { message } = await store.appendMessage(draft({ clientId: 'shape-1', message: 'hi there' }));
      expect(message).toEqual({
        id: expect.any(String),
        room,
        seq: 1,
        sender: { id: 'v_sender', name: 'Ada' },
        message: 'hi there',
        timestamp: '2026-01-02T03:04:05.678Z',
        clientId: 'shape-1',
      });
      expect(Object.keys(message).sort()).toEqual(['clientId', 'id', 'message', 'room', 'sender', 'seq', 'timestamp']);
    });

    it('stores a repeated (room, sender, clientId) once and returns the original', async () => {
      const original = await store.appendMessage(draft({ clientId: 'same', message: 'first' }));
      const repeat = await store.appendMessage(draft({ clientId: 'same', message: 'changed on retry' }));
      expect(repeat.duplicate).toBe(true);
      expect(repeat.message).toEqual(original.message);
      const page = await store.listMessages({ room, limit: 10 });
      expect(page.messages).toHaveLength(1);
    });

    it('treats the same clientId from another sender or in another room as a new message', async () => {
      await store.appendMessage(draft({ clientId: 'shared' }));
      const otherSender = await store.appendMessage(draft({ clientId: 'shared', sender: { id: 'v_other', name: 'Bo' } }));
      const otherRoom = await store.appendMessage(draft({ clientId: 'shared', room: `${room}-b` }));
      expect(otherSender.duplicate).toBe(false);
      expect(otherRoom.duplicate).toBe(false);
    });

    it('gives concurrent messages distinct, increasing seqs', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendMessage(draft({ message: `m${i}` }))));
      const seqs = results.map((r) => r.message.seq).sort((a, b) => a - b);
      expect(new Set(seqs).size).toBe(20);
      const page = await store.listMessages({ room, limit: 100 });
      expect(page.messages.map((m) => m.seq)).toEqual(seqs);
    });

    it('stores concurrent retries of one message exactly once', async () => {
      const results = await Promise.all(
        Array.from({ length: 8 }, () => store.appendMessage(draft({ clientId: 'racing' }))),
      );
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect((await store.listMessages({ room, limit: 100 })).messages).toHaveLength(1);
    });

    it('pages a room: latest page, older pages with before, newer with after', async () => {
      for (let i = 1; i <= 7; i++) await store.appendMessage(draft({ message: `m${i}` }));
      const latest = await store.listMessages({ room, limit: 3 });
      expect(latest.messages.map((m) => m.message)).toEqual(['m5', 'm6', 'm7']);
      expect(latest.hasMore).toBe(true);

      const older = await store.listMessages({ room, limit: 3, before: latest.messages[0]!.seq });
      expect(older.messages.map((m) => m.message)).toEqual(['m2', 'm3', 'm4']);
      expect(older.hasMore).toBe(true);
      const oldest = await store.listMessages({ room, limit: 3, before: older.messages[0]!.seq });
      expect(oldest.messages.map((m) => m.message)).toEqual(['m1']);
      expect(oldest.hasMore).toBe(false);

      const newer = await store.listMessages({ room, limit: 2, after: 3 });
      expect(newer.messages.map((m) => m.seq)).toEqual([4, 5]);
      expect(newer.hasMore).toBe(true);
      const rest = await store.listMessages({ room, limit: 10, after: 5 });
      expect(rest.messages.map((m) => m.seq)).toEqual([6, 7]);
      expect(rest.hasMore).toBe(false);
    });

    it('answers an empty or unknown room with an empty page', async () => {
      expect(await store.listMessages({ room, limit: 10 })).toEqual({ messages: [], hasMore: false });
      expect(await store.listMessages({ room, limit: 10, after: 0 })).toEqual({ messages: [], hasMore: false });
      expect(await store.listMessages({ room, limit: 10, before: 5 })).toEqual({ messages: [], hasMore: false });
    });

    it('upserts visitor details, keeping createdAt', async () => {
      const visitorId = `v_${room}`;
      expect(await store.getUser(visitorId)).toBeNull();
      const first = await store.saveUserDetails(visitorId, { name: 'Ada', email: 'ada@example.com', phone: '+442079460958' });
      expect(first).toMatchObject({ id: visitorId, name: 'Ada', email: 'ada@example.com', phone: '+442079460958' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await store.saveUserDetails(visitorId, { name: 'Ada L.', email: 'ada@example.org', phone: '' });
      expect(second).toMatchObject({ id: visitorId, name: 'Ada L.', email: 'ada@example.org', phone: '' });
      expect(second.createdAt.getTime()).toBe(first.createdAt.getTime());
      expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      expect(await store.getUser(visitorId)).toEqual(second);
    });

    it('never matches a record for an operator object smuggled in as an id', async () => {
      await store.saveUserDetails(`v_${room}`, { name: 'Ada', email: 'ada@example.com', phone: '' });
      const found = await store.getUser({ $ne: '' } as unknown as string).catch(() => null);
      expect(found).toBeNull();
      const page = await store
        .listMessages({ room: { $ne: '' } as unknown as string, limit: 10 })
        .catch(() => ({ messages: [] }));
      expect(page.messages).toEqual([]);
    });

    it('answers ping while storage is reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
