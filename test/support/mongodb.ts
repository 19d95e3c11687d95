import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type MongoKind = 'MONGODB_URI' | 'mongodb-memory-server' | 'jongodb';

export interface ResolvedMongo {
  uri: string;
  kind: MongoKind;
  /** Human-readable: which server, and why this one. */
  description: string;
  /** jongodb lacks drop/create/listCollections and honours no projections (see DESIGN.md). */
  emulated: boolean;
  stop(): Promise<void>;
}

const JONGODB_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';

/**
 * Finds a MongoDB for tests, in the design's order: `MONGODB_URI` (a real server the user points
 * to), then `mongodb-memory-server` (a real mongod, where it has or can download a binary), then
 * the jongodb emulator (an optional dependency of the demo workspace, Linux x64 glibc only).
 */
export async function resolveMongo(log: (line: string) => void = console.log): Promise<ResolvedMongo> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) {
    return {
      uri: fromEnv,
      kind: 'MONGODB_URI',
      description: `MongoDB at MONGODB_URI (${redact(fromEnv)})`,
      emulated: false,
      stop: async () => {},
    };
  }

  const reasons: string[] = [];
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await withoutConsoleNoise(() => MongoMemoryServer.create());
    return {
      uri: server.getUri(),
      kind: 'mongodb-memory-server',
      description: `mongodb-memory-server (a real mongod) at ${server.getUri()}`,
      emulated: false,
      stop: async () => {
        await server.stop();
      },
    };
  } catch (error) {
    reasons.push(`mongodb-memory-server could not start a mongod: ${firstLine(error)}`);
  }

  try {
    const { uri, child } = await startJongodb();
    log(`MongoDB: ${reasons.join('; ')}`);
    return {
      uri,
      kind: 'jongodb',
      description: `the jongodb emulator at ${uri} (no real mongod available here)`,
      emulated: true,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill();
          await exited;
        }
      },
    };
  } catch (error) {
    reasons.push(`jongodb: ${firstLine(error)}`);
  }

  throw new Error(
    `No MongoDB for the tests. Set MONGODB_URI to a MongoDB server, or run where mongodb-memory-server can start ` +
      `a mongod, or install ${JONGODB_PACKAGE} (Linux x64 glibc). Tried: ${reasons.join('; ')}`,
  );
}

async function startJongodb(): Promise<{ uri: string; child: ChildProcess }> {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${JONGODB_PACKAGE}/package.json`);
  const binary = join(dirname(packageJson), 'bin', 'jongodb');
  const child = spawn(binary, ['--host=127.0.0.1', '--port=0', '--database=parley'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const uri = await new Promise<string>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('jongodb printed no JONGODB_URI within 20 s')), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`jongodb exited with code ${code}: ${output.trim()}`)));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /JONGODB_URI=(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout!.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  });
  // The emulator logs to stdout/stderr; keep the pipes drained so it never blocks.
  child.stdout!.resume();
  child.stderr!.resume();
  return { uri, child };
}

/** The same server with another database name, keeping credentials and options. */
export function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`Not a MongoDB connection string: ${redact(uri)}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

function redact(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0]!;
}

/** mongodb-memory-server prints a stack trace when it cannot download; the reason is reported once instead. */
async function withoutConsoleNoise<T>(fn: () => Promise<T>): Promise<T> {
  const { warn, error } = console;
  console.warn = () => {};
  console.error = () => {};
  try {
    return await fn();
  } finally {
    console.warn = warn;
    console.error = error;
  }
}
