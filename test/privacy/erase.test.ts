import type mongoose from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ErasedCounts, VisitorExport } from 'parley-chat';
import { clientId, collect, connectMongo, nextEvent, request, settle, startChat, type ChatClient, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions, type OperatorClient } from '../support/operators.js';

// Export and erasure of a visitor, through real sockets, two chat nodes on one MongoDB (the
// jongodb emulator on machines without mongod) and GridFS for files.

let db: mongoose.Connection;
let running: RunningChat;
let otherNode: RunningChat;

beforeAll(async () => {
  db = await connectMongo();
  const options = {
    mongoose: db,
    operators: operatorsOptions({ inboxes: ['support', 'sales'] }),
    files: {},
    privacy: { consent: { required: false, version: '2026-12' }, visitorsCanDeleteConversations: true },
  };
  running = await startChat(options);
  otherNode = await startChat(options);
});

/** Everything the chat stores, as text: every document of every chat collection, GridFS bytes included. */
async function everythingStored(): Promise<string> {
  const parts: string[] = [];
  for (const name of await chatCollections()) {
    for (const doc of await db.collection(name).find({}).toArray()) {
      parts.push(name.endsWith('.chunks') ? Buffer.from((doc.data as { buffer: Uint8Array }).buffer).toString('utf8') : JSON.stringify(doc));
    }
  }
  return parts.join('\n');
}

/** Every collection of the chat: listed by the server, or (the emulator cannot list them) every one the chat has. */
async function chatCollections(): Promise<string[]> {
  const known = ['messages', 'users', 'consents', 'conversations', 'counters', 'counts', 'visitors', 'leases', 'file_records', 'files.files', 'files.chunks'];
  const listed = await db.db!.listCollections().toArray().catch(() => null);
  return listed ? listed.map(({ name }) => name).filter((name) => name.startsWith('chat_')) : known.map((name) => `chat_${name}`);
}

