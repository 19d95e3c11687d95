import { describe, expect, it } from 'vitest';
import { MemoryStore, type AppendOptions, type MessageAck, type MessageDraft } from 'parley-chat';
import { clientId, request, startChat } from '../support/harness.js';

// What a room's queue does when storage is slow or stops answering: it stays bounded, identical
// sends share one attempt, and work whose requester was already answered is not started.

/** A memory store whose appends take as long as the test says, counting them. */
class SlowStore extends MemoryStore {
  appends = 0;
  delayMs = 0;
  override async appendMessage(draft: MessageDraft, options?: AppendOptions) {
    this.appends++;
    if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.appendMessage(draft, options);
  }
}

const FAST = { max: 100_000, perMs: 1000 };

describe('bounded under stress', () => {
  it('refuses sends at once (retryable) past 100 waiting in one room, and stores every one it acknowledged', async () => {
    const store = new SlowStore();
    store.delayMs = 20;
    const { connect } = await startChat({ store, limits: { messageRate: FAST, addressMessageRate: FAST, storageTimeoutMs: 20_000 } });
    const visitor = await connect();
    await request(visitor, 'join', { room: 'busy' });
    const acks = await Promise.all(
      Array.from({ length: 160 }, (_, i) => request<MessageAck>(visitor, 'message', { room: 'busy', message: `m${i}`, clientId: clientId() })),
    );
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused.length).toBeGreaterThan(0);
    for (const ack of refused) expect(ack).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    const acked = acks.filter((ack): ack is Extract<MessageAck, { ok: true }> => ack.ok);
    expect(acked.length).toBeGreaterThanOrEqual(100);
    const page = await store.listMessages({ room: 'busy', limit: 500 });
    expect(page.messages.map((message) => message.id).sort()).toEqual(acked.map((ack) => ack.message.id).sort());
  });

  it('lets identical sends in flight share one attempt', async () => {
    const store = new SlowStore();
    store.delayMs = 100;
    const { connect } = await startChat({ store });
    const visitor = await connect();
    const tabs = [visitor, ...(await Promise.all([1, 2, 3].map(() => connect({ auth: { token: visitor.session.token } }))))];
    for (const tab of tabs) await request(tab, 'join', { room: 'shared' });
    store.appends = 0;
    const id = clientId();
    const acks = await Promise.all(tabs.map((tab) => request<MessageAck>(tab, 'message', { room: 'shared', message: 'once', clientId: id })));
    expect(new Set(acks.map((ack) => (ack.ok ? ack.message.id : 'refused'))).size).toBe(1);
    expect(store.appends).toBe(1);
  });

  it('does not start work whose requester was answered already (it timed out in the queue)', async () => {
    const store = new SlowStore();
    const { connect } = await startChat({ store, limits: { storageTimeoutMs: 300 } });
    const visitor = await connect();
    await request(visitor, 'join', { room: 'stuck' });
    store.appends = 0;
    store.delayMs = 800;
    const acks = await Promise.all(
      Array.from({ length: 4 }, () => request<MessageAck>(visitor, 'message', { room: 'stuck', message: 'late', clientId: clientId() })),
    );
    for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: 'STORAGE_UNAVAILABLE', retryable: true } });
    await new Promise((resolve) => setTimeout(resolve, 1200));
    // The first was stuck in storage; the three behind it were past their deadline when their turn came.
    expect(store.appends).toBe(1);
  });
});
