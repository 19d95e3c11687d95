// `npm run bench`: what the chat costs, as ratios to bare Socket.IO measured in the same run on
// the same machine. Each scenario starts a fresh server process (pinned to one core where
// `taskset` exists) and a fresh load process (pinned to the other). `--quick` is a shorter run,
// `--smoke` a tiny one that only proves the benchmark still works (CI runs it), and
// `--out FILE` writes the results as Markdown with a description of the machine. `--only pairs`
// (or fanout, fill, idle, assistant, mongo; comma-separated) runs just those scenarios and prints
// their lines.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, out: { type: 'string' }, only: { type: 'string' } },
});
const PROFILES = {
  full: { pairs: 50, rates: [1000, 2000, 4000, 6000, 8000, 10000], seconds: 3, repeats: 3, cpuRate: 2000, receivers: 500, fanoutRate: 20, fanoutSeconds: 5, members: 500, connections: 5000, streams: 500, streamWords: 120, writers: 20, mongoRates: [250, 500, 1000, 2000], emulatorRate: 50 },
  quick: { pairs: 50, rates: [2000, 4000, 6000, 8000], seconds: 2, repeats: 1, cpuRate: 2000, receivers: 300, fanoutRate: 20, fanoutSeconds: 3, members: 500, connections: 2000, streams: 500, streamWords: 60, writers: 20, mongoRates: [500, 1000], emulatorRate: 50 },
  smoke: { pairs: 5, rates: [200], seconds: 1, repeats: 1, cpuRate: 200, receivers: 20, fanoutRate: 10, fanoutSeconds: 1, members: 20, connections: 50, streams: 20, streamWords: 10, writers: 3, mongoRates: [30], emulatorRate: 30 },
};
const profile = PROFILES[values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'];
const P99_TARGET_MS = 25;
const root = fileURLToPath(new URL('..', import.meta.url));
const pinning = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return cpus().length >= 2;
  } catch {
    return false;
  }
})();

/** Starts `node script args` (pinned to `core`) with IPC, resolving once `ready` shows on stdout (or at once). */
function start(script, args, core, ready) {
  const command = pinning ? 'taskset' : process.execPath;
  const commandArgs = pinning ? ['-c', String(core), process.execPath, '--expose-gc', script, ...args] : ['--expose-gc', script, ...args];
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let output = '';
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
    const check = () => {
      const match = ready ? ready.exec(output) : [''];
      if (match) {
        child.removeAllListeners('exit');
        resolve({ child, match });
      }
    };
    child.stdout.on('data', (chunk) => {
      output += chunk;
      check();
    });
    if (!ready) child.once('message', check);
  });
}

