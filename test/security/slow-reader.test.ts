import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MemoryStore, type MessageAck } from 'parley-chat';
import { clientId, collect, request, startChat } from '../support/harness.js';

const MANY = { max: 1_000_000, perMs: 1000 };

describe('a client that stops reading', () => {
  it('is disconnected once its unsent data passes maxUnsentBytes, long before the ping timeout, while readers stay', async () => {
    const maxUnsentBytes = 256 * 1024;
    const running = await startChat({
      store: new MemoryStore(),
      limits: { maxUnsentBytes, maxMessageLength: 20_000, messageRate: MANY, addressMessageRate: MANY },
    });
    const [stalled, reader, sender] = await Promise.all([running.connect(), running.connect(), running.connect()]);
    for (const client of [stalled, reader, sender]) await request(client, 'join', { room: 'flood' });
    const readerGot = collect(reader, 'message');

    const namespace = running.chat.io.of('/');
    const serverSide = [...namespace.sockets.values()].find((socket) => socket.data.visitorId === stalled.session.visitorId)!;
    let dropped: string | undefined;
    serverSide.once('disconnect', (reason) => (dropped = reason));
    // The client's TCP socket stops reading: the kernel buffers fill, then the server's.
    (stalled.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();

    const text = 'x'.repeat(19_000);
    const started = Date.now();
    let sent = 0;
    while (dropped === undefined && sent < 3000) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, () => request<MessageAck>(sender, 'message', { room: 'flood', message: text, clientId: clientId() })),
      );
      expect(batch.every((ack) => ack.ok)).toBe(true);
      sent += batch.length;
    }
    expect(dropped, `still connected after ${sent} messages (${(sent * text.length) / 1e6} MB)`).toBeDefined();
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(running.chat.io.engine).toBeDefined();

    // Readers kept up and stayed: they have every message, and the connection is still open.
    await expect.poll(() => readerGot.length).toBe(sent);
    expect(reader.connected).toBe(true);
    expect(sender.connected).toBe(true);
  });

  it('has a default bound of a few megabytes at most', () => {
    expect(DEFAULT_LIMITS.maxUnsentBytes).toBeGreaterThanOrEqual(256 * 1024);
    expect(DEFAULT_LIMITS.maxUnsentBytes).toBeLessThanOrEqual(4 * 1024 * 1024);
  });
});
