// `npm run bench:search`: how the team's search holds up on a large inbox. Generates a data set
// (by default 1,000,000 messages in 5,000 conversations of one inbox) in a fresh database, then
// times `chat.conversations.search` against listing the same inbox's first page
// (`chat.conversations.list`) in the same run, on the same data and machine: the ratio is the
// figure; the milliseconds say more about the machine and the server.
//
// MongoDB comes from MONGODB_URI, else mongodb-memory-server, else the jongodb emulator, as for
// the tests. The emulator has no text search, so there the figures are of the scan that replaces
// it (every search reads the inbox's messages), and its inserts slow down with the square of the
// collection's size (20,000 messages take half a minute, 50,000 over two), so there the default is
// 20,000 messages in 200 conversations. `--out FILE` appends the results as Markdown.
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mongoose from 'mongoose';
import { createChatServer } from '../dist/index.js';
import { resolveMongo } from '../demo/mongodb.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    conversations: { type: 'string' },
    runs: { type: 'string', default: '15' },
    out: { type: 'string' },
  },
});
const mongo = await resolveMongo();
console.log(`MongoDB: ${mongo.description}`);
const MESSAGES = Number(values.messages ?? (mongo.emulated ? 20_000 : 1_000_000));
const CONVERSATIONS = Number(values.conversations ?? (mongo.emulated ? 200 : 5_000));
const RUNS = Number(values.runs);
const INBOX = 'support';
const BATCH = 5000;

// Words drawn with a long tail, like people's writing: a few very common, most rare.
const VOCABULARY = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}`);
const COMMON = ['order', 'thanks', 'hello', 'please', 'delivery', 'help', 'account', 'payment'];
function sentence(random) {
  const words = [];
  const length = 4 + Math.floor(random() * 12);
  for (let i = 0; i < length; i++) {
    words.push(random() < 0.3 ? COMMON[Math.floor(random() * COMMON.length)] : VOCABULARY[Math.floor(VOCABULARY.length * random() ** 3)]);
  }
  return words.join(' ');
}
/** A seeded generator, so every run builds the same data set. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const db = await mongoose.createConnection(mongo.uri, { dbName: `bench_search_${randomBytes(4).toString('hex')}`, autoCreate: false }).asPromise();
const warnings = [];
const chat = createChatServer({
  mongoose: db,
  secret: randomBytes(32).toString('hex'),
  operators: { identify: () => null },
  logger: { info() {}, warn: (message) => warnings.push(String(message)), error: (...args) => console.error(...args) },
});
await chat.ready();

// The conversations, through the store as the chat makes them (one visitor message each).
const started = Date.now();
const conversations = [];
for (let i = 0; i < CONVERSATIONS; i++) {
  const visitor = { id: `v${i}`, name: `Visitor ${i} ${VOCABULARY[i]}` };
  const result = await chat.store.appendToConversation(
    { inbox: INBOX, visitor, expect: 'new' },
    { sender: { id: visitor.id, name: visitor.name, role: 'visitor' }, message: 'hello', clientId: 'c0', timestamp: new Date() },
  );
  conversations.push(result.conversation);
}
await db.collection('chat_users').insertMany(conversations.map((c, i) => ({ visitorId: c.visitorId, name: `Visitor ${i}`, email: `visitor${i}@example.com`, phone: '', createdAt: new Date(), updatedAt: new Date() })));

// The messages, written straight into the collection in the shape the store writes, a batch at a time.
const random = mulberry32(23);
const perConversation = Math.ceil(MESSAGES / CONVERSATIONS);
const start = Date.now() - MESSAGES * 1000;
const needle = 'zqxjneedle';
let written = 0;
let batch = [];
const messages = db.collection('chat_messages');
for (let seq = 2; seq <= perConversation + 1 && written < MESSAGES; seq++) {
  for (const conversation of conversations) {
    if (written >= MESSAGES) break;
    const fromVisitor = random() < 0.5;
    const text = written % 10_000 === 7 ? `${sentence(random)} ${needle}` : sentence(random);
    batch.push({
      room: `${INBOX}/${conversation.id}`,
      inbox: INBOX,
      seq,
      sender: fromVisitor ? { id: conversation.visitorId, name: conversation.visitorName, role: 'visitor' } : { id: 'op_bench', name: 'Olga', role: 'operator' },
      message: text,
      clientId: `c${seq}`,
      timestamp: new Date(start + written * 1000),
      seqAt: new Date(),
    });
    written++;
    if (batch.length === BATCH) {
      await messages.insertMany(batch, { ordered: false });
      batch = [];
      if (written % 100_000 === 0 || (mongo.emulated && written % 10_000 === 0)) console.log(`  ${written.toLocaleString('en')} messages (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  }
}
if (batch.length) await messages.insertMany(batch, { ordered: false });
const generatedSeconds = (Date.now() - started) / 1000;
console.log(`Generated ${written.toLocaleString('en')} messages in ${CONVERSATIONS.toLocaleString('en')} conversations in ${generatedSeconds.toFixed(0)} s`);

