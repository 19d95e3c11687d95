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

describe('MongooseStore message claims', () => {
  it('finishes a claim its request abandoned (it failed before setting the seq) when the message is retried', async () => {
    await store.init();
    const room = `abandoned-${Date.now()}`;
    const sender = { id: 'v_claimer', name: 'Claire', role: 'visitor' as const };
    await store.appendMessage({ room, sender, message: 'first', clientId: 'ok-1', timestamp: new Date() });
    // A claim from a minute ago that never got its seq: the node died between the two writes.
    const aMinuteAgo = mongoose.Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 60);
    await connection.collection('chat_messages').insertOne({
      _id: aMinuteAgo,
      room,
      seq: -12345,
      sender,
      message: 'stuck',
      clientId: 'stuck-1',
      timestamp: new Date(),
    });
    expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => m.message)).toEqual(['first']);
    const retried = await store.appendMessage({ room, sender, message: 'stuck', clientId: 'stuck-1', timestamp: new Date() });
    expect(retried).toMatchObject({ duplicate: true, message: { seq: 2, message: 'stuck' } });
    expect((await store.listMessages({ room, limit: 10 })).messages.map((m) => m.seq)).toEqual([1, 2]);
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
    expect(Object.keys(connection.models).sort()).toEqual(['chat_conversations', 'chat_counters', 'chat_messages', 'chat_users']);
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
