import type { TestProject } from 'vitest/node';
import { resolveMongo } from '../../demo/mongodb.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongo: { uri: string; kind: string; emulated: boolean };
  }
}

/** Resolves one MongoDB for the whole run and says which; each test file uses its own database. */
export default async function setup(project: TestProject) {
  const mongo = await resolveMongo();
  console.log(`\nMongoDB for this run: ${mongo.description}\n`);
  project.provide('mongo', { uri: mongo.uri, kind: mongo.kind, emulated: mongo.emulated });
  return async () => {
    await mongo.stop();
  };
}
