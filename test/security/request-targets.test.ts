import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { startNodeProcess, type RunningProcess } from '../support/processes.js';

// The chat sees every request of the host's server before the host does: a target it cannot
// parse must go on to the host, never take the process down. These requests go over raw TCP,
// since fetch() would normalise the very targets that matter.

const HOST_APP = fileURLToPath(new URL('../fixtures/host-app.mjs', import.meta.url));
const FRAMEWORKS = ['http', 'express', 'express4', 'koa', 'fastify'];

/** The shapes that once crashed every host, and their relatives. */
const KNOWN_SHAPES = [
  '//',
  '/\\',
  '//[',
  'http://[::1/x',
  '//chat/health',
  '/\\chat/health',
  'http://[::1/chat/health',
  'http://example.com/chat/health',
  '//[::1]:99999/chat/socket.io/?EIO=4&transport=polling',
  '/chat/history?room=%zz&before=%',
  '/chat/socket.io/?EIO=4&transport=polling&sid=%zz',
  '/chat/socket.io/[?EIO=4&transport=polling',
  '*',
];

/**
 * Sends raw bytes on a fresh connection and resolves with what came back, once the server closed
 * the connection (every request here says `Connection: close`) or switched protocols, or after 3 s.
 */
function rawExchange(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    let response = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(response);
    };
    const timer = setTimeout(done, 3000);
    socket.on('data', (chunk: Buffer) => {
      response += chunk.toString('latin1');
      if (response.startsWith('HTTP/1.1 101')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
  });
}

const requestLine = (method: string, target: string, headers: string[] = []) =>
  [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', ''].join('\r\n');

const UPGRADE_HEADERS = [
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Version: 13',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
];

/** A small seeded generator, so a failing fuzz case can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PREFIXES = ['', '/', '//', '/\\', '\\', 'http://', 'http://[', 'https://[::1]', '*', '@', ':', '/chat', '/chat/',
  '//chat', '/chat/socket.io', '/chat/socket.io/', '/chat/history', '/chat/widget.js', '/chat/health', 'chat/health'];
const PIECES = ['/', '//', '\\', '[', ']', ':', '@', '?', '#', '%', '%zz', '%00', '%ff', '%2f', '.', '..', '~', '!', '$',
  '&', "'", '(', ')', '*', '+', ',', ';', '=', 'a', 'Z', '0', 'chat', 'socket.io', '?EIO=4&transport=polling',
  '?EIO=4&transport=websocket', '&sid=', 'room=lobby', 'before=5', '\u00e9', '\u{1F600}', '{', '}', '|', '^', '`'];
const METHODS = ['GET', 'GET', 'GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH'];

function fuzzRequests(count: number, seed: number): string[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  return Array.from({ length: count }, () => {
    let target = pick(PREFIXES);
    const pieces = Math.floor(next() * 8);
    for (let i = 0; i < pieces; i++) target += pick(PIECES);
    if (!target) target = '/';
    // Latin-1 on the wire: non-ASCII characters go as their UTF-8 bytes, as a client would send them.
    target = Buffer.from(target, 'utf8').toString('latin1');
    return requestLine(pick(METHODS), target, next() < 0.25 ? UPGRADE_HEADERS : []);
  });
}

describe.each(FRAMEWORKS)('hostile request targets against a %s host (separate process)', (framework) => {
  let app: RunningProcess;
  let port: number;

  const hostStillAnswers = async () => {
    expect(app.alive(), `the ${framework} host process died:\n${app.output()}`).toBe(true);
    const response = await rawExchange(port, requestLine('GET', '/hello'));
    expect(response).toMatch(/^HTTP\/1\.1 200/);
    expect(response).toContain('hello from the host');
  };

  beforeAll(async () => {
    app = await startNodeProcess(HOST_APP, [framework], { ready: /listening (\d+)/ });
    port = Number(app.ready[1]);
  });

  it.each(KNOWN_SHAPES)('survives GET %s, and the host still answers', async (target) => {
    await rawExchange(port, requestLine('GET', target));
    await rawExchange(port, requestLine('GET', target, UPGRADE_HEADERS));
    await hostStillAnswers();
  });

  it('survives 300 fuzzed request lines (some of them upgrades), and the host still answers', async () => {
    for (const request of fuzzRequests(300, 7 + FRAMEWORKS.indexOf(framework))) {
      await rawExchange(port, request);
      expect(app.alive(), `died on ${JSON.stringify(request.split('\r\n')[0])}:\n${app.output()}`).toBe(true);
    }
    await hostStillAnswers();
  });

  it('answers an upgrade request for a path that is not the chat\'s instead of leaving it open', async () => {
    const started = Date.now();
    expect(await rawExchange(port, requestLine('GET', '/hello', UPGRADE_HEADERS))).toMatch(/^HTTP\/1\.1 [1-5]\d\d/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('still serves the chat itself', async () => {
    expect(await rawExchange(port, requestLine('GET', '/chat/health'))).toMatch(/^HTTP\/1\.1 200/);
  });
});
