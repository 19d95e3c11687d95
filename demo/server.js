// `npm run demo`: the demo site on an embedded MongoDB, or on MONGODB_URI when it is set.
import mongoose from 'mongoose';
import { startDemo } from './app.js';
import { resolveMongo } from './mongodb.js';

const mongo = await resolveMongo();
console.log(`MongoDB: ${mongo.description}`);
const connection = await mongoose.createConnection(mongo.uri, { autoCreate: false, autoIndex: false }).asPromise();
const site = await startDemo({ connection, port: Number(process.env.PORT ?? 3000), host: process.env.HOST ?? 'localhost' });
console.log(`parley-chat demo: open ${site.url}/ (room "lobby") and ${site.url}/support (room "support")`);

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
