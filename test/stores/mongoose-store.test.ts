import mongoose, { type Connection } from 'mongoose';
import { beforeAll, describe, expect, it } from 'vitest';
import { ChatError, MongooseStore } from 'parley-chat';
import { connectMongo, mongoInfo } from '../support/harness.js';
import { describeStoreContract } from './store-contract.js';

let connection: Connection;
let store: MongooseStore;

beforeAll(async () => {
  connection = await connectMongo();
  store = new MongooseStore({ mongoose: connection });
});

describeStoreContract('MongooseStore', async () => store);

describe('MongooseStore: a retry finishes what its first attempt left undone', () => {
  it("stores a room message under the seq its first attempt took, when that attempt failed before storing it", async () => {
    await store.init();
    const room = `unfinished-${Date.now()}`;
    const sender = { id: 'v_claimer', name: 'Claire', role: 'visitor' as const };
    await store.appendMessage({ room, sender, message: 'first', clientId: 'ok-1', timestamp: new Date() });
    // The first attempt took seq 2 for stuck-1, and its node died before the insert.
    const id = new mongoose.Types.ObjectId();
    await connection.collection('chat_counters').updateOne({ _id: room as never }, { $inc: { seq: 1 }, $set: { lastKey: 'v_claimer\u0000stuck-1', lastId: id.toString() } });
    expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => m.message)).toEqual(['first']);
    const retried = await store.appendMessage({ room, sender, message: 'stuck', clientId: 'stuck-1', timestamp: new Date() }, { retry: true });
    expect(retried).toMatchObject({ duplicate: false, message: { id: id.toString(), seq: 2, message: 'stuck' } });
    const again = await store.appendMessage({ room, sender, message: 'stuck', clientId: 'stuck-1', timestamp: new Date() });
    expect(again).toMatchObject({ duplicate: true, message: { id: id.toString(), seq: 2 } });
    expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => m.seq)).toEqual([1, 2]);
    expect((await store.appendMessage({ room, sender, message: 'next', clientId: 'ok-2', timestamp: new Date() })).message.seq).toBe(3);
  });

  it("stores a conversation message under the seq its first attempt folded in, and tells what that attempt changed", async () => {
    await store.init();
    const inbox = `unfinished-${Date.now()}`;
    const visitor = { id: 'v_stuck', name: 'Stu' };
    const say = (text: string, clientId: string, retry = false) =>
      store.appendToConversation(
        { inbox, visitor },
        { sender: { ...visitor, role: 'visitor' }, message: text, clientId, timestamp: new Date('2026-05-06T07:08:09.000Z') },
        { retry },
      );
    const first = (await say('hello', 'c-1'))!;
    await store.updateConversation(first.conversation.id, first.conversation.version, { status: 'resolved' });
    // The visitor's next message reopened it and took seq 2; the node died before the insert.
    const id = new mongoose.Types.ObjectId().toString();
    await connection.collection('chat_conversations').updateOne(
      { _id: first.conversation.id as never },
      {
        $inc: { seq: 1, unread: 1 },
        $set: {
          status: 'open',
          lastKey: 'v_stuck\u0000c-2',
          reopenedBy: 'v_stuck\u0000c-2',
          waitingSince: new Date('2026-05-06T07:08:09.000Z'),
          lastMessage: { id, sender: { ...visitor, role: 'visitor' }, message: 'me again', clientId: 'c-2', timestamp: new Date() },
        },
      },
    );
    const finished = (await say('me again', 'c-2', true))!;
    expect(finished).toMatchObject({ duplicate: false, changed: { created: false, reopened: true }, message: { id, seq: 2 } });
    expect(finished.conversation).toMatchObject({ status: 'open', unread: 2, lastMessage: { id, seq: 2 } });
    const repeated = (await say('me again', 'c-2'))!;
    expect(repeated).toMatchObject({ duplicate: true, changed: null, message: { id, seq: 2 } });
    expect((await say('third', 'c-3'))!.message.seq).toBe(3);
  });

  it('moves a message to a fresh seq when the one it drew is already taken, rather than failing it', async () => {
    await store.init();
    const room = `taken-${Date.now()}`;
    const sender = { id: 'v_drawer', name: 'Dora', role: 'visitor' as const };
    await store.appendMessage({ room, sender, message: 'first', clientId: 'draw-1', timestamp: new Date() });
    // Seq 2 already stored, as a counter that handed it out twice would leave it.
    await connection.collection('chat_messages').insertOne({ room, seq: 2, sender, message: 'twin', clientId: 'draw-twin', timestamp: new Date() });
    const next = await store.appendMessage({ room, sender, message: 'second', clientId: 'draw-2', timestamp: new Date() });
    expect(next).toMatchObject({ duplicate: false, message: { seq: 3, message: 'second' } });
    expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => [m.seq, m.message])).toEqual([
      [1, 'first'],
      [2, 'twin'],
      [3, 'second'],
    ]);
  });
});

