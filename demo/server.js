// `npm run demo`: the demo site on an embedded MongoDB, or on MONGODB_URI when it is set.
// `npm run demo -- --nodes 3`: three chat nodes on consecutive ports, sharing MongoDB and Redis
// (REDIS_URL, default redis://127.0.0.1:6379) through the Redis Streams adapter, so a message
// written on one reaches the others. Each node is a whole demo site; sign in once, on any of them
// (cookies do not tell ports apart, and the team's sign-ins are kept in the MongoDB all nodes share).
//
// The support inbox has an assistant that needs no API key: it answers from the shop's FAQ page
// (/faq), cites it, and hands the conversation to the team when it has no answer or the visitor
// asks for a person. Environment variables:
//   DEMO_ASSISTANT=off          no assistant
//   DEMO_ASSISTANT_WHEN=…       when it answers a new conversation: noOperatorOnline (the default:
//                               while nobody of the team is signed in), always, or outsideHours
//   DEMO_HOURS="mon-fri 09:00-17:00, sat 10:00-14:00"
//                               the team's hours (default: none, the chat is open around the clock);
//                               visitors are told when the team is back, outside them
//   DEMO_TIMEZONE=Europe/Oslo   the hours' time zone (the default)
//   DEMO_CLOSED="2026-12-25,2026-12-26"   days the team is out whatever DEMO_HOURS says
//   DEMO_AWAY_MESSAGE="…"       what visitors read outside the hours
import { parseArgs } from 'node:util';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import mongoose from 'mongoose';
import { createClient } from 'redis';
import { guardRedisClient } from 'parley-chat';
import { DEMO_OPERATORS, demoSettings, seedSavedReplies, startDemo } from './app.js';
import { resolveMongo } from './mongodb.js';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1' } } });
const nodeCount = Number(values.nodes);
if (!Number.isInteger(nodeCount) || nodeCount < 1 || nodeCount > 16) {
  console.error('--nodes takes a number of chat nodes, 1 to 16');
  process.exit(1);
}

// Read before MongoDB starts, so a mistyped setting stops the demo at once.
let summary = '';
try {
  ({ summary } = demoSettings());
} catch (error) {
  console.error(/** @type {Error} */ (error).message);
  process.exit(1);
}
const mongo = await resolveMongo();
console.log(`MongoDB: ${mongo.description}`);
if (summary) console.log(`Demo settings: ${summary}`);
const connection = await mongoose.createConnection(mongo.uri, { autoCreate: false, autoIndex: false }).asPromise();
const firstPort = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? 'localhost';
/** @type {Array<() => Promise<unknown>>} */
const closers = [];

// Visitors are asked to rate each resolution (the tests' sites leave it out, unless they test it).
const ratings = { enabled: true, ask: 'Did we solve your problem?' };

if (nodeCount === 1) {
  const site = await startDemo({ connection, port: firstPort, host, chatOptions: { ratings } });
  closers.push(site.close);
  await seedSavedReplies(site.chat);
  console.log(`Shop (visitors talk to the team): ${site.url}/, ${site.url}/faq and ${site.url}/support`);
  console.log(`Community (a public room): ${site.url}/community`);
  for (const [username, { password }] of Object.entries(DEMO_OPERATORS)) {
    console.log(`Team inbox: ${site.url}/team — sign in as ${username} / ${password}`);
  }
} else {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  console.log(`Redis: ${redisUrl}`);
  for (let i = 0; i < nodeCount; i++) {
    /** @type {import('parley-chat').ChatServer | undefined} */
    let chat;
    const redis = guardRedisClient(createClient({ url: redisUrl }), { onReconnect: () => chat?.resync() });
    await redis.connect();
    closers.push(() => redis.close());
    const site = await startDemo({
      connection,
      port: firstPort === 0 ? 0 : firstPort + i,
      host,
      chatOptions: { adapter: createAdapter(redis, { streamName: 'parley-demo' }), connectionStateRecovery: true, ratings },
    });
    chat = site.chat;
    closers.unshift(site.close);
    // The nodes share one MongoDB: once is enough.
    if (i === 0) await seedSavedReplies(site.chat);
    console.log(`Node ${i + 1}: ${site.url}/ (shop), ${site.url}/community, ${site.url}/team`);
  }
  for (const [username, { password }] of Object.entries(DEMO_OPERATORS)) {
    console.log(`Team inbox on any node's /team — sign in as ${username} / ${password}`);
  }
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    for (const close of closers) await close();
    await connection.close();
    await mongo.stop();
    process.exit(0);
  });
}