async function uploadText(chat: RunningChat, token: string, text: string, name: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([text], { type: 'text/plain' }), name);
  const response = await fetch(`${chat.url}/chat/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { file: { id: string } }).file.id;
}

interface Visitor {
  client: ChatClient;
  secrets: string[];
  conversationId: string;
}

/** A visitor who leaves every kind of trace: details, consent, room and conversation messages, a file. */
let phones = 10;

async function visitorWithTraces(label: string, chat = running): Promise<Visitor> {
  const client = await chat.connect();
  const name = `Zelda ${label}quist`;
  const email = `zelda.${label}@example.com`;
  const phone = `+4420794609${phones++}`;
  const roomText = `room words of ${label} 7781`;
  const conversationText = `my order ${label}-4411 is late`;
  const fileText = `invoice body of ${label} 9921`;
  expect((await request(client, 'consent', { version: '2026-12' })).ok).toBe(true);
  expect((await request(client, 'userDetails', { name, email, phone })).ok).toBe(true);
  await request(client, 'join', { room: 'lobby' });
  await request(client, 'join', { inbox: 'support' });
  expect((await request(client, 'message', { room: 'lobby', message: roomText, clientId: clientId() })).ok).toBe(true);
  const fileId = await uploadText(chat, client.session.token, fileText, `${label}-invoice.txt`);
  const sent = await request(client, 'message', { inbox: 'support', message: conversationText, clientId: clientId(), files: [fileId] });
  expect(sent.ok).toBe(true);
  return { client, secrets: [name, email, phone, roomText, conversationText, fileText], conversationId: sent.conversation.id };
}

const zero: ErasedCounts = { messages: 0, conversations: 0, files: 0, users: 0, consents: 0 };

describe('erasing a visitor', () => {
  it('exports every trace first, then leaves none of them anywhere, keeps seqs, and tells every client', async () => {
    const zelda = await visitorWithTraces('ann');
    const other = await visitorWithTraces('bob');
    const olga = await connectOperator(running.url, 'olga');
    const reply = await request(olga, 'message', { conversationId: zelda.conversationId, message: `Hello Zelda annquist, we are on it`, clientId: clientId() });
    expect(reply.ok).toBe(true);
    expect((await request(olga, 'message', { conversationId: zelda.conversationId, message: 'Customer zelda.ann@example.com is a VIP', note: true, clientId: clientId() })).ok).toBe(true);
    // Someone else in the room sees the erasure of the room message.
    const watcher = await running.connect();
    await request(watcher, 'join', { room: 'lobby' });
    const roomErased = collect(watcher, 'erased');
    const forgotten = nextEvent(zelda.client, 'forgotten');
    const disconnected = nextEvent(zelda.client, 'disconnect');
    const deleted = nextEvent(olga, 'conversationDeleted');

    const stored = await everythingStored();
    for (const secret of zelda.secrets) expect(stored).toContain(secret);

    const exported: VisitorExport = JSON.parse(JSON.stringify(await running.chat.privacy.exportVisitor(zelda.client.session.visitorId)));
    const exportText = JSON.stringify(exported);
    for (const secret of zelda.secrets.filter((secret) => !secret.startsWith('invoice body'))) expect(exportText).toContain(secret);
    expect(exported.user).toMatchObject({ name: 'Zelda annquist', email: 'zelda.ann@example.com', phone: zelda.secrets[2] });
    expect(exported.consents).toEqual([expect.objectContaining({ version: '2026-12', address: '127.0.0.0/24' })]);
    expect(exported.conversations).toHaveLength(1);
    expect(exported.conversations[0]!.messages.map((message) => message.message)).toEqual(['my order ann-4411 is late', 'Hello Zelda annquist, we are on it']);
    expect(exported.conversations[0]!.notes.map((note) => note.message)).toEqual(['Customer zelda.ann@example.com is a VIP']);
    expect(exported.roomMessages).toEqual([expect.objectContaining({ room: 'lobby', message: 'room words of ann 7781' })]);
    expect(exportText).not.toContain('bob');
    // Each file can be read from its signed URL, bytes and all.
    expect(exported.files).toHaveLength(1);
    const file = await fetch(`${running.url}${exported.files[0]!.url}`);
    expect(await file.text()).toBe('invoice body of ann 9921');

    const removed = await running.chat.privacy.eraseVisitor(zelda.client.session.visitorId);
    expect(removed).toEqual({ messages: 4, conversations: 1, files: 1, users: 1, consents: 1 });
    await forgotten;
    await disconnected;
    expect(await deleted).toEqual({ conversationId: zelda.conversationId, inbox: 'support' });
    await settle();
    expect(roomErased).toEqual([{ room: 'lobby', seqs: [1] }]);

    const after = await everythingStored();
    for (const secret of zelda.secrets) expect(after).not.toContain(secret);
    expect(after).not.toContain('Zelda annquist');
    // The other visitor's traces are all there.
    for (const secret of other.secrets) expect(after).toContain(secret);

    // The room keeps its seqs: a tombstone holds the erased message's place.
    const lobby = await request(watcher, 'history', { room: 'lobby', before: 100 });
    expect(lobby.messages.map((message: ChatMessage) => [message.seq, message.message, message.erased ?? false])).toEqual([
      [1, '', true],
      [2, 'room words of bob 7781', false],
    ]);
    expect(lobby.messages[0].sender.name).toBe('');

    // The token stops working: it now makes a new visitor.
    const back = await running.connect({ auth: { token: zelda.client.session.token } });
    expect(back.session.visitorId).not.toBe(zelda.client.session.visitorId);
    const upload = await fetch(`${running.url}/chat/files`, { method: 'POST', body: new FormData(), headers: { authorization: `Bearer ${zelda.client.session.token}` } });
    expect(upload.status).not.toBe(200);

    // Twice is harmless, and finds nothing more.
    expect(await running.chat.privacy.eraseVisitor(zelda.client.session.visitorId)).toEqual(zero);
    expect(await otherNode.chat.privacy.exportVisitor(zelda.client.session.visitorId)).toMatchObject({ user: null, consents: [], conversations: [], roomMessages: [], files: [] });
  });

  it('erases on two nodes at once without error, and nothing is left', async () => {
    const yara = await visitorWithTraces('cat', otherNode);
    const { visitorId } = yara.client.session;
    const [first, second] = await Promise.all([running.chat.privacy.eraseVisitor(visitorId), otherNode.chat.privacy.eraseVisitor(visitorId)]);
    // Each piece was removed once, by one of the two.
    expect(first.users + second.users).toBe(1);
    expect(first.conversations + second.conversations).toBe(1);
    const after = await everythingStored();
    for (const secret of yara.secrets) expect(after).not.toContain(secret);
  });

  it('anonymises instead: the team keeps the conversation, without the visitor in it', async () => {
    const xena = await visitorWithTraces('dan');
    const omar = await connectOperator(running.url, 'omar');
    await request(omar, 'message', { conversationId: xena.conversationId, message: 'Thanks Zelda danquist! Refund sent.', clientId: clientId() });
    await request(omar, 'message', { conversationId: xena.conversationId, message: 'zelda.dan@example.com called twice', note: true, clientId: clientId() });
    const opened = await request(omar, 'open', { conversationId: xena.conversationId });
    expect(opened.ok).toBe(true);
    const erased = nextEvent(omar, 'erased');

    const removed = await running.chat.privacy.eraseVisitor(xena.client.session.visitorId, { mode: 'anonymize' });
    expect(removed).toMatchObject({ conversations: 1, files: 1, users: 1, consents: 1 });
    expect(await erased).toEqual({ conversationId: xena.conversationId, seqs: [1] });

    const view = await request(omar, 'open', { conversationId: xena.conversationId });
    expect(view.conversation.visitor.name).toBe('Erased visitor');
    // The list's last message is the team's answer, without the name in it.
    expect(view.conversation.lastMessage).toMatchObject({ seq: 2, message: 'Thanks [erased]! Refund sent.' });
    expect(view.conversation.visitor.id).not.toBe(xena.client.session.visitorId);
    expect(view.messages.map((message: ChatMessage) => [message.message, message.erased ?? false])).toEqual([
      ['', true],
      ['Thanks [erased]! Refund sent.', false],
    ]);
    expect(view.notes.map((note: ChatMessage) => note.message)).toEqual(['[erased] called twice']);
    expect(view.visitor).toMatchObject({ name: 'Erased visitor', email: '', phone: '' });
    const after = await everythingStored();
    for (const secret of xena.secrets) expect(after).not.toContain(secret);
  });
});

describe('erasing a visitor who wrote last', () => {
  it('leaves a tombstone as the conversation’s last message', async () => {
    const yves = await visitorWithTraces('gus');
    await running.chat.privacy.eraseVisitor(yves.client.session.visitorId, { mode: 'anonymize' });
    const otto = await connectOperator(running.url, 'otto');
    const { conversation } = await request(otto, 'open', { conversationId: yves.conversationId });
    expect(conversation.lastMessage).toMatchObject({ seq: 1, message: '', erased: true, sender: { name: '', role: 'visitor' } });
    expect(conversation.lastMessage.files).toBeUndefined();
  });
});

describe('the team’s privacy events', () => {
  async function ask(operator: OperatorClient, event: string, payload: unknown) {
    return request(operator, event, payload);
  }

  it('need the privacy permission and an inbox the operator reads; hostile payloads get VALIDATION', async () => {
    const wren = await visitorWithTraces('eve');
    const olga = await connectOperator(running.url, 'olga');
    const paz = await connectOperator(running.url, 'paz');
    const pia = await connectOperator(otherNode.url, 'pia');
    expect(olga.session.can).toEqual([]);
    expect(pia.session.can).toEqual(['privacy']);

    expect(await ask(olga, 'exportVisitor', { conversationId: wren.conversationId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await ask(olga, 'eraseVisitor', { conversationId: wren.conversationId })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // Another inbox's conversation is not there for them.
    expect(await ask(paz, 'exportVisitor', { conversationId: wren.conversationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    for (const payload of [{}, { conversationId: { $ne: null } }, { conversationId: wren.conversationId, mode: 'shred' }, 'x', null]) {
      expect(await ask(pia, 'eraseVisitor', payload)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    // Nothing was erased by any of that.
    expect(await everythingStored()).toContain('my order eve-4411 is late');

    const exported = await ask(pia, 'exportVisitor', { conversationId: wren.conversationId });
    expect(exported.ok).toBe(true);
    expect(exported.export.user.email).toBe('zelda.eve@example.com');
    const erased = await ask(pia, 'eraseVisitor', { conversationId: wren.conversationId, mode: 'delete' });
    expect(erased).toMatchObject({ ok: true, removed: { conversations: 1, users: 1 } });
    expect(await ask(pia, 'exportVisitor', { conversationId: wren.conversationId })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('are refused for a visitor who also writes to an inbox the operator does not read', async () => {
    const both = await visitorWithTraces('jon');
    await request(both.client, 'join', { inbox: 'sales' });
    const inSales = await request(both.client, 'message', { inbox: 'sales', message: 'a quote please', clientId: clientId() });
    const paz = await connectOperator(running.url, 'paz');
    for (const event of ['exportVisitor', 'eraseVisitor']) {
      expect(await ask(paz, event, { conversationId: inSales.conversation.id })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(await everythingStored()).toContain('my order jon-4411 is late');
    // Someone who reads every inbox may.
    const pia = await connectOperator(running.url, 'pia');
    expect(await ask(pia, 'exportVisitor', { conversationId: inSales.conversation.id })).toMatchObject({ ok: true });
  });

  it('refuses visitor ids that are not ones the chat gives out', async () => {
    for (const id of ['', 'v_short', { $gt: '' }, 'erased:abc', 'user:']) {
      await expect(running.chat.privacy.eraseVisitor(id as string)).rejects.toThrow(TypeError);
      await expect(running.chat.privacy.exportVisitor(id as string)).rejects.toThrow(TypeError);
    }
  });
});

describe('erasure and deletion cut short', () => {
  it('are finished by the next sweep: an erasure that stopped half way, a conversation whose messages stayed', async () => {
    const cut = await visitorWithTraces('hal');
    const { visitorId } = cut.client.session;
    // As a node that died just after the erasure began leaves it.
    await running.chat.store.markErased(visitorId, new Date(Date.now() - 60 * 60 * 1000), 'delete');
    // As a node that died just after deleting a conversation leaves it: its messages still there.
    const left = await visitorWithTraces('ivy');
    const record = (await running.chat.store.getConversation(left.conversationId))!;
    await running.chat.store.beginDeletion({ conversationId: record.id, inbox: record.inbox, at: new Date(Date.now() - 60 * 60 * 1000) });
    expect(await running.chat.store.deleteConversation(record)).toBe(true);
    expect(await everythingStored()).toContain('my order ivy-4411 is late');

    const swept = await otherNode.chat.privacy.sweep();
    expect(swept.ran).toBe(true);
    const after = await everythingStored();
    for (const secret of cut.secrets) expect(after).not.toContain(secret);
    expect(after).not.toContain('my order ivy-4411 is late');
    expect(after).not.toContain('invoice body of ivy 9921');
    // Ended; the deletions of a moment ago stay noted until no message can land late in them.
    const pending = await running.chat.store.pendingDeletions(new Date(Date.now() + 60_000), 100);
    expect(pending.map((deletion) => deletion.conversationId)).not.toContain(record.id);
    expect((await running.chat.store.visitorActivity(visitorId))?.erasing).toBeNull();
  });

  it('keeps a user of the host out while their erasure is under way, and lets them start afresh after', async () => {
    const hostChat = await startChat({
      mongoose: db,
      identify: ({ headers }) => (headers['x-user'] === 'u-42' ? { id: 'u-42', name: 'Member' } : null),
    });
    const headers = { extraHeaders: { 'x-user': 'u-42' } };
    const member = await hostChat.connect(headers);
    expect(member.session.visitorId).toBe('user:u-42');
    await hostChat.chat.store.markErased('user:u-42', new Date(), 'delete');
    const refused = await hostChat.connect(headers).then(
      () => null,
      (error: Error & { data?: unknown }) => error.data,
    );
    expect(refused).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    await hostChat.chat.store.markErased('user:u-42', new Date(), null);
    expect((await hostChat.connect(headers)).session.visitorId).toBe('user:u-42');
  });
});

describe('a visitor deleting their conversation', () => {
  it('deletes it whole for every tab and the team; the next message starts a new one', async () => {
    const vic = await visitorWithTraces('fay');
    const tab = await running.connect({ auth: { token: vic.client.session.token } });
    await request(tab, 'join', { inbox: 'support' });
    expect(vic.client.session.canDeleteConversation).toBe(true);
    const olga = await connectOperator(running.url, 'olga');
    const told = nextEvent(tab, 'conversationDeleted');
    const toldTeam = nextEvent(olga, 'conversationDeleted');

    expect(await request(vic.client, 'deleteConversation', { inbox: { $ne: '' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await request(vic.client, 'deleteConversation', { inbox: 'support' })).toEqual({ ok: true, deleted: true });
    expect(await told).toEqual({ inbox: 'support' });
    expect(await toldTeam).toEqual({ conversationId: vic.conversationId, inbox: 'support' });
    expect(await request(vic.client, 'deleteConversation', { inbox: 'support' })).toEqual({ ok: true, deleted: false });
    const stored = await everythingStored();
    expect(stored).not.toContain('my order fay-4411 is late');
    expect(stored).not.toContain('invoice body of fay 9921');
    // Their details and room messages are theirs to keep: only the conversation went.
    expect(stored).toContain('room words of fay 7781');

    const again = await request(tab, 'message', { inbox: 'support', message: 'one more question', clientId: clientId() });
    expect(again.ok).toBe(true);
    expect(again.conversation.id).not.toBe(vic.conversationId);
    const joined = await request(vic.client, 'join', { inbox: 'support' });
    expect(joined.messages.map((message: ChatMessage) => message.message)).toEqual(['one more question']);
  });

  it('is refused where the host does not allow it', async () => {
    const plain = await startChat({ mongoose: db, operators: operatorsOptions(), collectionPrefix: 'plain_' });
    const visitor = await plain.connect();
    expect(visitor.session.canDeleteConversation).toBeUndefined();
    await request(visitor, 'join', { inbox: 'support' });
    expect((await request(visitor, 'message', { inbox: 'support', message: 'keep me', clientId: clientId() })).ok).toBe(true);
    expect(await request(visitor, 'deleteConversation', { inbox: 'support' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