// On a real server the text index builds in the background: wait for it before timing.
for (let waited = 0; waited < 600; waited++) {
  const indexes = await messages.listIndexes().toArray().catch(() => []);
  const building = await db.db.admin().command({ currentOp: true, 'command.createIndexes': { $exists: true } }).catch(() => ({ inprog: [] }));
  if (indexes.some((index) => index.name === 'message_text') && (building.inprog ?? []).length === 0) break;
  await new Promise((resolve) => setTimeout(resolve, 1000));
}

async function time(name, run) {
  await run(); // warm
  const samples = [];
  let hits = 0;
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    hits = await run();
    samples.push(performance.now() - began);
  }
  samples.sort((a, b) => a - b);
  return { name, p50: samples[Math.floor(RUNS / 2)], p95: samples[Math.min(RUNS - 1, Math.floor(RUNS * 0.95))], hits };
}
const someone = Math.floor(CONVERSATIONS / 2);
const search = (query) => async () => (await chat.conversations.search({ ...query, limit: 20 })).conversations.length;
const results = [
  await time('inbox list, first page (baseline)', async () => (await chat.conversations.list({ inbox: INBOX, limit: 20 })).conversations.length),
  await time(`a rare word (in ${Math.ceil(MESSAGES / 10_000)} messages)`, search({ text: needle })),
  await time('a common word', search({ text: 'delivery' })),
  await time('two words', search({ text: 'order payment' })),
  await time('a word, resolved only (none are)', search({ text: needle, status: 'resolved' })),
  await time('a visitor by email', search({ text: `visitor${someone}@example.com` })),
  await time('a visitor by name', search({ visitor: `Visitor ${someone} ` })),
  await time('a word within one visitor', search({ text: 'delivery', visitor: `visitor${someone}@example.com` })),
];
const textSearch = !warnings.some((warning) => warning.includes('no text search'));
const baseline = results[0].p50;
const lines = [
  `### Search on ${written.toLocaleString('en')} messages, ${CONVERSATIONS.toLocaleString('en')} conversations`,
  '',
  `${mongo.description}; ${textSearch ? 'on the text index' : 'without $text on this server: every search is a scan of the inbox’s messages'}. Median of ${RUNS} runs.`,
  '',
  '| query | hits | p50 ms | p95 ms | p50 ÷ inbox list |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...results.map((r) => `| ${r.name} | ${r.hits} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${(r.p50 / baseline).toFixed(1)} |`),
  '',
];
console.log(lines.join('\n'));
if (values.out) appendFileSync(values.out, `${lines.join('\n')}\n`);

await chat.close();
if (!mongo.emulated) await db.dropDatabase().catch(() => undefined);
await db.close();
await mongo.stop();
