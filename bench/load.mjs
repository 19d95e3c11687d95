// The load in its own process: socket.io clients driven by the orchestrator over IPC. Senders are
// open-loop (each message has a scheduled time, and latency counts from it, so a slow server cannot
// hide its delay by slowing the senders down).
import { performance } from 'node:perf_hooks';
import { io } from 'socket.io-client';

const url = process.argv[2];
/** @type {import('socket.io-client').Socket[]} */
let clients = [];
/** @type {number[]} */
let latencies = [];
/** @type {number[]} From the scheduled send time to the acknowledgement: what a write costs the sender. */
let ackLatencies = [];
let received = 0;
/** Refused messages by error code. */
let refusals = {};

function connect() {
  return new Promise((resolve, reject) => {
    const socket = io(url, { path: '/chat/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    socket.once('session', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** Connects `count` clients, `batch` at a time (the server sees a steady stream, not a spike). */
async function connectMany(count, batch = 50) {
  const connected = [];
  for (let i = 0; i < count; i += batch) {
    connected.push(...(await Promise.all(Array.from({ length: Math.min(batch, count - i) }, connect))));
  }
  return connected;
}

function listen(socket) {
  socket.on('message', (message) => {
    received++;
    latencies.push(performance.now() - Number(message.message));
  });
}

const join = (socket, room) => socket.timeout(30_000).emitWithAck('join', { room });

let clientCounter = 0;
/**
 * Sends `total` messages spread evenly over `seconds` across `senders` (open loop), each sender to
 * its target (`{ room }` or `{ inbox }`).
 */
async function sendOpenLoop(senders, targets, rate, seconds) {
  const total = Math.round(rate * seconds);
  const start = performance.now() + 50;
  let next = 0;
  let acked = 0;
  let refused = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + (next * 1000) / rate <= now) {
        const scheduled = start + (next * 1000) / rate;
        const i = next % senders.length;
        senders[i].emit('message', { ...targets[i], message: String(scheduled), clientId: `b${clientCounter++}` }, (ack) => {
          if (ack?.ok) {
            acked++;
            ackLatencies.push(performance.now() - scheduled);
          } else {
            refused++;
            refusals[ack?.error?.code ?? 'NO_ACK'] = (refusals[ack?.error?.code ?? 'NO_ACK'] ?? 0) + 1;
          }
        });
        next++;
      }
      if (next < total) setImmediate(tick);
      else resolve(undefined);
    };
    tick();
  });
  return { total, acked: () => acked, refused: () => refused };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

const scenarios = {
  async pairs({ pairs }) {
    clients = await connectMany(pairs * 2);
    for (let i = 0; i < pairs; i++) {
      await Promise.all([join(clients[2 * i], `pair-${i}`), join(clients[2 * i + 1], `pair-${i}`)]);
      listen(clients[2 * i + 1]);
    }
  },
  async fanout({ receivers }) {
    clients = await connectMany(receivers + 1);
    for (const socket of clients) await join(socket, 'fanout');
    for (const socket of clients.slice(1)) listen(socket);
  },
  async fill({ members }) {
    clients = await connectMany(members);
  },
  /** Visitors writing alone: each in a room of its own, or each in its own support conversation. */
  async writes({ visitors, kind }) {
    clients = await connectMany(visitors);
    await Promise.all(clients.map((socket, i) => (kind === 'room' ? join(socket, `writes-${i}`) : socket.timeout(30_000).emitWithAck('join', { inbox: 'support' }))));
  },
  async idle({ connections }) {
    clients = await connectMany(connections);
  },
  /** Visitors each in a support conversation of their own, counting what the assistant streams to them. */
  async assistant({ conversations }) {
    clients = await connectMany(conversations);
    await Promise.all(clients.map((socket) => socket.timeout(30_000).emitWithAck('join', { inbox: 'support' })));
    for (const socket of clients) {
      socket.on('delta', ({ text }) => {
        streamed.deltas++;
        streamed.chars += text.length;
      });
      socket.on('message', (message) => {
        if (message.sender?.role !== 'assistant') return;
        if (message.status === 'streaming') streamed.started++;
        else if (message.status === 'complete') streamed.complete.push(message.message.length);
        else streamed.other++;
      });
    }
  },
};

/** What the visitors of the assistant scenario received: replies started and ended, deltas and their text. */
let streamed = { started: 0, complete: /** @type {number[]} */ ([]), other: 0, deltas: 0, chars: 0 };

const runs = {
  async pairs({ pairs, rate, seconds }) {
    latencies = [];
    received = 0;
    const senders = clients.filter((_, i) => i % 2 === 0);
    const targets = senders.map((_, i) => ({ room: `pair-${i}` }));
    const sent = await sendOpenLoop(senders, targets, rate, seconds);
    await waitFor(() => received >= sent.total && sent.acked() + sent.refused() >= sent.total, 10_000);
    const sorted = latencies.sort((a, b) => a - b);
    return { sent: sent.total, received, refused: sent.refused(), p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };
  },
  async fanout({ rate, seconds }) {
    latencies = [];
    received = 0;
    const sent = await sendOpenLoop([clients[0]], [{ room: 'fanout' }], rate, seconds);
    const expected = sent.total * (clients.length - 1);
    await waitFor(() => received >= expected, 20_000);
    const sorted = latencies.sort((a, b) => a - b);
    return { sent: sent.total, deliveries: received, expected, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  },
  async writes({ kind, rate, seconds }) {
    ackLatencies = [];
    refusals = {};
    const targets = clients.map((_, i) => (kind === 'room' ? { room: `writes-${i}` } : { inbox: 'support' }));
    const sent = await sendOpenLoop(clients, targets, rate, seconds);
    await waitFor(() => sent.acked() + sent.refused() >= sent.total, 30_000);
    const sorted = ackLatencies.sort((a, b) => a - b);
    return { sent: sent.total, acked: sent.acked(), refused: sent.refused(), refusals, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };
  },
  async fill() {
    for (let i = 0; i < clients.length; i += 25) await Promise.all(clients.slice(i, i + 25).map((socket) => join(socket, 'fill')));
    // Let the last presence updates go out before the server's CPU is read.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { joined: clients.length };
  },
  async idle() {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    return { connections: clients.length };
  },
  /**
   * Every visitor asks once, the questions spread evenly over `spreadMs` (so replies are not all in
   * step), for a reply of `words` words; done when every reply has ended.
   */
  async assistant({ words, spreadMs }) {
    streamed = { started: 0, complete: [], other: 0, deltas: 0, chars: 0 };
    const start = performance.now();
    let refused = 0;
    for (const [i, socket] of clients.entries()) {
      const due = start + (i * spreadMs) / clients.length;
      if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
      socket.emit('message', { inbox: 'support', message: String(words), clientId: `a${clientCounter++}` }, (ack) => {
        if (!ack?.ok) refused++;
      });
    }
    await waitFor(() => streamed.complete.length + streamed.other + refused >= clients.length, 60_000 + words * 200);
    const seconds = (performance.now() - start) / 1000;
    // The model's text is `word0 word1 … `: a reply that ended with less lost some of it.
    const length = Array.from({ length: words }, (_, i) => `word${i} `.length).reduce((sum, n) => sum + n, 0);
    const whole = streamed.complete.filter((received) => received === length).length;
    return { conversations: clients.length, words, refused, started: streamed.started, whole, other: streamed.other, deltas: streamed.deltas, chars: streamed.chars, expectedChars: length * clients.length, seconds };
  },
};

process.on('message', async ({ type, scenario, params }) => {
  try {
    if (type === 'setup') {
      await scenarios[scenario](params);
      process.send?.({ type: 'ready' });
    } else if (type === 'run') {
      process.send?.({ type: 'done', result: await runs[scenario](params) });
    } else if (type === 'stop') {
      for (const socket of clients) socket.disconnect();
      process.exit(0);
    }
  } catch (error) {
    process.send?.({ type: 'error', message: String(error?.stack ?? error) });
  }
});
process.send?.({ type: 'started' });
