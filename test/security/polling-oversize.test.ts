import { describe, expect, it } from 'vitest';
import { MemoryStore } from 'parley-chat';
import { settle, startChat } from '../support/harness.js';

// A packet over maxPayloadBytes disconnects its sender on WebSocket; over polling, engine.io
// answers 413 and used to keep the session open. Raw HTTP here, as a hostile client would send.

describe('a polling request over maxPayloadBytes', () => {
  it('gets 413 and closes the session, like an oversized WebSocket frame', async () => {
    const running = await startChat({ store: new MemoryStore(), limits: { maxPayloadBytes: 4096 } });
    const base = `${running.url}/chat/socket.io/?EIO=4&transport=polling`;
    const open = await (await fetch(base)).text();
    const { sid } = JSON.parse(open.slice(1)) as { sid: string };
    const session = `${base}&sid=${sid}`;
    const connected = new Promise<import('socket.io').Socket>((resolve) => running.chat.io.once('connection', resolve));
    expect((await fetch(session, { method: 'POST', body: '40' })).status).toBe(200);
    const socket = await connected;
    expect((await (await fetch(session)).text()).startsWith('40')).toBe(true);
    const disconnected = new Promise((resolve) => socket.once('disconnect', resolve));

    const oversized = await fetch(session, { method: 'POST', body: `42${JSON.stringify(['message', 'x'.repeat(10_000)])}` });
    expect(oversized.status).toBe(413);
    await disconnected;
    await settle(50);
    const after = await fetch(session);
    expect(after.status).toBe(400);
    expect(await after.json()).toMatchObject({ message: 'Session ID unknown' });
  });
});
