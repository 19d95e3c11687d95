// `npm run demo`: the demo site on an embedded MongoDB, or on MONGODB_URI when it is set.
import mongoose from 'mongoose';
import { DEMO_OPERATORS, startDemo } from './app.js';
import { resolveMongo } from './mongodb.js';

const mongo = await resolveMongo();
console.log(`MongoDB: ${mongo.description}`);
const connection = await mongoose.createConnection(mongo.uri, { autoCreate: false, autoIndex: false }).asPromise();
const site = await startDemo({ connection, port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? 'localhost' });
console.log(`Shop (visitors talk to the team): ${site.url}/ and ${site.url}/support`);
console.log(`Community (a public room): ${site.url}/community`);
for (const [username, { password }] of Object.entries(DEMO_OPERATORS)) {
  console.log(`Team inbox: ${site.url}/team — sign in as ${username} / ${password}`);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    await site.close();
    await connection.close();
    await mongo.stop();
    process.exit(0);
  });
}
