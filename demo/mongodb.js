import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * @typedef {object} ResolvedMongo
 * @property {string} uri
 * @property {'MONGODB_URI' | 'mongodb-memory-server' | 'jongodb'} kind
 * @property {string} description Human-readable: which server, and why this one.
 * @property {boolean} emulated jongodb lacks drop/create/listCollections and honours no projections.
 * @property {() => Promise<void>} stop
 */

const JONGODB_PACKAGE = '@jongodb/memory-server-bin-linux-x64-gnu';

/**
 * Finds a MongoDB for the demo and the tests, in this order: `MONGODB_URI` (a real server the user points
 * to), then `mongodb-memory-server` (a real mongod, where it has or can download a binary), then
 * the jongodb emulator (an optional dependency of the demo workspace, Linux x64 glibc only).
 * @returns {Promise<ResolvedMongo>}
 */
export async function resolveMongo() {
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

  /** @type {string[]} */
  const reasons = [];
  try {
    const unavailable = await mongodUnavailable();
    if (unavailable) throw new Error(unavailable);
    const { MongoMemoryReplSet } = await import('mongodb-memory-server-core');
    // A one-member replica set rather than a lone mongod: majority writes, retryable writes and
    // the primary's read concern then work as they do in production.
    const server = await withoutConsoleNoise(() => MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } }));
    return {
      uri: server.getUri(),
      kind: 'mongodb-memory-server',
      description: `mongodb-memory-server (a real mongod, as a one-member replica set) at ${server.getUri()}`,
      emulated: false,
      stop: async () => {
        await server.stop();
      },
    };
  } catch (error) {
    reasons.push(firstLine(error));
  }

  try {
    const { uri, child } = await startJongodb();
    return {
      uri,
      kind: 'jongodb',
      description: `the jongodb emulator at ${uri}, since ${reasons.join('; ')} (set MONGODB_URI to use your own server)`,
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

/**
 * Why mongodb-memory-server cannot start a mongod here, found out in a second or two: no binary on
 * this machine, and its download server cannot be reached (a machine without internet). Undefined
 * when it can, with a binary or with a download.
 * @returns {Promise<string | undefined>}
 */
async function mongodUnavailable() {
  const { DryMongoBinary } = await import('mongodb-memory-server-core');
  const { resolveConfig, ResolveConfigVariables, DEFAULT_VERSION } = await import(
    'mongodb-memory-server-core/lib/util/resolveConfig.js'
  );
  const version = resolveConfig(ResolveConfigVariables.VERSION) ?? DEFAULT_VERSION;
  const binary = await DryMongoBinary.locateBinary({ version }).catch(() => undefined);
  if (binary) return undefined;
  const source = new URL(
    resolveConfig(ResolveConfigVariables.DOWNLOAD_URL) ??
      resolveConfig(ResolveConfigVariables.DOWNLOAD_MIRROR) ??
      'https://fastdl.mongodb.org',
  );
  const port = Number(source.port || (source.protocol === 'http:' ? 80 : 443));
  const reachable = await new Promise((resolve) => {
    const socket = connect({ host: source.hostname, port, timeout: 2000 });
    const done = (/** @type {boolean} */ result) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
  return reachable ? undefined : `no mongod ${version} on this machine, and ${source.hostname} cannot be reached to download one`;
}

/** @returns {Promise<{ uri: string, child: import('node:child_process').ChildProcess }>} */
async function startJongodb() {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve(`${JONGODB_PACKAGE}/package.json`);
  const binary = join(dirname(packageJson), 'bin', 'jongodb');
  const child = spawn(binary, ['--host=127.0.0.1', '--port=0', '--database=parley'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** @type {string} */
  const uri = await new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error('jongodb printed no JONGODB_URI within 20 s')), 20_000);
    /** @param {Error} error */
    const fail = (error) => {
      clearTimeout(timer);
      child.kill();
      reject(error);
    };
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`jongodb exited with code ${code}: ${output.trim()}`)));
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      output += chunk.toString();
      const match = /JONGODB_URI=(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout.off('data', onData);
        resolve(/** @type {string} */ (match[1]));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (/** @type {Buffer} */ chunk) => (output += chunk.toString()));
  });
  // The emulator logs to stdout/stderr; keep the pipes drained so it never blocks.
  child.stdout.resume();
  child.stderr.resume();
  return { uri, child };
}

/** The same server with another database name, keeping credentials and options. */
/**
 * @param {string} uri
 * @param {string} dbName
 */
export function withDatabase(uri, dbName) {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`Not a MongoDB connection string: ${redact(uri)}`);
  return `${match[1]}/${dbName}${match[2] ?? ''}`;
}

/** @param {string} uri */
function redact(uri) {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** @param {unknown} error */
function firstLine(error) {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
}

/** mongodb-memory-server prints a stack trace when it cannot download; the reason is reported once instead. */
/**
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
async function withoutConsoleNoise(fn) {
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
