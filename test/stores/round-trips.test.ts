import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { InboxMessageAck, MessageAck, OperatorMessageAck } from 'parley-chat';
import { clientId, onCleanup, request, startChat, mongoInfo, type RunningChat } from '../support/harness.js';
import { connectOperator, operatorsOptions } from '../support/operators.js';

// MongoDB commands per message, counted by the driver's command monitoring on the chat's own
// connection, through the whole server path (socket event to acknowledgement). Counts, not
// timings: they are the same on any machine.

let connection: Connection;
let chat: RunningChat;
const commands: string[] = [];

beforeAll(async () => {
  const { uri, emulated } = mongoInfo();
  connection = await mongoose
    .createConnection(uri, { dbName: `parley_trips_${randomBytes(6).toString('hex')}`, autoCreate: false, autoIndex: false, monitorCommands: true })
    .asPromise();
  onCleanup(async () => {
    if (!emulated) await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  });
  connection.getClient().on('commandStarted', (event) => {
    if (!['hello', 'isMaster', 'ismaster', 'endSessions'].includes(event.commandName)) commands.push(event.commandName);
  });
  chat = await startChat({ mongoose: connection, operators: operatorsOptions() });
});

/** The commands `work` sends. */
async function counted(work: () => Promise<unknown>): Promise<string[]> {
  commands.length = 0;
  await work();
  return [...commands];
}

describe('MongoDB round trips per message, first attempt', () => {
  it('a room message: 2 (its seq from the room counter, then the message)', async () => {
    const visitor = await chat.connect();
    await request(visitor, 'join', { room: 'trips' });
    await request(visitor, 'message', { room: 'trips', message: 'warm up', clientId: clientId() });
    const sent = await counted(async () => {
      const ack: MessageAck = await request(visitor, 'message', { room: 'trips', message: 'counted', clientId: clientId() });
      expect(ack.ok).toBe(true);
    });
    expect(sent).toEqual(['findAndModify', 'insert']);
    // A retry the client marks as one costs a read, and takes no seq.
    const id = clientId();
    await request(visitor, 'message', { room: 'trips', message: 'once', clientId: id });
    const retried = await counted(() => request(visitor, 'message', { room: 'trips', message: 'once', clientId: id, retry: true }));
    expect(retried).toEqual(['find']);
  });

  it("a visitor's message in their conversation: 3 when it starts their wait or their conversation, else 2", async () => {
    const visitor = await chat.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const first = await counted(async () => {
      const ack: InboxMessageAck = await request(visitor, 'message', { inbox: 'support', message: 'Hello?', clientId: clientId() });
      expect(ack.ok).toBe(true);
    });
    // The conversation (with the message folded in), the message, the inbox's counts.
    expect(first).toEqual(['insert', 'insert', 'update']);
    const next = await counted(() => request(visitor, 'message', { inbox: 'support', message: 'Anyone?', clientId: clientId() }));
    expect(next).toEqual(['findAndModify', 'insert']);
    const operator = await connectOperator(chat.url, 'olga');
    const { conversation } = (await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Still here', clientId: clientId() })) as Extract<InboxMessageAck, { ok: true }>;
    await request(operator, 'message', { conversationId: conversation.id, message: 'Hi!', clientId: clientId() });
    // After an answer, the visitor's next message starts a new wait.
    const waiting = await counted(() => request(visitor, 'message', { inbox: 'support', message: 'Thanks', clientId: clientId() }));
    expect(waiting).toEqual(['findAndModify', 'insert', 'update']);
  });

  it("an operator's reply: 3 (its seq and the summary, the message, the read mark it moves)", async () => {
    const visitor = await chat.connect();
    await request(visitor, 'join', { inbox: 'support' });
    const { conversation } = (await request<InboxMessageAck>(visitor, 'message', { inbox: 'support', message: 'Help', clientId: clientId() })) as Extract<InboxMessageAck, { ok: true }>;
    const operator = await connectOperator(chat.url, 'omar');
    const reply = await counted(async () => {
      const ack: OperatorMessageAck = await request(operator, 'message', { conversationId: conversation.id, message: 'Here', clientId: clientId() });
      expect(ack).toMatchObject({ ok: true, conversation: { operatorReadSeq: 2, unread: 0, waitingSince: null } });
    });
    expect(reply).toEqual(['findAndModify', 'insert', 'update']);
    const note = await counted(() => request(operator, 'message', { conversationId: conversation.id, message: 'Asked twice', clientId: clientId(), note: true }));
    expect(note).toEqual(['findAndModify', 'insert']);
  });
});
