// One server under test, in its own process: `parley` (the chat with its in-memory store, so what
// is measured is the library's own work), `parley-mongo URI` (the same on MongoDB) or `bare` (Socket.IO doing the honest minimum for the
// same protocol: take an id and a seq, acknowledge, broadcast). `parley-assistant` and
// `bare-assistant` answer every visitor message with a streamed reply from the same stand-in model
// (a word every 50 ms; the visitor's message says how many): the chat's assistant on its in-memory
// store, against bare Socket.IO sending the same frames (a `message` to start, a `delta` of what
// grew at most every 100 ms, a `message` to end). The orchestrator asks for its counters over IPC.
// Prints "ready <port>".
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { PerformanceObserver } from 'node:perf_hooks';
import mongoose from 'mongoose';
import { Server } from 'socket.io';
import { createChatServer, MemoryStore } from 'parley-chat';

const kind = process.argv[2];
const server = http.createServer((_req, res) => res.end());
const UNLIMITED = { max: 1e9, perMs: 1000 };

const chatOptions = {
  secret: 'benchmark-secret-that-is-at-least-32-characters',
  logger: { warn() {}, error() {} },
  // The benchmark's clients all come from one address, as fast as the load allows.
  limits: { messageRate: UNLIMITED, addressMessageRate: UNLIMITED, newVisitorRate: UNLIMITED, eventRate: UNLIMITED },
};
// Commands sent to MongoDB, counted by the driver's command monitoring: round trips per message.
let mongoCommands = 0;

if (kind === 'parley') {
  const chat = createChatServer({ ...chatOptions, store: new MemoryStore() });
  await chat.ready();
  chat.attach(server);
} else if (kind === 'parley-mongo') {
  // The MongoDB store's write path, on the MongoDB named by the orchestrator, with a support inbox
  // (no operator ever connects) beside the rooms.
  const connection = mongoose.createConnection(process.argv[3], { monitorCommands: true });
  await connection.asPromise();
  connection.getClient().on('commandStarted', () => mongoCommands++);
  const chat = createChatServer({ ...chatOptions, mongoose: connection, operators: { identify: () => null, inboxes: ['support'] } });
  await chat.ready();
  chat.attach(server);
} else if (kind === 'bare') {
  const io = new Server(server, { path: '/chat/socket.io', serveClient: false });
  const seqs = new Map();
  io.on('connection', (socket) => {
    socket.emit('session', { visitorId: socket.id, token: socket.id });
    socket.on('join', ({ room }, ack) => {
      void socket.join(room);
      ack({ ok: true, room, messages: [], hasMore: false, online: 0 });
    });
    socket.on('message', ({ room, message, clientId }, ack) => {
      const seq = (seqs.get(room) ?? 0) + 1;
      seqs.set(room, seq);
      const stored = { id: randomUUID(), room, seq, sender: { id: socket.id, name: 'Guest', role: 'visitor' }, message, timestamp: new Date().toISOString(), clientId };
      socket.to(room).emit('message', stored);
      ack({ ok: true, message: stored });
    });
  });
} else if (kind === 'parley-assistant') {
  // Each visitor has a support conversation of their own, which the assistant answers (no operator ever connects).
  const chat = createChatServer({
    ...chatOptions,
    store: new MemoryStore(),
    operators: { identify: () => null, inboxes: ['support'] },
    assistant: { name: 'Assistant', when: 'always', reply: ({ messages }) => model(Number(messages.at(-1)?.message)) },
  });
  await chat.ready();
  chat.attach(server);
} else if (kind === 'bare-assistant') {
  const io = new Server(server, { path: '/chat/socket.io', serveClient: false });
  io.on('connection', (socket) => {
    // The visitor's conversation: a Socket.IO room of its own, as the chat has.
    const channel = `conversation-${socket.id}`;
    void socket.join(channel);
    let seq = 0;
    socket.emit('session', { visitorId: socket.id, token: socket.id });
    socket.on('join', ({ inbox }, ack) => {
      ack({ ok: true, inbox, conversation: null, messages: [], hasMore: false, team: { online: 0, open: true }, assistant: { name: 'Assistant' } });
    });
    socket.on('message', ({ inbox, message, clientId }, ack) => {
      const stored = { id: randomUUID(), room: inbox, seq: ++seq, sender: { id: socket.id, name: 'Guest', role: 'visitor' }, message, timestamp: new Date().toISOString(), clientId };
      ack({ ok: true, message: stored, conversation: { id: socket.id, inbox, status: 'open', assignee: null, visitorReadSeq: 0, operatorReadSeq: 0, handler: 'assistant' } });
      void streamReply(io.to(channel), inbox, ++seq, stored.id, Number(message));
    });
  });
} else {
  throw new Error('usage: node bench/server.mjs parley|bare|parley-mongo URI|parley-assistant|bare-assistant');
}

/** The stand-in model of both assistant servers: `words` words, one every 50 ms (20 a second). */
async function* model(words) {
  for (let i = 0; i < words; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    yield `word${i} `;
  }
}

/**
 * Bare Socket.IO streaming a reply to `to` as the chat does on the wire: the start, what grew at
 * most every 100 ms (volatile), the end; nothing stored, nothing saved.
 * @param {import('socket.io').BroadcastOperator<any, any>} to
 */
async function streamReply(to, inbox, seq, answering, words) {
  const reply = { id: randomUUID(), room: inbox, seq, sender: { id: 'assistant', name: 'Assistant', role: 'assistant' }, message: '', timestamp: new Date().toISOString(), clientId: `reply-${answering}`, status: 'streaming' };
  to.emit('message', reply);
  let text = '';
  let sent = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const flush = () => {
    timer = undefined;
    if (text.length === sent) return;
    to.volatile.emit('delta', { id: reply.id, offset: sent, text: text.slice(sent), inbox });
    sent = text.length;
  };
  for await (const word of model(words)) {
    text += word;
    timer ??= setTimeout(flush, 100);
  }
  clearTimeout(timer);
  flush();
  to.emit('message', { ...reply, message: text, status: 'complete', citations: [] });
}

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

process.on('message', (request) => {
  if (request !== 'stats' && request !== 'stats-after-gc') return;
  // Heap per connection is measured after a full collection, on both servers alike.
  if (request === 'stats-after-gc') globalThis.gc?.();
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  process.send?.({ cpuUs: cpu.user + cpu.system, gcMs, rss: memory.rss, heapUsed: memory.heapUsed, mongoCommands });
});

server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
// An orderly exit on a signal, so `node --cpu-prof bench/server.mjs` leaves its profile.
process.on('SIGINT', () => process.exit(0));
