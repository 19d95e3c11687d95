import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatMessage, ConversationSummary, DeltaEvent, InboxJoinAck, InboxMessageAck, VisitorConversation } from 'parley-chat';
import { withDatabase } from '../../demo/mongodb.js';
import { clientId, collect, connectClient, connectMongo, mongoInfo, request, SECRET, settle, type ChatClient } from '../support/harness.js';
import { connectOperator, type OperatorClient } from '../support/operators.js';
import { startNodeProcess, stopProcess, type RunningProcess } from '../support/processes.js';
import { REDIS_URL, redisAnswers } from '../support/redis.js';

// The assistant on chat nodes that are processes of their own, sharing MongoDB and Redis: one
// reply per visitor message whichever node hears it, deltas that cross nodes, a node killed
// mid-reply, and a person taking a conversation over on another node than the one writing the
// reply. Each node's `reply` is scripted (test/fixtures/scripted-assistant.mjs): known words, one
// at a time, and it prints when it starts and why it stopped.

const NODE = fileURLToPath(new URL('../fixtures/chat-node.mjs', import.meta.url));
const hasRedis = await redisAnswers("the assistant's multi-node tests");

/** `word1 word2 … wordN`: what every scripted reply writes, one word at a time. */
const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i + 1}`).join(' ');
/** Short replies (20 words, 80 ms apart: about 1.6 s, some 16 deltas), for the nodes most tests use. */
const SHORT = { REPLY_TEXT: words(20), REPLY_EVERY_MS: '80' };
/** Replies that outlast what a test does to them (100 words, 100 ms apart: 10 s). */
const LONG = { REPLY_TEXT: words(100), REPLY_EVERY_MS: '100' };

type Node = { process: RunningProcess; port: number };

/** A visitor's tab joined to the support inbox, and everything it received. */
interface Tab {
  socket: ChatClient;
  messages: ChatMessage[];
  deltas: DeltaEvent[];
  conversations: VisitorConversation[];
}

describe.runIf(hasRedis)('the assistant on chat nodes in their own processes, over Redis (needs Redis)', () => {
  let db: Connection;
  const key = `parley-assistant-${randomBytes(6).toString('hex')}`;
  const nodes: Node[] = [];
  let a: Node;
  let b: Node;

  async function startNode(env: Record<string, string>): Promise<Node> {
    const process = await startNodeProcess(NODE, [], {
      ready: /listening (\d+)/,
      env: { MONGODB_URI: withDatabase(mongoInfo().uri, db.name), REDIS_URL, CHAT_KEY: key, CHAT_SECRET: SECRET, ...env },
      timeoutMs: 30_000,
    });
    const node = { process, port: Number(process.ready[1]) };
    nodes.push(node);
    return node;
  }

  beforeAll(async () => {
    db = await connectMongo();
    [a, b] = await Promise.all([startNode(SHORT), startNode(SHORT)]);
  });

  afterAll(() => {
    // Every node that was not killed on purpose lived through it all.
    for (const node of nodes) if (node.process.child.signalCode !== 'SIGKILL') expect(node.process.alive(), node.process.output()).toBe(true);
  });

  const nodeUrl = (node: Node) => `http://127.0.0.1:${node.port}`;

  /** A tab of a new visitor, or with `token` another tab of that visitor, connected straight to `node`. */
  async function tab(node: Node, token?: string): Promise<Tab> {
    const socket = await connectClient(nodeUrl(node), token ? { auth: { token } } : {});
    const received = { messages: collect<ChatMessage>(socket, 'message'), deltas: collect<DeltaEvent>(socket, 'delta'), conversations: collect<VisitorConversation>(socket, 'conversation') };
    const joined = await request<InboxJoinAck>(socket, 'join', { inbox: 'support' });
    expect(joined).toMatchObject({ ok: true, assistant: { name: 'Scripted Assistant' } });
    return { socket, ...received };
  }

  /** Olga of the team, on `node`, with every conversation summary she is sent. */
  async function olgaOn(node: Node): Promise<{ operator: OperatorClient; summaries: ConversationSummary[] }> {
    const operator = await connectOperator(nodeUrl(node), 'olga');
    return { operator, summaries: collect<ConversationSummary>(operator, 'conversation') };
  }

  async function say(tab: Tab, message: string, id = clientId(), retry = false) {
    const ack = await request<InboxMessageAck>(tab.socket, 'message', { inbox: 'support', message, clientId: id, ...(retry ? { retry: true } : {}) });
    if (!ack.ok) throw new Error(`${message}: ${ack.error.code} ${ack.error.message}`);
    return ack;
  }

  /** The first message `tab` received that passes `check`, waiting for it up to `timeout`. */
  async function received(tab: Tab, check: (message: ChatMessage) => boolean, timeout = 10_000): Promise<ChatMessage> {
    await expect.poll(() => tab.messages.some(check), { timeout, interval: 50 }).toBe(true);
    return tab.messages.find(check)!;
  }
  const replyStarted = (tab: Tab, answering: { id: string }) => received(tab, (m) => m.clientId === `reply-${answering.id}` && m.status === 'streaming');
  const replyEnded = (tab: Tab, reply: { id: string }, timeout?: number) => received(tab, (m) => m.id === reply.id && m.status !== 'streaming', timeout);
  /** How often `tab` was sent the end of `reply` (a `message` of its id that is not streaming). */
  const endings = (tab: Tab, reply: { id: string }) => tab.messages.filter((m) => m.id === reply.id && m.status !== 'streaming').length;

  /** The text the deltas of `reply` that `tab` received add up to; each must start where the last ended. */
  function streamed(tab: Tab, reply: { id: string }): { text: string; deltas: number } {
    let text = '';
    const deltas = tab.deltas.filter((delta) => delta.id === reply.id);
    for (const delta of deltas) {
      expect(delta).toMatchObject({ inbox: 'support', offset: text.length });
      text += delta.text;
    }
    return { text, deltas: deltas.length };
  }

  /** The lines `node` printed that start with `start` (see scripted-assistant.mjs for what it prints). */
  const printed = (node: Node, start: string) =>
    node.process
      .output()
      .split('\n')
      .filter((line) => line.startsWith(start));

  /** The reply as MongoDB has it now. */
  const storedReply = (reply: ChatMessage) => db.collection('chat_messages').findOne({ room: reply.room, seq: reply.seq });

  it('writes one reply per visitor message whichever node hears it, and every tab sees it stream, on any node', async () => {
    const first = await tab(a);
    const second = await tab(b, first.socket.session.token);

    // Written on A; retried on B while A writes the reply, and again once it is done.
    const id1 = clientId();
    const { message: m1, conversation } = await say(first, 'first question', id1);
    const conversationId = conversation.id;
    const r1 = await replyStarted(second, m1);
    expect((await say(second, 'first question', id1, true)).message.id).toBe(m1.id);
    await replyEnded(first, r1);
    await replyEnded(second, r1);
    await say(second, 'first question', id1, true);

    // Written on B: B writes the reply.
    const m2 = (await say(second, 'second question')).message;
    const r2 = await replyStarted(first, m2);
    await replyEnded(first, r2);
    await replyEnded(second, r2);

    // Sent on both nodes at once, as a retry racing the original.
    const id3 = clientId();
    const [m3] = await Promise.all([say(first, 'third question', id3), say(second, 'third question', id3, true)]).then((acks) => acks.map((ack) => ack.message));
    const r3 = await replyStarted(first, m3!);
    await replyEnded(first, r3);
    await replyEnded(second, r3);
    // Time for a second reply to any of them to start, were one coming.
    await settle(1000);

    // The store has one reply per visitor message, each answering its own, each whole.
    const room = `support/${conversationId}`;
    const stored = await db.collection('chat_messages').find({ room, seq: { $gt: 0 } }).sort({ seq: 1 }).toArray();
    expect(stored.map((doc) => [doc.sender.role, doc.clientId, doc.status ?? null])).toEqual([
      ['visitor', id1, null],
      ['assistant', `reply-${m1.id}`, 'complete'],
      ['visitor', m2.clientId, null],
      ['assistant', `reply-${m2.id}`, 'complete'],
      ['visitor', id3, null],
      ['assistant', `reply-${m3!.id}`, 'complete'],
    ]);
    for (const doc of stored.filter((doc) => doc.sender.role === 'assistant')) expect(doc.message).toBe(SHORT.REPLY_TEXT);
    if (!mongoInfo().emulated) expect(stored.map((doc) => doc.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    // And the model was asked three times in all, across both nodes: the first on A, the second on B.
    const started = (node: Node) => printed(node, `reply-start ${conversationId}`);
    expect([...started(a), ...started(b)]).toHaveLength(3);
    expect(started(a)[0]).toBe(`reply-start ${conversationId} "first question"`);
    expect(started(b)[0]).toBe(`reply-start ${conversationId} "second question"`);

    // Both tabs saw each reply start, stream and end once; the deltas of the reply written on the
    // other node came through Redis, and add up to the whole text.
    for (const [name, tab] of [['first', first], ['second', second]] as const) {
      for (const reply of [r1, r2, r3]) {
        expect(endings(tab, reply), `${name} tab, reply ${reply.seq}`).toBe(1);
        const { text, deltas } = streamed(tab, reply);
        expect(text, `${name} tab, reply ${reply.seq}`).toBe(SHORT.REPLY_TEXT);
        expect(deltas).toBeGreaterThan(5);
        expect(tab.messages.filter((m) => m.id === reply.id).map((m) => [m.seq, m.status, m.message])).toEqual([
          [reply.seq, 'streaming', ''],
          [reply.seq, 'complete', SHORT.REPLY_TEXT],
        ]);
      }
    }
  });

  it(
    'ends a reply whose node was killed mid-stream as interrupted, with the text it saved, and hands the conversation to the team',
    // A reply unmoved for 15 s is stale, and every node looks for such replies every 10 s: it ends
    // 15 to 25 s after the last save before the kill.
    { timeout: 40_000 },
    async () => {
      const victim = await startNode(LONG);
      const writer = await tab(victim);
      const watcher = await tab(b, writer.socket.session.token);
      const olga = await olgaOn(b);
      const asked = await say(writer, 'a long answer, please');
      const reply = await replyStarted(watcher, asked.message);
      // Long enough for the text so far to have been saved (about once a second).
      await expect.poll(async () => (await storedReply(reply))?.message ?? '', { timeout: 5000, interval: 200 }).toMatch(/^word1 word2 word3/);

      await stopProcess(victim.process.child, 'SIGKILL');
      // A save the node sent just before it died may still land.
      await settle(1000);
      const saved = await storedReply(reply);
      expect(saved).toMatchObject({ status: 'streaming' });
      expect(LONG.REPLY_TEXT.startsWith(saved!.message)).toBe(true);
      expect(saved!.message.length).toBeLessThan(LONG.REPLY_TEXT.length);
      // What the watcher saw stream reached at least what was saved.
      expect(streamed(watcher, reply).text.startsWith(saved!.message)).toBe(true);

      const ended = await replyEnded(watcher, reply, 28_000);
      expect(ended).toMatchObject({ seq: reply.seq, status: 'interrupted', message: saved!.message });
      await expect.poll(() => watcher.conversations.at(-1)?.handler, { timeout: 5000 }).toBe('waiting');
      await expect
        .poll(() => olga.summaries.filter((s) => s.id === asked.conversation.id).at(-1), { timeout: 5000 })
        .toMatchObject({ handler: 'waiting', handoff: { reason: 'error', by: 'assistant' }, waitingSince: expect.any(String) });
      await settle(300);
      expect(endings(watcher, reply)).toBe(1);
      expect(await storedReply(reply)).toMatchObject({ status: 'interrupted', message: saved!.message });
    },
  );

  /**
   * A reply is written on `writing`; Olga, on B, takes the conversation over mid-reply. The node
   * writing it must stop at once, told by B: its model aborted because the conversation was taken,
   * not because its next save found the reply ended by B's fallback.
   */
  async function takenOverFromB(writing: Node, text: string) {
    const writer = await tab(writing);
    const watcher = await tab(b, writer.socket.session.token);
    const olga = await olgaOn(b);
    const asked = await say(writer, 'can a person help?');
    const conversationId = asked.conversation.id;
    const reply = await replyStarted(watcher, asked.message);
    await expect.poll(() => streamed(watcher, reply).text, { timeout: 5000, interval: 50 }).toMatch(/^word1 word2 word3/);

    const taken = await request(olga.operator, 'assign', { conversationId, to: 'u-olga', expected: null });
    expect(taken).toMatchObject({ ok: true, conversation: { handler: 'operator', assignee: { id: 'u-olga' } } });
    const ended = await replyEnded(watcher, reply);
    expect(ended).toMatchObject({ seq: reply.seq, status: 'interrupted' });
    expect(printed(writing, `replyStopped heard ${conversationId}`)).toHaveLength(1);
    expect(printed(writing, `reply-aborted ${conversationId}`)).toEqual([`reply-aborted ${conversationId} taken`]);
    expect(printed(writing, `reply-done ${conversationId}`)).toEqual([]);
    // The end carries every word the node had: all it streamed, saved or not yet.
    expect(ended.message).not.toBe(text);
    expect(text.startsWith(ended.message)).toBe(true);
    expect(ended.message.startsWith(streamed(watcher, reply).text)).toBe(true);

    // The assistant stays silent: a person has the conversation.
    await say(watcher, 'thank you');
    await settle(500);
    expect([...printed(writing, `reply-start ${conversationId}`), ...printed(b, `reply-start ${conversationId}`)]).toHaveLength(1);
    expect(endings(watcher, reply)).toBe(1);
    expect(await storedReply(reply)).toMatchObject({ status: 'interrupted', message: ended.message });
  }

  it('stops a reply written on one node when an operator on another takes the conversation over (replyStopped)', async () => {
    await takenOverFromB(a, SHORT.REPLY_TEXT);
  });

  // The chat hears inter-node events on whichever Socket.IO server it runs on, the host's too:
  // the node writing the reply stops it at once, not B's fallback after 2 s.
  it("stops it likewise on a node that runs the chat on the host's own Socket.IO server (attach(io))", async () => {
    await takenOverFromB(await startNode({ ...LONG, HOST_IO: '1' }), LONG.REPLY_TEXT);
  });

  it('ends the reply 2 s after a takeover on another node when the node writing it never heard of it (replyStopped lost)', async () => {
    const deaf = await startNode({ ...LONG, LOSE_REPLY_STOPPED: '1' });
    const writer = await tab(deaf);
    const watcher = await tab(b, writer.socket.session.token);
    const olga = await olgaOn(b);
    const asked = await say(writer, 'can a person help?');
    const conversationId = asked.conversation.id;
    const reply = await replyStarted(watcher, asked.message);
    await expect.poll(async () => (await storedReply(reply))?.message ?? '', { timeout: 5000, interval: 200 }).toMatch(/^word1 word2 word3/);

    const taken = await request(olga.operator, 'assign', { conversationId, to: 'u-olga', expected: null });
    expect(taken).toMatchObject({ ok: true, conversation: { handler: 'operator' } });
    // Ended by B, with the text saved last; well before the reply would have ended on its own, or gone stale.
    const ended = await replyEnded(watcher, reply, 8000);
    expect(ended).toMatchObject({ seq: reply.seq, status: 'interrupted' });
    expect(ended.message).toMatch(/^word1 word2 word3/);
    expect(LONG.REPLY_TEXT.startsWith(ended.message)).toBe(true);
    // The node writing it did not hear of the takeover; it stops once its next save finds the reply ended.
    expect(printed(deaf, `replyStopped lost ${conversationId}`)).toHaveLength(1);
    await expect.poll(() => printed(deaf, `reply-aborted ${conversationId}`), { timeout: 3000 }).toEqual([`reply-aborted ${conversationId} ended elsewhere`]);
    expect(printed(deaf, `reply-done ${conversationId}`)).toEqual([]);
    await settle(300);
    expect(endings(watcher, reply)).toBe(1);
    // Nothing wrote over the end.
    expect(await storedReply(reply)).toMatchObject({ status: 'interrupted', message: ended.message });
  });

  // The fallback looks for a streaming reply among the conversation's latest messages, not only
  // the last one: the visitor may have written after it.
  it('ends it 2 s after a takeover it never heard of, also when the visitor wrote again while it was written', async () => {
    const deaf = await startNode({ ...LONG, LOSE_REPLY_STOPPED: '1' });
    const writer = await tab(deaf);
    const watcher = await tab(b, writer.socket.session.token);
    const olga = await olgaOn(b);
    const asked = await say(writer, 'can a person help?');
    const conversationId = asked.conversation.id;
    const reply = await replyStarted(watcher, asked.message);
    await expect.poll(async () => (await storedReply(reply))?.message ?? '', { timeout: 5000, interval: 200 }).toMatch(/^word1 word2 word3/);
    // The conversation's last message is now the visitor's, not the reply.
    await say(writer, 'are you still there?');

    await request(olga.operator, 'assign', { conversationId, to: 'u-olga', expected: null });
    await expect.poll(() => printed(deaf, `replyStopped lost ${conversationId}`), { timeout: 3000 }).toHaveLength(1);
    const ended = await replyEnded(watcher, reply, 8000);
    expect(ended).toMatchObject({ seq: reply.seq, status: 'interrupted' });
    await expect.poll(() => printed(deaf, `reply-aborted ${conversationId}`), { timeout: 3000 }).toEqual([`reply-aborted ${conversationId} ended elsewhere`]);
  });
});