describe('MongooseStore in a host app', () => {
  it('registers prefixed models on the given connection only', async () => {
    expect(Object.keys(connection.models).sort()).toEqual(['chat_consents', 'chat_conversations', 'chat_counters', 'chat_counts', 'chat_deletions', 'chat_leases', 'chat_messages', 'chat_users', 'chat_visitors']);
    expect(connection.models.chat_messages!.collection.collectionName).toBe('chat_messages');
    expect(mongoose.modelNames()).toEqual([]);
  });

  it('creates the unique indexes that de-duplication and ordering rely on', async () => {
    await store.init();
    const indexes = await connection.collection('chat_messages').listIndexes().toArray();
    const unique = indexes.filter((index) => index.unique).map((index) => index.key);
    expect(unique).toContainEqual({ room: 1, seq: 1 });
    expect(unique).toContainEqual({ room: 1, 'sender.id': 1, clientId: 1 });
    const userIndexes = await connection.collection('chat_users').listIndexes().toArray();
    expect(userIndexes.find((index) => index.key.visitorId === 1)?.unique).toBe(true);
  });

  it('leaves a host model named User alone, and honours another prefix', async () => {
    const User = connection.model('User', new mongoose.Schema({ username: String, email: String }));
    await User.create({ username: 'host-user', email: 'host@example.com' });
    const prefixed = new MongooseStore({ mongoose: connection, prefix: 'support_' });
    await prefixed.init();
    await prefixed.saveUserDetails('v_x', { name: 'Visitor', email: 'visitor@example.com', phone: '' });
    expect(Object.keys(connection.models)).toEqual(expect.arrayContaining(['User', 'support_users']));
    expect(connection.models.support_users!.collection.collectionName).toBe('support_users');
    const hostUsers = await User.find().lean();
    expect(hostUsers).toHaveLength(1);
    expect(hostUsers[0]).toMatchObject({ username: 'host-user', email: 'host@example.com' });
    expect(await connection.collection('users').countDocuments()).toBe(1);
  });

  it('reuses its own models on the same connection and refuses a foreign model under its name', () => {
    expect(() => new MongooseStore({ mongoose: connection })).not.toThrow();
    connection.model('taken_messages', new mongoose.Schema({ x: String }));
    expect(() => new MongooseStore({ mongoose: connection, prefix: 'taken_' })).toThrow(/pass a different `prefix`/);
  });

  it('refuses a bad prefix or something that is not a connection, saying what to pass', () => {
    expect(() => new MongooseStore({ mongoose: connection, prefix: 'x; drop' })).toThrow(/prefix/);
    expect(() => new MongooseStore({ mongoose: {} as never })).toThrow(/Mongoose Connection/);
  });

  it('answers STORAGE_UNAVAILABLE at once when the connection is down, and never closes it itself', async () => {
    const { uri } = mongoInfo();
    const own = await mongoose.createConnection(uri, { dbName: connection.name, autoCreate: false }).asPromise();
    const downStore = new MongooseStore({ mongoose: own });
    await downStore.init();
    await own.close();
    const started = Date.now();
    const error = await downStore
      .appendMessage({ room: 'r', sender: { id: 'v', name: 'n', role: 'visitor' }, message: 'm', clientId: 'c', timestamp: new Date() })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(downStore.ping()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    expect(connection.readyState).toBe(1);
  });
});