/** One request over IPC and its answer. */
function ask(child, message, answered = (reply) => reply.type !== 'started') {
  return new Promise((resolve, reject) => {
    const onMessage = (reply) => {
      if (reply?.type === 'error') reject(new Error(reply.message));
      else if (answered(reply)) {
        child.off('message', onMessage);
        resolve(reply);
      }
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

const stats = (server) => ask(server, 'stats', (reply) => 'cpuUs' in reply);

/** A fresh server of `kind` and a fresh load process, set up for `scenario`; `use` measures. */
async function withRun(kind, scenario, params, use, serverArgs = []) {
  const { child: server, match } = await start('bench/server.mjs', [kind, ...serverArgs], 0, /ready (\d+)/);
  const { child: load } = await start('bench/load.mjs', [`http://127.0.0.1:${match[1]}`], 1);
  try {
    const before = await ask(server, 'stats-after-gc', (reply) => 'cpuUs' in reply);
    await ask(load, { type: 'setup', scenario, params }, (reply) => reply.type === 'ready');
    const run = async (runParams) => {
      const from = await stats(server);
      const { result } = await ask(load, { type: 'run', scenario, params: { ...params, ...runParams } }, (reply) => reply.type === 'done');
      const to = await stats(server);
      const mongoCommands = to.mongoCommands - from.mongoCommands;
      return { result, cpuUs: to.cpuUs - from.cpuUs, gcMs: to.gcMs - from.gcMs, heapUsed: to.heapUsed, rss: to.rss, mongoCommands };
    };
    return await use(run, before, server);
  } finally {
    load.kill();
    server.kill();
  }
}

const results = { bare: {}, parley: {} };
const KINDS = ['bare', 'parley'];

/**
 * 1:1 rooms at stepped rates. Both servers stay up, and each step runs bare then parley,
 * `repeats` times over, keeping each figure's median: this machine's neighbours come and go, and
 * interleaving lets them cost both alike.
 */
async function pairs() {
  return withRun('bare', 'pairs', { pairs: profile.pairs }, (runBare) =>
    withRun('parley', 'pairs', { pairs: profile.pairs }, async (runParley) => {
      const runs = { bare: runBare, parley: runParley };
      const measure = async (params) => {
        const samples = { bare: [], parley: [] };
        for (let i = 0; i < profile.repeats; i++) {
          for (const kind of KINDS) samples[kind].push(await runs[kind](params));
        }
        return samples;
      };
      // Warm-up, not counted: the JIT, the sockets' buffers and the heap settle first.
      await measure({ rate: profile.rates[0], seconds: 2 });
      const steps = { bare: [], parley: [] };
      for (const rate of profile.rates) {
        const samples = await measure({ rate, seconds: profile.seconds });
        for (const kind of KINDS) {
          const of = (pick) => median(samples[kind].map(pick));
          steps[kind].push({
            rate,
            sent: Math.min(...samples[kind].map((s) => s.result.sent)),
            received: Math.min(...samples[kind].map((s) => s.result.received)),
            p50: of((s) => s.result.p50),
            p99: of((s) => s.result.p99),
            max: of((s) => s.result.max),
            cpuPerMessageUs: of((s) => s.cpuUs / s.result.sent),
            gcMs: of((s) => s.gcMs),
            heapMb: of((s) => s.heapUsed / 1e6),
          });
        }
      }
      const cpu = await measure({ rate: profile.cpuRate, seconds: profile.seconds });
      const cpuPerMessageUs = (kind) => median(cpu[kind].map((s) => s.cpuUs / s.result.sent));
      return {
        bare: { steps: steps.bare, cpuPerMessageUs: cpuPerMessageUs('bare') },
        parley: { steps: steps.parley, cpuPerMessageUs: cpuPerMessageUs('parley') },
      };
    }),
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function fanout(kind) {
  return withRun(kind, 'fanout', { receivers: profile.receivers }, async (run) => {
    const measured = await run({ rate: profile.fanoutRate, seconds: profile.fanoutSeconds });
    return { ...measured.result, cpuPerDeliveryUs: measured.cpuUs / measured.result.deliveries };
  });
}

async function fill(kind) {
  return withRun(kind, 'fill', { members: profile.members }, async (run) => {
    const measured = await run({});
    return { cpuMs: measured.cpuUs / 1000 };
  });
}

async function idle(kind) {
  return withRun(kind, 'idle', { connections: profile.connections }, async (run, empty, server) => {
    await run({});
    const connected = await ask(server, 'stats-after-gc', (reply) => 'cpuUs' in reply);
    return {
      rssPerConnection: (connected.rss - empty.rss) / profile.connections,
      heapPerConnection: (connected.heapUsed - empty.heapUsed) / profile.connections,
    };
  });
}

/**
 * Assistant replies streaming: `streams` visitors, each in a support conversation of their own,
 * each asking once for a reply of `streamWords` words from a stand-in model that yields a word
 * every 50 ms (20 a second); the questions spread over a second. The chat's assistant (in-memory
 * store) against bare Socket.IO sending the same frames. Both servers stay up and the runs
 * interleave, `repeats` times, keeping each figure's median, as for 1:1 rooms.
 */
async function assistantReplies() {
  const setup = { conversations: profile.streams };
  return withRun('bare-assistant', 'assistant', setup, (runBare) =>
    withRun('parley-assistant', 'assistant', setup, async (runParley) => {
      const runs = { bare: runBare, parley: runParley };
      // Warm-up, not counted: a short reply in every conversation.
      for (const kind of KINDS) await runs[kind]({ words: 10, spreadMs: 1000 });
      const samples = { bare: [], parley: [] };
      for (let i = 0; i < profile.repeats; i++) {
        for (const kind of KINDS) samples[kind].push(await runs[kind]({ words: profile.streamWords, spreadMs: 1000 }));
      }
      const summary = (kind) => {
        const of = (pick) => median(samples[kind].map(pick));
        const last = samples[kind].at(-1).result;
        return {
          ...last,
          whole: Math.min(...samples[kind].map((s) => s.result.whole)),
          deltas: of((s) => s.result.deltas),
          seconds: of((s) => s.result.seconds),
          cpuPerDeltaUs: of((s) => s.cpuUs / s.result.deltas),
          coreShare: of((s) => s.cpuUs / 1e6 / s.result.seconds),
          gcMs: of((s) => s.gcMs),
          heapMb: of((s) => s.heapUsed / 1e6),
        };
      };
      return { bare: summary('bare'), parley: summary('parley') };
    }),
  );
}

/**
 * The MongoDB store's write path: commands sent to MongoDB per message (counted by the driver, so
 * true on any server), and acknowledgement latency at stepped rates, which only a real mongod can
 * tell: on the emulator it is not measured.
 */
async function mongoWrites() {
  const { resolveMongo, withDatabase } = await import('../demo/mongodb.js');
  const mongo = await resolveMongo();
  const measured = !mongo.emulated && !(await isEmulator(mongo.uri));
  try {
    const uri = withDatabase(mongo.uri, `parley_bench_${Date.now()}`);
    const outcome = { server: mongo.description, measured };
    for (const kind of ['room', 'inbox']) {
      outcome[kind] = await withRun('parley-mongo', 'writes', { visitors: profile.writers, kind }, async (run) => {
        // Every visitor's first message makes its conversation (or its room's counter): not the steady state.
        await run({ kind, rate: profile.writers * 2, seconds: 1 });
        const steps = [];
        for (const rate of measured ? profile.mongoRates : [profile.emulatorRate]) {
          const { result, mongoCommands } = await run({ kind, rate, seconds: profile.seconds });
          steps.push({ rate, ...result, commandsPerMessage: mongoCommands / Math.max(1, result.acked) });
        }
        return steps;
      }, [uri]);
    }
    return outcome;
  } finally {
    await mongo.stop();
  }
}

/** Whether the server at `uri` is the jongodb emulator, whatever way it was named. */
async function isEmulator(uri) {
  const { default: mongoose } = await import('mongoose');
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  try {
    const info = await connection.db.admin().command({ buildInfo: 1 });
    return /jongo/i.test(JSON.stringify(info));
  } finally {
    await connection.close();
  }
}

const SCENARIOS = [['pairs', '1:1 rooms', pairs], ['fanout', 'fan-out', fanout], ['fill', 'room fill', fill], ['idle', 'idle connections', idle], ['assistant', 'assistant replies', assistantReplies], ['mongo', 'MongoDB writes', mongoWrites]];
const only = values.only?.split(',');
const unknown = only?.filter((key) => !SCENARIOS.some(([k]) => k === key));
if (unknown?.length) throw new Error(`--only takes ${SCENARIOS.map(([k]) => k).join(', ')}; not ${unknown.join(', ')}`);
for (const [key, name, scenario] of SCENARIOS) {
  if (only && !only.includes(key)) continue;
  if (scenario === mongoWrites) {
    process.stderr.write(`${name}: parley on MongoDB…\n`);
    results.parley[name] = await mongoWrites();
    continue;
  }
  if (scenario === pairs || scenario === assistantReplies) {
    process.stderr.write(`${name}: bare and parley, interleaved…\n`);
    const both = await scenario();
    for (const kind of KINDS) results[kind][name] = both[kind];
    continue;
  }
  for (const kind of KINDS) {
    process.stderr.write(`${name}: ${kind}…\n`);
    results[kind][name] = await scenario(kind);
  }
}

/** The widget's weight: the launcher every page loads, and with the chat window a visitor opens. */
function widgetWeight() {
  const dir = `${root}/dist/browser`;
  const gz = (file) => gzipSync(readFileSync(`${dir}/${file}`), { level: 9 }).length;
  const br = (file) => brotliCompressSync(readFileSync(`${dir}/${file}`)).length;
  return {
    firstGzip: gz('widget.js'),
    firstBrotli: br('widget.js'),
    openGzip: gz('widget.js') + gz('chat-panel.js'),
    openBrotli: br('widget.js') + br('chat-panel.js'),
  };
}

// The report ------------------------------------------------------------------------------------
const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (parley, bare) => (bare ? `${fmt(parley / bare, 2)}` : '—');
const highestWithin = (steps) => steps.filter((step) => step.p99 <= P99_TARGET_MS && step.received >= step.sent).at(-1)?.rate ?? 0;

const lines = ['| figure | parley | bare | parley / bare | target |', '|---|---|---|---|---|'];
const steps = [];
const bareP = results.bare['1:1 rooms'];
const parleyP = results.parley['1:1 rooms'];
if (parleyP) {
  lines.push(`| 1:1 rooms: highest rate with p99 ≤ ${P99_TARGET_MS} ms (msg/s) | ${highestWithin(parleyP.steps)} | ${highestWithin(bareP.steps)} | ${ratio(highestWithin(parleyP.steps), highestWithin(bareP.steps))} | ≥ 0.8 |`);
  lines.push(`| 1:1 server CPU per message at ${profile.cpuRate}/s (µs) | ${fmt(parleyP.cpuPerMessageUs)} | ${fmt(bareP.cpuPerMessageUs)} | ${ratio(parleyP.cpuPerMessageUs, bareP.cpuPerMessageUs)} | ≤ 1.2 |`);
  steps.push('', '1:1 rooms at stepped rates (latency from the scheduled send time):', '', '| rate (msg/s) | parley p50 / p99 / max (ms) | bare p50 / p99 / max (ms) | parley / bare CPU per message | parley GC (ms) | bare GC (ms) | parley heap (MB) | bare heap (MB) |', '|---|---|---|---|---|---|---|---|');
  for (const [i, step] of parleyP.steps.entries()) {
    const bare = bareP.steps[i];
    const lost = (s) => (s.received < s.sent ? ` (${s.sent - s.received} undelivered)` : '');
    steps.push(
      `| ${step.rate} | ${fmt(step.p50)} / ${fmt(step.p99)} / ${fmt(step.max)}${lost(step)} | ${fmt(bare.p50)} / ${fmt(bare.p99)} / ${fmt(bare.max)}${lost(bare)} | ${ratio(step.cpuPerMessageUs, bare.cpuPerMessageUs)} | ${fmt(step.gcMs, 0)} | ${fmt(bare.gcMs, 0)} | ${fmt(step.heapMb)} | ${fmt(bare.heapMb)} |`,
    );
  }
}
const fb = results.bare['fan-out'];
const fp = results.parley['fan-out'];
if (fp) lines.push(`| fan-out to ${profile.receivers}: CPU per delivery (µs) | ${fmt(fp.cpuPerDeliveryUs, 2)} | ${fmt(fb.cpuPerDeliveryUs, 2)} | ${ratio(fp.cpuPerDeliveryUs, fb.cpuPerDeliveryUs)} | ≤ 1.2 |`);
const rb = results.bare['room fill'];
const rp = results.parley['room fill'];
if (rp) lines.push(`| ${profile.members} visitors joining one room: server CPU (ms) | ${fmt(rp.cpuMs)} | ${fmt(rb.cpuMs)} | ${ratio(rp.cpuMs, rb.cpuMs)} | ≤ 2 |`);
const ib = results.bare['idle connections'];
const ip = results.parley['idle connections'];
if (ip) {
  lines.push(`| ${profile.connections} idle connections: RSS per connection (KB) | ${fmt(ip.rssPerConnection / 1000)} | ${fmt(ib.rssPerConnection / 1000)} | ${ratio(ip.rssPerConnection, ib.rssPerConnection)} | ≤ 1.1 |`);
  lines.push(`| ${profile.connections} idle connections: heap per connection (KB) | ${fmt(ip.heapPerConnection / 1000)} | ${fmt(ib.heapPerConnection / 1000)} | ${ratio(ip.heapPerConnection, ib.heapPerConnection)} | ≤ 1.1 |`);
}
const ab = results.bare['assistant replies'];
const ap = results.parley['assistant replies'];
if (ap) {
  const label = `${profile.streams} assistant replies streaming at once (20 words/s each)`;
  lines.push(`| ${label}: server CPU per delta frame (µs) | ${fmt(ap.cpuPerDeltaUs, 2)} | ${fmt(ab.cpuPerDeltaUs, 2)} | ${ratio(ap.cpuPerDeltaUs, ab.cpuPerDeltaUs)} | ≤ 1.5 |`);
  lines.push(`| ${label}: server CPU (% of one core) | ${fmt(ap.coreShare * 100)} | ${fmt(ab.coreShare * 100)} | ${ratio(ap.coreShare, ab.coreShare)} | — |`);
  // The CPU figures compare only when both servers delivered every reply whole.
  for (const [kind, r] of [['parley', ap], ['bare', ab]]) {
    if (r.whole === r.conversations) continue;
    process.stderr.write(`assistant replies: ${kind} delivered ${r.whole} of ${r.conversations} replies whole; its figures do not compare\n`);
    process.exitCode = 1;
  }
}
if (!only) {
  const weight = widgetWeight();
  lines.push(`| widget first load, gzip / brotli (KB) | ${fmt(weight.firstGzip / 1000)} / ${fmt(weight.firstBrotli / 1000)} | — | — | ≤ 10 gzip |`);
  lines.push(`| widget with the chat open, gzip / brotli (KB) | ${fmt(weight.openGzip / 1000)} / ${fmt(weight.openBrotli / 1000)} | — | — | ≤ 31 gzip |`);
}
const writes = [];
const mw = results.parley['MongoDB writes'];
if (mw) {
  const label = { room: 'a message in a room', inbox: 'a visitor\'s message in their support conversation' };
  writes.push('', `The MongoDB store's write path (parley alone), on ${mw.server}. Commands sent to MongoDB per message, counted by the driver's command monitoring:`, '');
  for (const kind of ['room', 'inbox']) {
    const perMessage = mw[kind].map((step) => fmt(step.commandsPerMessage, 2)).join(', ');
    const counts = (step) => `${step.acked} acked${step.refused ? `, ${step.refused} refused (${Object.entries(step.refusals).map(([code, n]) => `${n} ${code}`).join(', ')})` : ''} at ${step.rate}/s`;
    writes.push(`- ${label[kind]}: ${perMessage} (${mw[kind].map(counts).join(', ')})`);
  }
  if (mw.measured) {
    writes.push('', '| rate (msg/s) | room: ack p50 / p99 / max (ms) | conversation: ack p50 / p99 / max (ms) |', '|---|---|---|');
    for (const [i, step] of mw.room.entries()) {
      const inbox = mw.inbox[i];
      writes.push(`| ${step.rate} | ${fmt(step.p50)} / ${fmt(step.p99)} / ${fmt(step.max)} | ${fmt(inbox.p50)} / ${fmt(inbox.p99)} / ${fmt(inbox.max)} |`);
    }
  } else {
    writes.push('', 'Latency on MongoDB: **not measured** — this is the jongodb emulator, whose timings say nothing about mongod. Set `MONGODB_URI` to a real mongod to measure it.');
  }
}
const streaming = [];
if (ap) {
  // Both must have delivered the same work for the CPU figures to compare.
  const row = (kind, r) =>
    `| ${kind} | ${r.whole} of ${r.conversations}${r.other ? ` (${r.other} not complete)` : ''} | ${r.deltas} | ${fmt(r.deltas / r.conversations / (r.words * 0.05))} | ${fmt(r.seconds)} | ${fmt(r.gcMs, 0)} | ${fmt(r.heapMb)} |`;
  streaming.push(
    '',
    `Assistant replies: ${profile.streams} visitors each ask once, the questions spread over a second; the stand-in model yields ${profile.streamWords} words, one every 50 ms. Medians of ${profile.repeats} interleaved run${profile.repeats > 1 ? 's' : ''}:`,
    '',
    '| server | replies received whole | delta frames received | frames per second of a reply | seconds, first question to last end | GC (ms) | heap (MB) |',
    '|---|---|---|---|---|---|---|',
    row('parley', ap),
    row('bare', ab),
  );
}
const report = [...lines, ...steps, ...streaming, ...writes].join('\n');
console.log(report);

if (values.out && !only) {
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${pinning ? 'server and load pinned to different cores' : 'not pinned (no taskset)'}`;
  const profileName = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const existing = existsSync(values.out) ? readFileSync(values.out, 'utf8') : '';
  const marker = '<!-- bench-results -->';
  const body = `${marker}\nRun ${new Date().toISOString().slice(0, 10)}, \`npm run bench${profileName === 'full' ? '' : ` -- --${profileName}`}\`, on ${machine}.\n\n${report}\n${marker}`;
  const updated = existing.includes(marker)
    ? existing.replace(new RegExp(`${marker}[\\s\\S]*${marker}`), body)
    : `${existing}\n${body}\n`;
  writeFileSync(values.out, updated);
  console.error(`Written to ${values.out}`);
}
