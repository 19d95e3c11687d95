import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MemoryStore, type ChatErrorPayload, type MessageAck } from 'parley-chat';
import { clientId, request, startChat, type RunningChat } from '../support/harness.js';

// A new visitor id costs a client nothing, so per-visitor limits alone are sidestepped by
// opening fresh connections. These limits count by address; every client here comes from
// 127.0.0.1, or from the address a trusted proxy puts in X-Forwarded-For.

const refusal = (running: RunningChat, headers: Record<string, string> = {}, auth: object = {}) =>
  running.connect({ extraHeaders: headers, auth }).then(
    () => undefined,
    (error: { data?: ChatErrorPayload }) => error.data,
  );

describe('per-address limits', () => {
  it('refuses handshakes that start new visitors past newVisitorRate, with RATE_LIMITED and retryAfterMs', async () => {
    const running = await startChat({ store: new MemoryStore(), limits: { newVisitorRate: { max: 3, perMs: 60_000 } } });
    const first = await running.connect();
    await running.connect();
    await running.connect();
    const refused = await refusal(running);
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) });
    expect(refused!.retryAfterMs).toBeGreaterThan(0);
    // A returning visitor, with the token of an earlier session, is not a new one.
    await expect(running.connect({ auth: { token: first.session.token } })).resolves.toMatchObject({
      session: { visitorId: first.session.visitorId },
    });
  });

  it('limits messages per address across all its visitors, and leaves other addresses alone', async () => {
    const running = await startChat({
      store: new MemoryStore(),
      trustProxy: true,
      limits: { addressMessageRate: { max: 5, perMs: 60_000 }, messageRate: { max: 100, perMs: 60_000 } },
    });
    const office = { 'x-forwarded-for': '203.0.113.7' };
    const visitors = await Promise.all(Array.from({ length: 3 }, () => running.connect({ extraHeaders: office })));
    for (const visitor of visitors) await request(visitor, 'join', { room: 'lobby' });
    const acks: MessageAck[] = [];
    for (let i = 0; i < 9; i++) {
      acks.push(await request<MessageAck>(visitors[i % 3]!, 'message', { room: 'lobby', message: `m${i}`, clientId: clientId() }));
    }
    expect(acks.filter((ack) => ack.ok)).toHaveLength(5);
    const refused = acks.filter((ack) => !ack.ok);
    expect(refused).toHaveLength(4);
    for (const ack of refused) expect(ack).toMatchObject({ error: { code: 'RATE_LIMITED', retryAfterMs: expect.any(Number) } });

    const elsewhere = await running.connect({ extraHeaders: { 'x-forwarded-for': '198.51.100.20' } });
    await request(elsewhere, 'join', { room: 'lobby' });
    expect(await request(elsewhere, 'message', { room: 'lobby', message: 'hi', clientId: clientId() })).toMatchObject({ ok: true });
  });

  it('with the default limits, ten fresh connections from one address store at most 100 messages per 10 s', async () => {
    const store = new MemoryStore();
    const running = await startChat({ store, limits: { newVisitorRate: DEFAULT_LIMITS.newVisitorRate } });
    const visitors = await Promise.all(Array.from({ length: 10 }, () => running.connect()));
    await Promise.all(visitors.map((visitor) => request(visitor, 'join', { room: 'spam' })));
    const started = Date.now();
    const acks = await Promise.all(
      visitors.flatMap((visitor) =>
        Array.from({ length: 20 }, () => request<MessageAck>(visitor, 'message', { room: 'spam', message: 'buy now', clientId: clientId() })),
      ),
    );
    // The bucket of 100 refills at 10 a second: a slow machine may earn a token or two meanwhile.
    const { max, perMs } = DEFAULT_LIMITS.addressMessageRate;
    const refilled = Math.ceil(((Date.now() - started) * max) / perMs);
    const stored = (await store.listMessages({ room: 'spam', limit: 500 })).messages.length;
    expect(acks.filter((ack) => ack.ok)).toHaveLength(stored);
    expect(stored).toBeGreaterThanOrEqual(max);
    expect(stored).toBeLessThanOrEqual(max + refilled);
    expect(stored).toBeLessThan(200);
  });

  it('ignores X-Forwarded-For without trustProxy: a client cannot pick its own budget', async () => {
    const running = await startChat({ store: new MemoryStore(), limits: { newVisitorRate: { max: 2, perMs: 60_000 } } });
    await running.connect({ extraHeaders: { 'x-forwarded-for': '192.0.2.1' } });
    await running.connect({ extraHeaders: { 'x-forwarded-for': '192.0.2.2' } });
    expect(await refusal(running, { 'x-forwarded-for': '192.0.2.3' })).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('with trustProxy, counts by the address the proxy appended, not one the client wrote before it', async () => {
    const running = await startChat({ store: new MemoryStore(), trustProxy: true, limits: { newVisitorRate: { max: 2, perMs: 60_000 } } });
    // The proxy appends the real client's address; entries before it are the client's own words.
    const behindProxy = (claimed: string) => ({ 'x-forwarded-for': `${claimed}, 203.0.113.50` });
    await running.connect({ extraHeaders: behindProxy('10.0.0.1') });
    await running.connect({ extraHeaders: behindProxy('10.0.0.2') });
    expect(await refusal(running, behindProxy('10.0.0.3'))).toMatchObject({ code: 'RATE_LIMITED' });
    // Another real client behind the same proxy has its own budget.
    expect(await refusal(running, { 'x-forwarded-for': '203.0.113.51' })).toBeUndefined();
  });

  it('counts an IPv6 client by its /64, since it can change addresses inside it at will', async () => {
    const running = await startChat({ store: new MemoryStore(), trustProxy: true, limits: { newVisitorRate: { max: 2, perMs: 60_000 } } });
    await running.connect({ extraHeaders: { 'x-forwarded-for': '2001:db8:1:2::1' } });
    await running.connect({ extraHeaders: { 'x-forwarded-for': '2001:db8:1:2:aaaa::9' } });
    expect(await refusal(running, { 'x-forwarded-for': '2001:0db8:0001:0002:ffff:1:2:3' })).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await refusal(running, { 'x-forwarded-for': '2001:db8:1:3::1' })).toBeUndefined();
  });

  it('applies the same address to HTTP history', async () => {
    const running = await startChat({ store: new MemoryStore(), trustProxy: true, limits: { eventRate: { max: 2, perMs: 60_000 } } });
    const get = (address: string) =>
      fetch(`${running.url}/chat/history?room=lobby&before=5`, { headers: { 'x-forwarded-for': address } }).then((r) => r.status);
    expect([await get('192.0.2.10'), await get('192.0.2.10'), await get('192.0.2.10')]).toEqual([200, 200, 429]);
    expect(await get('192.0.2.11')).toBe(200);
  });
});
