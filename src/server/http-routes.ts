import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { AckError } from '../protocol.js';
import { ChatError } from './errors.js';
import { splitRequestTarget } from './request-target.js';

export interface HttpRoutesContext {
  basePath: string;
  /** Answers a history request exactly as the socket `history` event does. */
  history(payload: unknown, req: IncomingMessage): Promise<object>;
  /** Resolves when storage is ready and reachable. */
  health(): Promise<void>;
  /** The directory of widget.js, chat-panel.js, chat-details.js, chat-assistant.js, chat-files.js, chat-privacy.js, chat-strings-es.js and inbox.js. */
  browserBundles: string;
  /** Normalises and logs an error; the client gets only its payload. */
  report(error: unknown): ChatError;
  /** Uploads and downloads under `<basePath>/files`, when the chat takes files. */
  files?: {
    matches(path: string): boolean;
    serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void>;
  } | undefined;
}

interface CachedFile {
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';

export interface HttpRoutes {
  /** The full paths served, e.g. `/chat/widget.js`. */
  paths: readonly string[];
  /** Serves the request if it is one of the routes, and says whether it did. */
  serve(req: IncomingMessage, res: ServerResponse): boolean;
  /** Paths under which every path is the chat's (`<basePath>/files`, when it takes files). */
  prefixes?: readonly string[];
}

type Route = (req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void>;

/** A browser bundle of this package: read once and kept, since it only changes with a new version. */
function bundleRoute(path: string, what: string): Route {
  let cached: Promise<CachedFile> | undefined;
  return async (req, res) => {
    cached ??= loadFile(path).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    let file: CachedFile;
    try {
      file = await cached;
    } catch (error) {
      throw new ChatError('NOT_FOUND', `The ${what} bundle is not available`, { cause: error });
    }
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('ETag', file.etag);
    // Same URL across versions, so browsers revalidate every time; a 304 costs a few bytes.
    res.setHeader('Cache-Control', 'public, no-cache');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // A module script from another origin needs CORS. The bundle is public code that carries no
    // credentials, so any site may load it; whether a site may connect is checked on connection
    // (allowedOrigins), where a refusal can say why.
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (matchesETag(req.headers['if-none-match'], file.etag)) {
      res.statusCode = 304;
      res.end();
      return;
    }
    const encoding = preferredEncoding(req.headers['accept-encoding']);
    const body = encoding === 'identity' ? file.body : file[encoding];
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/**
 * The chat's plain HTTP routes under the base path: `GET widget.js` (and `chat-panel.js`, which it
 * loads, with `chat-strings-es.js` on Spanish pages, and `chat-details.js`, `chat-assistant.js`,
 * `chat-files.js` and `chat-privacy.js`, which the window loads for the details form, an assistant
 * or hours, files, and consent or the conversation's menu), `GET inbox.js`,
 * `GET history`, `GET health`.
 */
export function createHttpRoutes(context: HttpRoutesContext): HttpRoutes {
  const { basePath } = context;

  const routes: Record<string, Route> = {
    [`${basePath}/widget.js`]: bundleRoute(join(context.browserBundles, 'widget.js'), 'chat widget'),
    [`${basePath}/chat-panel.js`]: bundleRoute(join(context.browserBundles, 'chat-panel.js'), 'chat window'),
    [`${basePath}/chat-details.js`]: bundleRoute(join(context.browserBundles, 'chat-details.js'), 'details form'),
    [`${basePath}/chat-assistant.js`]: bundleRoute(join(context.browserBundles, 'chat-assistant.js'), 'assistant view'),
    [`${basePath}/chat-files.js`]: bundleRoute(join(context.browserBundles, 'chat-files.js'), 'files view'),
    [`${basePath}/chat-privacy.js`]: bundleRoute(join(context.browserBundles, 'chat-privacy.js'), 'privacy view'),
    [`${basePath}/chat-rating.js`]: bundleRoute(join(context.browserBundles, 'chat-rating.js'), 'rating view'),
    [`${basePath}/chat-strings-es.js`]: bundleRoute(join(context.browserBundles, 'chat-strings-es.js'), 'Spanish strings'),
    [`${basePath}/inbox.js`]: bundleRoute(join(context.browserBundles, 'inbox.js'), 'chat inbox'),
    [`${basePath}/history`]: async (req, res, query) => {
      sendJson(res, 200, await context.history(historyPayload(query), req), req.method === 'HEAD');
    },
    [`${basePath}/health`]: async (req, res) => {
      await context.health();
      sendJson(res, 200, { ok: true }, req.method === 'HEAD');
    },
  };

  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    const chatError = context.report(error);
    // Too late for an error status: cut the response short rather than throw from here.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (chatError.retryAfterMs !== undefined) {
      res.setHeader('Retry-After', Math.ceil(chatError.retryAfterMs / 1000));
    }
    // A body refused before it was read (an upload too large, refused by its type) is not read
    // on: the answer closes the connection.
    if (!req.complete) {
      res.setHeader('Connection', 'close');
      res.once('finish', () => req.socket.destroySoon());
    }
    const body: AckError = { ok: false, error: chatError.toPayload() };
    sendJson(res, chatError.httpStatus, body, req.method === 'HEAD');
  };

  const serve = (req: IncomingMessage, res: ServerResponse): boolean => {
    const target = splitRequestTarget(req.url);
    if (!target) return false;
    const { files } = context;
    if (files?.matches(target.path)) {
      files.serve(req, res, target.path, new URLSearchParams(target.query)).catch((error: unknown) => fail(req, res, error));
      return true;
    }
    if (!Object.hasOwn(routes, target.path)) return false;
    const route = routes[target.path]!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendJson(res, 405, { ok: false, error: { code: 'VALIDATION', message: 'Only GET is supported here' } });
      return true;
    }
    route(req, res, new URLSearchParams(target.query)).catch((error: unknown) => fail(req, res, error));
    return true;
  };
  return { paths: Object.keys(routes), serve, ...(context.files ? { prefixes: [`${basePath}/files`] } : {}) };
}

/**
 * Query string to the socket event's payload shape. Numbers are converted only when they are
 * plain digits; anything else (and repeated parameters) reaches the schema as-is and is refused.
 */
function historyPayload(query: URLSearchParams): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const key of ['room', 'inbox', 'before', 'limit']) {
    const values = query.getAll(key);
    if (values.length === 0) continue;
    const value = values.length === 1 ? values[0]! : values;
    payload[key] = key !== 'room' && key !== 'inbox' && typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value;
  }
  return payload;
}

async function loadFile(path: string): Promise<CachedFile> {
  const body = await readFile(path);
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  // Compressed once, at the highest levels: the cost is paid at the first request only.
  const br = brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return { body, gzip: gzipSync(body, { level: 9 }), br, etag };
}

/** The best encoding the client accepts: brotli, then gzip, else none. Honours `;q=0`. */
function preferredEncoding(header: string | string[] | undefined): 'br' | 'gzip' | 'identity' {
  const accepted = new Map<string, number>();
  for (const part of String(header ?? '').split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
    if (name) accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const weight = (name: string) => accepted.get(name) ?? accepted.get('*') ?? 0;
  if (weight('br') > 0) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return 'identity';
}

function matchesETag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

/** A JSON answer the chat's routes give, never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_TYPE);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(headOnly ? undefined : json);
}

