// `npm run bench`: what the chat costs, as ratios to bare Socket.IO measured in the same run on
// the same machine. Each scenario starts a fresh server process (pinned to one core where
// `taskset` exists) and a fresh load process (pinned to the other). `--quick` is a shorter run,
// `--smoke` a tiny one that only proves the benchmark still works (CI runs it), and
// `--out FILE` writes the results as Markdown with a description of the machine.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const { values } = parseArgs({
  options: { quick: { type: 'boolean' }, smoke: { type: 'boolean' }, out: { type: 'string' } },
});
const PROFILES = {
  full: { pairs: 50, rates: [1000, 2000, 4000, 6000, 8000, 10000], seconds: 5, cpuRate: 2000, receivers: 500, fanoutRate: 20, fanoutSeconds: 5, members: 500, connections: 5000 },
  quick: { pairs: 50, rates: [1000, 4000, 8000], seconds: 3, cpuRate: 2000, receivers: 300, fanoutRate: 20, fanoutSeconds: 3, members: 500, connections: 2000 },
  smoke: { pairs: 5, rates: [200], seconds: 1, cpuRate: 200, receivers: 20, fanoutRate: 10, fanoutSeconds: 1, members: 20, connections: 50 },
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
async function withRun(kind, scenario, params, use) {
  const { child: server, match } = await start('bench/server.mjs', [kind], 0, /ready (\d+)/);
  const { child: load } = await start('bench/load.mjs', [`http://127.0.0.1:${match[1]}`], 1);
  try {
    const before = await ask(server, 'stats-after-gc', (reply) => 'cpuUs' in reply);
    await ask(load, { type: 'setup', scenario, params }, (reply) => reply.type === 'ready');
    const run = async (runParams) => {
      const from = await stats(server);
      const { result } = await ask(load, { type: 'run', scenario, params: { ...params, ...runParams } }, (reply) => reply.type === 'done');
      const to = await stats(server);
      return { result, cpuUs: to.cpuUs - from.cpuUs, gcMs: to.gcMs - from.gcMs, heapUsed: to.heapUsed, rss: to.rss };
    };
    return await use(run, before, server);
  } finally {
    load.kill();
    server.kill();
  }
}

const results = { bare: {}, parley: {} };
const KINDS = ['bare', 'parley'];

async function onePairs(kind) {
  return withRun(kind, 'pairs', { pairs: profile.pairs }, async (run) => {
    const steps = [];
    for (const rate of profile.rates) {
      const measured = await run({ rate, seconds: profile.seconds });
      steps.push({ rate, ...measured.result, cpuPerMessageUs: measured.cpuUs / measured.result.sent, gcMs: measured.gcMs, heapMb: measured.heapUsed / 1e6 });
    }
    const cpu = await run({ rate: profile.cpuRate, seconds: profile.seconds });
    return { steps, cpuPerMessageUs: cpu.cpuUs / cpu.result.sent };
  });
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

for (const [name, scenario] of [['1:1 rooms', onePairs], ['fan-out', fanout], ['room fill', fill], ['idle connections', idle]]) {
  for (const kind of KINDS) {
    process.stderr.write(`${name}: ${kind}…\n`);
    results[kind][name] = await scenario(kind);
  }
}

function widgetWeight() {
  const dir = `${root}/dist/browser`;
  const gz = (file) => gzipSync(readFileSync(`${dir}/${file}`), { level: 9 }).length;
  const br = (file) => brotliCompressSync(readFileSync(`${dir}/${file}`)).length;
  const files = existsSync(dir) ? readdirSync(dir).filter((file) => file.endsWith('.js') && !file.startsWith('inbox')) : [];
  const first = 'widget.js';
  return {
    firstGzip: gz(first),
    firstBrotli: br(first),
    openGzip: files.reduce((sum, file) => sum + gz(file), 0),
    openBrotli: files.reduce((sum, file) => sum + br(file), 0),
  };
}

// The report ------------------------------------------------------------------------------------
const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const ratio = (parley, bare) => (bare ? `${fmt(parley / bare, 2)}` : '—');
const highestWithin = (steps) => steps.filter((step) => step.p99 <= P99_TARGET_MS && step.received >= step.sent).at(-1)?.rate ?? 0;

const lines = [];
const bareP = results.bare['1:1 rooms'];
const parleyP = results.parley['1:1 rooms'];
lines.push('| figure | parley | bare | parley / bare | target |', '|---|---|---|---|---|');
lines.push(`| 1:1 rooms: highest rate with p99 ≤ ${P99_TARGET_MS} ms (msg/s) | ${highestWithin(parleyP.steps)} | ${highestWithin(bareP.steps)} | ${ratio(highestWithin(parleyP.steps), highestWithin(bareP.steps))} | ≥ 0.8 |`);
lines.push(`| 1:1 server CPU per message at ${profile.cpuRate}/s (µs) | ${fmt(parleyP.cpuPerMessageUs)} | ${fmt(bareP.cpuPerMessageUs)} | ${ratio(parleyP.cpuPerMessageUs, bareP.cpuPerMessageUs)} | ≤ 1.2 |`);
const fb = results.bare['fan-out'];
const fp = results.parley['fan-out'];
lines.push(`| fan-out to ${profile.receivers}: CPU per delivery (µs) | ${fmt(fp.cpuPerDeliveryUs, 2)} | ${fmt(fb.cpuPerDeliveryUs, 2)} | ${ratio(fp.cpuPerDeliveryUs, fb.cpuPerDeliveryUs)} | ≤ 1.2 |`);
const rb = results.bare['room fill'];
const rp = results.parley['room fill'];
lines.push(`| ${profile.members} visitors joining one room: server CPU (ms) | ${fmt(rp.cpuMs)} | ${fmt(rb.cpuMs)} | ${ratio(rp.cpuMs, rb.cpuMs)} | ≤ 2 |`);
const ib = results.bare['idle connections'];
const ip = results.parley['idle connections'];
lines.push(`| ${profile.connections} idle connections: RSS per connection (KB) | ${fmt(ip.rssPerConnection / 1000)} | ${fmt(ib.rssPerConnection / 1000)} | ${ratio(ip.rssPerConnection, ib.rssPerConnection)} | ≤ 1.1 |`);
lines.push(`| ${profile.connections} idle connections: heap per connection (KB) | ${fmt(ip.heapPerConnection / 1000)} | ${fmt(ib.heapPerConnection / 1000)} | ${ratio(ip.heapPerConnection, ib.heapPerConnection)} | ≤ 1.1 |`);
const weight = widgetWeight();
lines.push(`| widget first load, gzip / brotli (KB) | ${fmt(weight.firstGzip / 1000)} / ${fmt(weight.firstBrotli / 1000)} | — | — | ≤ 10 gzip |`);
lines.push(`| widget with the chat open, gzip / brotli (KB) | ${fmt(weight.openGzip / 1000)} / ${fmt(weight.openBrotli / 1000)} | — | — | ≤ 30 gzip |`);

const steps = ['', '1:1 rooms at stepped rates (latency from the scheduled send time):', '', '| rate (msg/s) | parley p50 / p99 / max (ms) | bare p50 / p99 / max (ms) | parley / bare CPU per message | parley GC (ms) | bare GC (ms) | parley heap (MB) | bare heap (MB) |', '|---|---|---|---|---|---|---|---|'];
for (const [i, step] of parleyP.steps.entries()) {
  const bare = bareP.steps[i];
  const lost = (s) => (s.received < s.sent ? ` (${s.sent - s.received} undelivered)` : '');
  steps.push(
    `| ${step.rate} | ${fmt(step.p50)} / ${fmt(step.p99)} / ${fmt(step.max)}${lost(step)} | ${fmt(bare.p50)} / ${fmt(bare.p99)} / ${fmt(bare.max)}${lost(bare)} | ${ratio(step.cpuPerMessageUs, bare.cpuPerMessageUs)} | ${fmt(step.gcMs, 0)} | ${fmt(bare.gcMs, 0)} | ${fmt(step.heapMb)} | ${fmt(bare.heapMb)} |`,
  );
}
const report = [...lines, ...steps].join('\n');
console.log(report);

if (values.out) {
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
