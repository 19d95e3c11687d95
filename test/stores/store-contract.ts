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
      sender: { id: 'v_sender', name: 'Ada', role: 'visitor' },
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
        sender: { id: 'v_sender', name: 'Ada', role: 'visitor' },
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
      const otherSender = await store.appendMessage(draft({ clientId: 'shared', sender: { id: 'v_other', name: 'Bo', role: 'visitor' } }));
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
      // They took one seq between them: the next message's follows it.
      expect(results[0]!.message.seq).toBe(1);
      expect((await store.appendMessage(draft())).message.seq).toBe(2);
    });

    it('keeps seqs gap-free under concurrent new messages and concurrent retries together', async () => {
      const ids = Array.from({ length: 10 }, (_, i) => `mix-${i}`);
      const results = await Promise.all(ids.flatMap((id) => [store.appendMessage(draft({ clientId: id })), store.appendMessage(draft({ clientId: id }))]));
      expect(results.filter((r) => !r.duplicate)).toHaveLength(10);
      const page = await store.listMessages({ room, limit: 100 });
      expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
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

    it('keeps every consent a visitor gave, newest first, and no one else’s', async () => {
      const visitorId = `v_consent_${room}`;
      expect(await store.consents(visitorId)).toEqual([]);
      await store.recordConsent(visitorId, { version: '2026-01', givenAt: new Date('2026-01-02T10:00:00Z') });
      await store.recordConsent(visitorId, { version: '2026-12', givenAt: new Date('2026-12-06T10:00:00Z') });
      await store.recordConsent(`${visitorId}_other`, { version: '2026-12', givenAt: new Date('2026-12-06T11:00:00Z') });
      expect(await store.consents(visitorId)).toEqual([
        { version: '2026-12', givenAt: new Date('2026-12-06T10:00:00Z') },
        { version: '2026-01', givenAt: new Date('2026-01-02T10:00:00Z') },
      ]);
      expect(await store.consents({ $ne: '' } as unknown as string).catch(() => [])).toEqual([]);
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

    it('keeps seqs gap-free across retries: a repeat takes no seq', async () => {
      const first = await store.appendMessage(draft({ clientId: 'gap-1' }));
      await store.appendMessage(draft({ clientId: 'gap-1' }));
      await store.appendMessage(draft({ clientId: 'gap-1' }));
      const next = await store.appendMessage(draft({ clientId: 'gap-2' }));
      expect([first.message.seq, next.message.seq]).toEqual([1, 2]);
    });

    it('counts the messages of a role after a seq', async () => {
      const operator = { id: 'op_x', name: 'Olga', role: 'operator' as const };
      await store.appendMessage(draft());
      await store.appendMessage(draft({ sender: operator }));
      await store.appendMessage(draft());
      await store.appendMessage(draft());
      expect(await store.countMessages({ room, after: 0, role: 'visitor' })).toBe(3);
      expect(await store.countMessages({ room, after: 2, role: 'visitor' })).toBe(2);
      expect(await store.countMessages({ room, after: 0, role: 'operator' })).toBe(1);
      expect(await store.countMessages({ room: `${room}-none`, after: 0, role: 'visitor' })).toBe(0);
    });

    it('stores the sender role of every message', async () => {
      const { message } = await store.appendMessage(draft({ sender: { id: 'op_y', name: 'Olga', role: 'operator' } }));
      expect(message.sender).toEqual({ id: 'op_y', name: 'Olga', role: 'operator' });
      expect((await store.listMessages({ room, limit: 1 })).messages[0]!.sender.role).toBe('operator');
    });

    describe('conversations', () => {
      const inboxOf = () => `inbox-${room}`;
      const visitorSays = (inbox: string, visitorId: string, text = 'hello', clientId = `c${Math.random().toString(36).slice(2)}`) =>
        store.appendToConversation(
          { inbox, visitor: { id: visitorId, name: `Name of ${visitorId}` } },
          { sender: { id: visitorId, name: `Name of ${visitorId}`, role: 'visitor' }, message: text, clientId, timestamp: new Date('2026-01-02T03:04:05.678Z') },
        );
      const operatorSays = (conversationId: string, text = 'hi', note = false, clientId = `c${Math.random().toString(36).slice(2)}`) =>
        store.appendToConversation(
          { conversationId },
          { sender: { id: 'op_olga', name: 'Olga', role: 'operator' }, message: text, clientId, timestamp: new Date(), note },
        );

      it('searches the visible messages of the inboxes asked for: every word, in any case, newest first; never notes, rooms or other inboxes', async () => {
        const inbox = inboxOf();
        const ann = (await visitorSays(inbox, 'v_ann', 'My Parcel is late'))!.conversation;
        await operatorSays(ann.id, 'parcel note', true);
        await operatorSays(ann.id, 'Your parcel left today');
        await visitorSays(`${inbox}-other`, 'v_bob', 'parcel elsewhere');
        await store.appendMessage(draft({ message: 'parcel in a room' }));
        const found = await store.searchMessages({ text: 'PARCEL', inboxes: [inbox], limit: 10 });
        expect(found.map((message) => message.message)).toEqual(['Your parcel left today', 'My Parcel is late']);
        expect(found.every((message) => message.room === `${inbox}/${ann.id}`)).toBe(true);
        expect((await store.searchMessages({ text: 'parcel late', inboxes: [inbox], limit: 10 })).map((message) => message.seq)).toEqual([1]);
        expect(await store.searchMessages({ text: 'parcel', inboxes: [inbox], threads: [], limit: 10 })).toEqual([]);
        expect(await store.searchMessages({ text: 'parcel', inboxes: [inbox], limit: 1 })).toHaveLength(1);
        expect(await store.searchMessages({ text: 'parcel', inboxes: [inbox], before: new Date('2020-01-01'), limit: 10 })).toEqual([]);
      });

      it('finds conversations by their visitor id, the start of their name, and their own id; and by ids', async () => {
        const inbox = inboxOf();
        const ann = (await visitorSays(inbox, 'v_ann2'))!.conversation;
        await visitorSays(`${inbox}-other`, 'v_ann2');
        const byName = await store.searchVisitors({ term: 'name OF v_ann2', inboxes: [inbox], limit: 10 });
        expect(byName.map((record) => record.id)).toEqual([ann.id]);
        expect((await store.searchVisitors({ term: 'v_ann2', inboxes: [inbox], limit: 10 })).map((record) => record.id)).toEqual([ann.id]);
        expect((await store.searchVisitors({ term: ann.id, inboxes: '*', limit: 10 })).map((record) => record.id)).toEqual([ann.id]);
        expect(await store.searchVisitors({ term: 'of v_ann2', inboxes: [inbox], limit: 10 })).toEqual([]);
        expect((await store.conversationsByIds([ann.id, 'missing'])).map((record) => record.id)).toEqual([ann.id]);
      });

      it("creates the visitor's conversation with their first message, one per (inbox, visitor) however many race", async () => {
        const inbox = inboxOf();
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) => visitorSays(inbox, 'v_race', `first ${i}`)));
        const ids = new Set(results.map((result) => result!.conversation.id));
        expect(ids.size).toBe(1);
        expect(results.filter((result) => result!.changed?.created)).toHaveLength(1);
        const id = [...ids][0]!;
        expect(id).toMatch(/^[0-9a-f]{24}$/);
        const page = await store.listMessages({ room: `${inbox}/${id}`, limit: 20 });
        expect(page.messages.map((message) => message.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        const other = await visitorSays(inbox, 'v_other');
        expect(other!.conversation.id).not.toBe(id);
        expect((await visitorSays(`${inbox}-b`, 'v_race'))!.conversation.id).not.toBe(id);
      });

      it('folds each message into its conversation in the same step: last message, unread, the wait, the read mark', async () => {
        const inbox = inboxOf();
        const first = (await visitorSays(inbox, 'v_fold', 'Is it in stock?'))!;
        expect(first.changed).toEqual({ created: true, reopened: false });
        expect(first.conversation).toMatchObject({
          inbox,
          visitorId: 'v_fold',
          visitorName: 'Name of v_fold',
          status: 'open',
          assignee: null,
          lastMessage: { seq: 1, message: 'Is it in stock?', room: `${inbox}/${first.conversation.id}` },
          unread: 1,
          visitorReadSeq: 0,
          operatorReadSeq: 0,
          visitorLastSeenAt: null,
          unseenNotifiedSeq: 0,
        });
        expect(first.conversation.waitingSince).toEqual(new Date('2026-01-02T03:04:05.678Z'));
        const id = first.conversation.id;
        const second = (await visitorSays(inbox, 'v_fold', 'Hello?'))!;
        expect(second.conversation).toMatchObject({ unread: 2, lastMessage: { seq: 2, message: 'Hello?' } });
        expect(second.conversation.waitingSince).toEqual(first.conversation.waitingSince);
        expect(second.conversation.version).toBeGreaterThan(first.conversation.version);
        const note = (await operatorSays(id, 'Asked before', true))!;
        expect(note.message).toMatchObject({ seq: 1, room: `${inbox}/${id}/notes` });
        expect(note.conversation.lastMessage?.seq).toBe(2);
        const reply = (await operatorSays(id, 'Yes, since Monday.'))!;
        expect(reply.changed).toEqual({ created: false, reopened: false });
        expect(reply.conversation).toMatchObject({ unread: 0, waitingSince: null, operatorReadSeq: 3, lastMessage: { seq: 3, sender: { role: 'operator' } } });
        expect(await store.getConversation(id)).toEqual(reply.conversation);
        expect(await store.findConversation(inbox, 'v_fold')).toEqual(reply.conversation);
        expect(await store.findConversation(inbox, 'v_nobody')).toBeNull();
        expect(await store.visitorConversations('v_fold')).toEqual([reply.conversation]);
        expect(await store.visitorConversations('v_nobody')).toEqual([]);
        expect(await operatorSays('0123456789abcdef01234567')).toBeNull();
      });

      it("keeps the assistant's replies: who answers, a reply that streams and ends once, the ones left streaming, and the counts", async () => {
        const inbox = inboxOf();
        const opened = (await store.appendToConversation(
          { inbox, visitor: { id: 'v_bot', name: 'Bo' }, handler: 'assistant' },
          { sender: { id: 'v_bot', name: 'Bo', role: 'visitor' }, message: 'Hi bot', clientId: 'bot-1', timestamp: new Date() },
        ))!;
        // The assistant answers it: nobody waits for a person, and it counts in the assistant's tab.
        expect(opened.conversation).toMatchObject({ handler: 'assistant', handoff: null, assistantReplies: 0, waitingSince: null });
        expect(await store.inboxCounts([inbox])).toEqual([{ inbox, open: 1, unassigned: 0, resolved: 0, assistant: 1, assigned: {}, version: expect.any(Number) }]);
        const id = opened.conversation.id;
        const assistant = { id: 'assistant', name: 'Bot', role: 'assistant' as const };
        const started = (await store.appendToConversation({ conversationId: id }, { sender: assistant, message: '', clientId: 'reply-1', timestamp: new Date(), status: 'streaming' }))!;
        expect(started.message).toMatchObject({ seq: 2, message: '', status: 'streaming', citations: [] });
        expect(started.conversation).toMatchObject({ assistantReplies: 1, unread: 1, lastMessage: { seq: 2, status: 'streaming' } });
        // The same reply started twice (another node, a retry) is one.
        const again = (await store.appendToConversation({ conversationId: id }, { sender: assistant, message: '', clientId: 'reply-1', timestamp: new Date(), status: 'streaming' }))!;
        expect(again).toMatchObject({ duplicate: true, message: { id: started.message.id } });

        const room = started.message.room;
        const moved = await store.updateReply(room, started.message.id, { message: 'Hel', citations: [{ title: 'FAQ', url: 'https://shop.example/faq' }] });
        expect(moved).toMatchObject({ message: 'Hel', status: 'streaming', citations: [{ title: 'FAQ', url: 'https://shop.example/faq' }] });
        // Not moved since a moment ago: left by its node.
        await new Promise((resolve) => setTimeout(resolve, 30));
        const stale = await store.staleReplies(new Date(), 100);
        expect(stale.find((entry) => entry.message.id === started.message.id)).toMatchObject({ conversationId: id, message: { message: 'Hel' } });
        expect((await store.staleReplies(new Date(Date.now() - 60_000), 100)).some((entry) => entry.message.id === started.message.id)).toBe(false);

        const ended = await store.updateReply(room, started.message.id, { message: 'Hello!', citations: [], status: 'complete' });
        expect(ended).toMatchObject({ id: started.message.id, seq: 2, message: 'Hello!', status: 'complete', citations: [] });
        // Ended once: a second end, by another node, finds it ended.
        expect(await store.updateReply(room, started.message.id, { message: 'Other', citations: [], status: 'interrupted' })).toBeNull();
        expect(await store.updateReply(room, 'no-such-id', { message: 'x', citations: [] })).toBeNull();
        expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => [m.seq, m.message, m.status ?? null])).toEqual([
          [1, 'Hi bot', null],
          [2, 'Hello!', 'complete'],
        ]);
        expect((await store.staleReplies(new Date(), 100)).some((entry) => entry.message.id === started.message.id)).toBe(false);

        // An operator's answer takes it over: a person has it, and the counts move.
        const answered = (await operatorSays(id, 'A person here'))!;
        expect(answered.changed).toEqual({ created: false, reopened: false, takenOver: true });
        expect(answered.conversation.handler).toBe('operator');
        expect(await store.inboxCounts([inbox])).toEqual([{ inbox, open: 1, unassigned: 1, resolved: 0, assistant: 0, assigned: {}, version: expect.any(Number) }]);
        // Who answers and the handoff change by compare-and-set like the rest.
        const handoff = { reason: 'refund', summary: 'Wants a refund', by: 'assistant' as const, at: new Date().toISOString() };
        const back = await store.updateConversation(id, answered.conversation.version, { handler: 'assistant', handoff });
        expect(back).toMatchObject({ handler: 'assistant', handoff });
        expect((await store.listConversations({ inboxes: [inbox], handler: 'assistant', limit: 10 })).conversations.map((c) => c.id)).toEqual([id]);
        // Unassigned lists the conversations nobody answers: not those the assistant does.
        expect((await store.listConversations({ inboxes: [inbox], assigneeId: null, limit: 10 })).conversations).toEqual([]);
      });

      it('reopens a resolved conversation with a new wait, and keeps the counts of each tab', async () => {
        const inbox = inboxOf();
        const opened = (await visitorSays(inbox, 'v_re'))!;
        await visitorSays(inbox, 'v_two');
        const resolved = await store.updateConversation(opened.conversation.id, opened.conversation.version, { status: 'resolved' });
        expect(await store.inboxCounts([inbox])).toEqual([{ inbox, open: 1, unassigned: 1, resolved: 1, assistant: 0, assigned: {}, version: expect.any(Number) }]);
        const reopened = (await visitorSays(inbox, 'v_re', 'Me again'))!;
        expect(reopened.changed).toEqual({ created: false, reopened: true });
        expect(reopened.conversation).toMatchObject({ status: 'open', lastMessage: { seq: 2, message: 'Me again' } });
        expect(reopened.conversation.version).toBeGreaterThan(resolved!.version);
        const assigned = await store.updateConversation(reopened.conversation.id, reopened.conversation.version, { assignee: { id: 'olga', name: 'Olga' } });
        expect(assigned).toMatchObject({ assignee: { id: 'olga', name: 'Olga' } });
        const counts = await store.inboxCounts([inbox]);
        expect(counts).toEqual([{ inbox, open: 2, unassigned: 1, resolved: 0, assistant: 0, assigned: { olga: 1 }, version: expect.any(Number) }]);
        expect(counts[0]!.version).toBeGreaterThan(0);
        expect(await store.inboxCounts([`${inbox}-none`])).toEqual([]);
        expect((await store.inboxCounts('*')).find((counts) => counts.inbox === inbox)).toMatchObject({ open: 2 });
      });

      it('stores a repeated message once, and a retry takes no seq', async () => {
        const inbox = inboxOf();
        const first = (await visitorSays(inbox, 'v_retry', 'once', 'same-1'))!;
        const again = (await visitorSays(inbox, 'v_retry', 'once', 'same-1'))!;
        expect(again).toMatchObject({ duplicate: true, changed: null, message: { id: first.message.id, seq: 1 } });
        const retried = await store.appendToConversation(
          { inbox, visitor: { id: 'v_retry', name: 'R' } },
          { sender: { id: 'v_retry', name: 'R', role: 'visitor' }, message: 'once', clientId: 'same-1', timestamp: new Date() },
          { retry: true },
        );
        expect(retried).toMatchObject({ duplicate: true, message: { id: first.message.id } });
        const next = (await visitorSays(inbox, 'v_retry', 'twice'))!;
        expect(next.message.seq).toBe(2);
        expect(next.conversation.unread).toBe(2);
      });

      it('updates with compare-and-set on the version, and every change takes a higher one', async () => {
        const { conversation } = (await visitorSays(inboxOf(), 'v_cas'))!;
        const updated = await store.updateConversation(conversation.id, conversation.version, {
          assignee: { id: 'olga', name: 'Olga' },
          waitingSince: new Date('2026-01-02T03:04:05.678Z'),
          unread: 1,
        });
        expect(updated).toMatchObject({ assignee: { id: 'olga', name: 'Olga' }, unread: 1 });
        expect(updated!.version).toBeGreaterThan(conversation.version);
        // A second writer holding the old version loses.
        expect(await store.updateConversation(conversation.id, conversation.version, { status: 'resolved' })).toBeNull();
        const cleared = await store.updateConversation(conversation.id, updated!.version, { assignee: null, waitingSince: null });
        expect(cleared).toMatchObject({ assignee: null, waitingSince: null, status: 'open' });
        expect(await store.getConversation(conversation.id)).toEqual(cleared);
        await store.setVisitorLastSeen(conversation.id, new Date('2026-03-04T05:06:07.000Z'));
        const seen = await store.getConversation(conversation.id);
        expect(seen).toMatchObject({ version: cleared!.version, visitorLastSeenAt: new Date('2026-03-04T05:06:07.000Z') });
      });

      it('lists most recently changed first, filtered by status and assignee, in pages', async () => {
        const inbox = inboxOf();
        const ids: string[] = [];
        for (const visitor of ['a', 'b', 'c', 'd']) ids.push((await visitorSays(inbox, `v_${visitor}`))!.conversation.id);
        const change = async (id: string, change: Parameters<ChatStore['updateConversation']>[2]) => {
          const current = (await store.getConversation(id))!;
          return store.updateConversation(id, current.version, change);
        };
        await change(ids[0]!, { assignee: { id: 'olga', name: 'Olga' } });
        await change(ids[1]!, { status: 'resolved' });
        const all = await store.listConversations({ inboxes: [inbox], limit: 10 });
        expect(all.conversations.map((c) => c.id)).toEqual([ids[1], ids[0], ids[3], ids[2]]);
        const open = await store.listConversations({ inboxes: [inbox], status: 'open', limit: 2 });
        expect(open.conversations.map((c) => c.id)).toEqual([ids[0], ids[3]]);
        expect(open.hasMore).toBe(true);
        const next = await store.listConversations({ inboxes: [inbox], status: 'open', limit: 2, before: open.conversations[1]!.version });
        expect(next.conversations.map((c) => c.id)).toEqual([ids[2]]);
        expect(next.hasMore).toBe(false);
        expect((await store.listConversations({ inboxes: [inbox], assigneeId: 'olga', limit: 10 })).conversations.map((c) => c.id)).toEqual([ids[0]]);
        expect((await store.listConversations({ inboxes: [inbox], assigneeId: null, status: 'open', limit: 10 })).conversations).toHaveLength(2);
        expect(await store.inboxCounts([inbox])).toEqual([{ inbox, open: 3, unassigned: 2, resolved: 1, assistant: 0, assigned: { olga: 1 }, version: expect.any(Number) }]);
        expect((await store.listConversations({ inboxes: [`${inbox}-none`], limit: 10 })).conversations).toEqual([]);
        expect((await store.listConversations({ inboxes: '*', limit: 1000 })).conversations.map((c) => c.id)).toEqual(expect.arrayContaining(ids));
      });

      it('returns exactly what changed after a version, oldest change first', async () => {
        const inbox = inboxOf();
        const first = (await visitorSays(inbox, 'v_1'))!.conversation;
        const second = (await visitorSays(inbox, 'v_2'))!.conversation;
        const since = second.version;
        expect((await store.conversationChanges({ inboxes: [inbox], since, limit: 10 })).conversations).toEqual([]);
        const changed = await store.updateConversation(first.id, first.version, { status: 'resolved' });
        const changes = await store.conversationChanges({ inboxes: [inbox], since, limit: 10 });
        expect(changes.conversations).toEqual([changed]);
        const all = await store.conversationChanges({ inboxes: [inbox], since: 0, limit: 1 });
        expect(all.conversations.map((c) => c.id)).toEqual([second.id]);
        expect(all.hasMore).toBe(true);
      });

      it('never matches a conversation for an operator object smuggled in as a value', async () => {
        await visitorSays(inboxOf(), 'v_smuggle');
        const $ne = { $ne: '' } as unknown as string;
        expect(await store.getConversation($ne).catch(() => null)).toBeNull();
        expect(await store.findConversation($ne, $ne).catch(() => null)).toBeNull();
        expect(await operatorSays($ne).catch(() => null)).toBeNull();
        const page = await store.listConversations({ inboxes: [$ne], limit: 10 }).catch(() => ({ conversations: [] }));
        expect(page.conversations).toEqual([]);
      });
    });

    describe('privacy', () => {
      const visitorIn = async (inbox: string, visitorId: string, text: string) =>
        (await store.appendToConversation(
          { inbox, visitor: { id: visitorId, name: 'Pat' } },
          { sender: { id: visitorId, name: 'Pat', role: 'visitor' }, message: text, clientId: `c${Math.random().toString(36).slice(2)}`, timestamp: new Date() },
        ))!;

      it('keeps when a visitor was seen and whether their erasure began or finished, and lists the inactive', async () => {
        const seen = `v_seen_${room}`;
        expect(await store.visitorActivity(seen)).toBeNull();
        await store.visitorSeen(seen, new Date('2020-01-01T00:00:00Z'));
        expect(await store.visitorActivity(seen)).toEqual({ lastSeenAt: new Date('2020-01-01T00:00:00Z'), erasedAt: null, erasing: null });
        expect(await store.inactiveVisitors(new Date('2020-02-01T00:00:00Z'), 1000)).toContain(seen);
        expect(await store.inactiveVisitors(new Date('2019-12-01T00:00:00Z'), 1000)).not.toContain(seen);
        // Begun: a tab connecting does not undo it, and it is found as unfinished once old enough.
        await store.markErased(seen, new Date('2020-03-01T00:00:00Z'), 'anonymize');
        await store.visitorSeen(seen, new Date('2020-03-02T00:00:00Z'));
        expect(await store.visitorActivity(seen)).toEqual({ lastSeenAt: new Date('2020-03-02T00:00:00Z'), erasedAt: new Date('2020-03-01T00:00:00Z'), erasing: 'anonymize' });
        expect(await store.unfinishedErasures(new Date('2020-03-01T01:00:00Z'), 1000)).toContainEqual({ visitorId: seen, mode: 'anonymize' });
        expect(await store.unfinishedErasures(new Date('2020-02-01T00:00:00Z'), 1000)).not.toContainEqual({ visitorId: seen, mode: 'anonymize' });
        await store.markErased(seen, new Date('2020-03-01T00:00:00Z'), null);
        expect(await store.visitorActivity(seen)).toEqual({ lastSeenAt: null, erasedAt: new Date('2020-03-01T00:00:00Z'), erasing: null });
        expect(await store.inactiveVisitors(new Date('2030-01-01T00:00:00Z'), 1000)).not.toContain(seen);
        expect((await store.unfinishedErasures(new Date('2030-01-01T00:00:00Z'), 1000)).map((found) => found.visitorId)).not.toContain(seen);
      });

      it("finds a sender's messages in every thread, and turns them into tombstones that keep their seqs", async () => {
        const sender = { id: `v_tomb_${roomCounter}`, name: 'Tess', role: 'visitor' as const };
        const other = { id: `v_tomb2_${roomCounter}`, name: 'Theo', role: 'visitor' as const };
        // Both use the same clientId in one room: their tombstones must still be told apart.
        await store.appendMessage(draft({ sender, message: 'first words', clientId: 'same-1' }));
        await store.appendMessage(draft({ sender: other, message: 'his words', clientId: 'same-1' }));
        await store.appendMessage(draft({ message: 'someone else' }));
        await store.appendMessage(draft({ sender, message: 'second words', room: `${room}-b` }));
        const found = await store.messagesBySender([sender.id], undefined, 1);
        expect(found.map((message) => message.message)).toEqual(['first words']);
        const rest = await store.messagesBySender([sender.id], found[0]!.id, 10);
        expect(rest.map((message) => message.message)).toEqual(['second words']);
        expect(await store.eraseMessages([...found, ...rest].map((message) => message.id))).toBe(2);
        expect(await store.eraseMessages([found[0]!.id])).toBe(0);
        expect(await store.messagesBySender([sender.id], undefined, 10)).toEqual([]);
        const his = await store.messagesBySender([other.id], undefined, 10);
        expect(await store.eraseMessages(his.map((message) => message.id))).toBe(1);
        const page = await store.listMessages({ room, limit: 10 });
        expect(page.messages.map((message) => [message.seq, message.message, message.sender.id, message.sender.name, message.erased ?? false])).toEqual([
          [1, '', '', '', true],
          [2, '', '', '', true],
          [3, 'someone else', 'v_sender', 'Ada', false],
        ]);
        await store.rewriteMessage(page.messages[2]!.id, 'someone [erased]');
        expect((await store.listMessages({ room, limit: 10 })).messages[2]!.message).toBe('someone [erased]');
      });

      it('deletes a conversation and its counts only at the version it was read at, its threads apart, and notes deletions begun', async () => {
        const inbox = `inbox-${room}`;
        const first = await visitorIn(inbox, 'v_gone', 'delete me');
        await store.appendToConversation(
          { conversationId: first.conversation.id },
          { sender: { id: 'op_o', name: 'Olga', role: 'operator' }, message: 'a note', clientId: 'note-1', timestamp: new Date(), note: true },
        );
        const current = (await store.getConversation(first.conversation.id))!;
        const at = new Date('2020-05-01T00:00:00Z');
        await store.beginDeletion({ conversationId: current.id, inbox, at });
        await store.beginDeletion({ conversationId: current.id, inbox, at: new Date() });
        expect(await store.pendingDeletions(new Date('2020-05-02T00:00:00Z'), 1000)).toContainEqual({ conversationId: current.id, inbox, at });
        expect(await store.deleteConversation({ ...current, version: current.version - 1 })).toBe(false);
        expect(await store.deleteConversation(current)).toBe(true);
        expect(await store.getConversation(current.id)).toBeNull();
        expect(await store.findConversation(inbox, 'v_gone')).toBeNull();
        const [counts] = await store.inboxCounts([inbox]);
        expect(counts ?? { open: 0 }).toMatchObject({ open: 0 });
        expect(await store.deleteConversation(current)).toBe(false);
        expect(await store.deleteThread(`${inbox}/${current.id}`)).toBe(1);
        expect(await store.deleteThread(`${inbox}/${current.id}/notes`)).toBe(1);
        expect((await store.listMessages({ room: `${inbox}/${current.id}`, limit: 10 })).messages).toEqual([]);
        await store.endDeletion(current.id);
        expect((await store.pendingDeletions(new Date('2030-01-01T00:00:00Z'), 1000)).map((deletion) => deletion.conversationId)).not.toContain(current.id);
        // The visitor's next message starts a new conversation.
        const again = await visitorIn(inbox, 'v_gone', 'back again');
        expect(again.conversation.id).not.toBe(current.id);
        expect(again.changed?.created).toBe(true);
      });

      it('deletes details and consents, and finds what retention makes due', async () => {
        const visitorId = `v_details_${roomCounter}`;
        await store.saveUserDetails(visitorId, { name: 'Del', email: 'del@example.com', phone: '' });
        await store.recordConsent(visitorId, { version: '1', givenAt: new Date() });
        expect(await store.deleteUser(visitorId)).toBe(1);
        expect(await store.deleteUser(visitorId)).toBe(0);
        expect(await store.deleteConsents(visitorId)).toBe(1);
        expect(await store.getUser(visitorId)).toBeNull();
        expect(await store.consents(visitorId)).toEqual([]);

        const inbox = `inbox-${room}`;
        const done = await visitorIn(inbox, 'v_done', 'all good');
        const resolved = (await store.updateConversation(done.conversation.id, done.conversation.version, { status: 'resolved' }))!;
        const later = new Date(Date.now() + 60_000);
        expect((await store.resolvedBefore(later, 1000)).map((record) => record.id)).toContain(resolved.id);
        expect((await store.resolvedBefore(new Date(Date.now() - 60_000), 1000)).map((record) => record.id)).not.toContain(resolved.id);
        const last = resolved.lastMessage!;
        await store.forgetLastMessages([{ conversationId: resolved.id, messageId: 'not-its-last' }]);
        expect((await store.getConversation(resolved.id))!.lastMessage).not.toBeNull();
        await store.forgetLastMessages([{ conversationId: resolved.id, messageId: last.id }]);
        expect((await store.getConversation(resolved.id))!.lastMessage).toBeNull();

        // Messages by age, oldest first, then deleted by id.
        const old = await store.appendMessage(draft({ message: 'old', timestamp: new Date() }));
        const due = await store.messagesBefore(new Date(Date.now() + 60_000), 10_000);
        expect(due.map((message) => message.id)).toContain(old.message.id);
        expect((await store.messagesBefore(new Date(Date.now() - 3_600_000), 10_000)).map((message) => message.id)).not.toContain(old.message.id);
        expect(await store.deleteMessages([old.message.id])).toBe(1);
        expect((await store.listMessages({ room, limit: 10 })).messages).toEqual([]);
      });

      it('holds a lease for one holder at a time until it runs out', async () => {
        const name = `lease-${room}`;
        const now = new Date();
        const soon = new Date(now.getTime() + 60_000);
        expect(await store.lease(name, 'a', now, soon)).toBe(true);
        expect(await store.lease(name, 'b', now, soon)).toBe(false);
        expect(await store.lease(name, 'a', now, soon)).toBe(true);
        expect(await store.lease(name, 'b', new Date(soon.getTime() + 1), new Date(soon.getTime() + 60_000))).toBe(true);
        const both = await Promise.all([store.lease(`${name}-race`, 'x', now, soon), store.lease(`${name}-race`, 'y', now, soon)]);
        expect(both.filter(Boolean)).toHaveLength(1);
      });
    });

    it('answers ping while storage is reachable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
