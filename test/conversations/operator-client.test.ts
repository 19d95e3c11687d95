import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatErrorPayload, ChatMessage, InboxMessageAck, OperatorSocketData } from 'parley-chat';
import { OperatorClient } from '../../web-component/clients/operator-client.js';
import { clientId, collect, connectMongo, onCleanup, request, startChat, type RunningChat } from '../support/harness.js';
import { operatorsOptions } from '../support/operators.js';

// The inbox's browser client, run in Node against a real server: the same socket.io-client, no DOM.

let db: mongoose.Connection;
let running: RunningChat;

async function visitorSays(message: string, visitor?: Awaited<ReturnType<RunningChat['connect']>>) {
  const socket = visitor ?? (await running.connect());
  await request(socket, 'join', { inbox: 'support' });
  const ack = await request<InboxMessageAck>(socket, 'message', { inbox: 'support', message, clientId: clientId() });
  if (!ack.ok) throw new Error(ack.error.message);
  return { socket, conversationId: ack.conversation.id };
}

beforeAll(async () => {
  db = await connectMongo();
  running = await startChat({
    mongoose: db,
    operators: operatorsOptions({
      // As a host recognises its staff: by the session cookie of its own login.
      identify: ({ headers }) => {
        const cookie = String(headers.cookie ?? '');
        return /operator=olga/.test(cookie) ? { id: 'u-olga', name: 'Olga' } : /operator=omar/.test(cookie) ? { id: 'u-omar', name: 'Omar' } : null;
      },
    }),
  });
});

describe("OperatorClient (the inbox's connection)", () => {
  it('lists, opens, replies, writes notes, and keeps the list live', async () => {
    const first = await visitorSays('Is the blue one back?');
    const { client } = withCookie('olga');
    await expect.poll(() => client.status).toBe('online');
    await expect.poll(() => client.conversations.map((c) => c.id)).toContain(first.conversationId);

    const second = await visitorSays('Do you gift-wrap?');
    await expect.poll(() => client.conversations[0]?.id).toBe(second.conversationId);
    expect(client.unreadTotal).toBeGreaterThanOrEqual(2);

    await client.openConversation(first.conversationId);
    expect(client.open?.messages.messages.map((m) => m.message)).toEqual(['Is the blue one back?']);
    expect(client.open?.visitor).toMatchObject({ online: true });
    const visitorGot = collect<ChatMessage>(first.socket, 'message');
    client.send('Yes, since Monday.');
    client.send('Customer asked twice before', true);
    await expect.poll(() => client.pending.length).toBe(0);
    await expect.poll(() => visitorGot.map((m) => m.message)).toEqual(['Yes, since Monday.']);
    expect(client.open?.notes.messages.map((m) => m.message)).toEqual(['Customer asked twice before']);
    await client.markRead();
    expect(client.get(first.conversationId)).toMatchObject({ unread: 0 });

    await client.assign('u-olga');
    expect(client.get(first.conversationId)?.assignee).toEqual({ id: 'u-olga', name: 'Olga' });
    await client.setFilter({ status: 'open', assignee: 'me' });
    expect(client.conversations.map((c) => c.id)).toEqual([first.conversationId]);
    expect(client.counts?.mine).toBe(1);
  });

  it('reports CONFLICT when another operator took the conversation first', async () => {
    const { conversationId } = await visitorSays('race me');
    const olga = withCookie('olga');
    const omar = withCookie('omar');
    await expect.poll(() => olga.client.status === 'online' && omar.client.status === 'online').toBe(true);
    await olga.client.openConversation(conversationId);
    await omar.client.openConversation(conversationId);
    await omar.client.assign('u-omar');
    // Olga's view may still say "unassigned": her compare-and-set fails with who has it.
    const ack = await olga.client.assign('u-olga');
    if (ack?.ok) {
      // Omar's event arrived first and Olga's expectation was right: then it is a handover.
      expect(ack.conversation.assignee?.id).toBe('u-olga');
    } else {
      expect(olga.errors.at(-1)).toMatchObject({ code: 'CONFLICT', assignee: { id: 'u-omar' } });
    }
  });

  it('catches up after its connection drops: what changed meanwhile, and the open thread from its last seq', async () => {
    const { socket: visitor, conversationId } = await visitorSays('before the drop');
    const { client } = withCookie('olga');
    await expect.poll(() => client.status).toBe('online');
    await client.openConversation(conversationId);

    // The server drops Olga's connection; while she is away, things happen.
    const serverSide = [...running.chat.io.of('/operators').sockets.values()].filter(
      (s) => (s.data as unknown as OperatorSocketData).operatorId === 'u-olga',
    );
    for (const socket of serverSide) socket.conn.close();
    await expect.poll(() => client.status).toBe('offline');
    await request(visitor, 'message', { inbox: 'support', message: 'while you were away', clientId: clientId() });
    const elsewhere = await visitorSays('a new conversation meanwhile');
    await running.chat.conversations.setStatus(elsewhere.conversationId, 'resolved');

    await expect.poll(() => client.status, { timeout: 10_000 }).toBe('online');
    await expect.poll(() => client.open?.messages.messages.map((m) => m.message)).toEqual(['before the drop', 'while you were away']);
    await expect.poll(() => client.get(elsewhere.conversationId)?.status).toBe('resolved');
    // Nothing twice.
    const ids = client.open!.messages.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("shows the visitor's saved name in every list and the open thread at once, and after a reload", async () => {
    const { socket: visitor, conversationId } = await visitorSays('Hello, I am still a guest');
    const { client } = withCookie('olga');
    await expect.poll(() => client.status).toBe('online');
    await client.openConversation(conversationId);
    const guestName = client.get(conversationId)!.visitor.name;
    expect(guestName).toMatch(/^Guest /);

    const saved = await request<{ ok: boolean }>(visitor, 'userDetails', { name: 'Dana Walker', email: 'dana@example.com', phone: '+44 20 7946 0000' });
    expect(saved.ok).toBe(true);
    await expect.poll(() => client.get(conversationId)?.visitor.name).toBe('Dana Walker');
    await expect.poll(() => client.open?.visitor).toMatchObject({ name: 'Dana Walker', email: 'dana@example.com', phone: '+442079460000', phoneDisplay: '+44 20 7946 0000' });

    // A fresh inbox (a reload) lists the new name too: it is stored, not only announced.
    const reloaded = withCookie('omar').client;
    await expect.poll(() => reloaded.get(conversationId)?.visitor.name).toBe('Dana Walker');
  });
});

/** An OperatorClient whose handshake carries the test's operator cookie. */
function withCookie(who: string) {
  const errors: ChatErrorPayload[] = [];
  const client = new OperatorClient(
    // In Node the cookie a browser would send goes in as a header.
    { server: running.url, basePath: '/chat', socketOptions: { extraHeaders: { cookie: `operator=${who}` } } },
    { change: () => {}, message: () => {}, error: (error) => errors.push(error) },
  );
  client.connect();
  onCleanup(() => client.disconnect());
  return { client, errors };
}
