import { escapeRegex } from '../escape-regex.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { UploadAck } from '../protocol.js';
import { ChatError } from '../server/errors.js';
import { sendJson } from '../server/http-routes.js';
import type { OperatorIdentityOf } from '../server/handshake.js';
import type { Visitor } from '../server/options.js';
import { contentDisposition, type ChatFiles } from './files.js';
import type { FileReader } from './links.js';
import { uploaderOf, type FileRecord } from './records.js';

export interface FileRoutesContext {
  basePath: string;
  files: ChatFiles;
  /** Throws while the chat is not taking requests (closing, storage not ready). */
  admit(): void;
  visitorOfRequest(req: IncomingMessage): Promise<{ visitor: Visitor; isNew: boolean }>;
  /** Null when the chat has no operators. */
  operatorOfRequest: ((req: IncomingMessage, res: ServerResponse) => Promise<OperatorIdentityOf>) | null;
  /** Counts an upload against the uploader's and the address's limits (throws RATE_LIMITED). */
  takeUpload(uploaderId: string, req: IncomingMessage): void;
  /** Whether a page on the request's origin may upload as a visitor, or as an operator. */
  originAllowed(req: IncomingMessage, as: 'visitors' | 'operators'): boolean;
  /** The visitor of a conversation, to check a visitor's own token against a file sent in it. */
  conversationVisitor(conversationId: string): Promise<string | null>;
  /** Throws unless the `rooms` policy lets the visitor read the room. */
  checkRoomAccess(room: string, visitor: Visitor): Promise<void>;
  /** Throws CONSENT_REQUIRED for a visitor who has not agreed to the chat's terms, when they must. */
  checkConsent(visitorId: string): Promise<void>;
}


/**
 * `POST <basePath>/files` (one file, multipart) and `GET <basePath>/files/<id>` and
 * `…/<id>/thumbnail` (signed URLs, or a visitor's own token). Errors are thrown as ChatErrors
 * for the chat's routes to answer.
 */
export function createFileRoutes(ctx: FileRoutesContext) {
  const prefix = `${ctx.basePath}/files`;
  const pattern = new RegExp(`^${escapeRegex(prefix)}(?:/([A-Za-z0-9_-]{1,64})(/thumbnail)?)?$`);

  /** Whether the path is one of these routes. */
  const matches = (path: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

  async function serve(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const match = pattern.exec(path);
    if (!match) throw new ChatError('NOT_FOUND', 'There is no such file');
    const [, id, thumbnail] = match;
    if (!id) {
      allowCors(req, res);
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'POST');
        res.setHeader('Access-Control-Allow-Headers', 'authorization, content-type');
        res.setHeader('Access-Control-Max-Age', '600');
        res.statusCode = 204;
        res.end();
        return;
      }
      if (req.method !== 'POST') return methodNotAllowed(res, 'POST, OPTIONS');
      const file = await upload(req, res);
      sendJson(res, 200, { ok: true, file } satisfies UploadAck);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD');
    await download(req, res, id, thumbnail !== undefined, query);
  }

  function allowCors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin) return;
    res.setHeader('Vary', 'Origin');
    // The upload's client reads how long to wait when it is refused for now.
    res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
    if (ctx.originAllowed(req, 'visitors')) {
      res.setHeader('Access-Control-Allow-Origin', origin);
    } else if (ctx.operatorOfRequest && ctx.originAllowed(req, 'operators')) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
  }

  async function upload(req: IncomingMessage, res: ServerResponse): Promise<UploadAck['file']> {
    ctx.admit();
    const bearer = /^Bearer\s+\S+$/i.test(req.headers.authorization ?? '');
    let uploader: { id: string; role: 'visitor' | 'operator' };
    if (bearer) {
      if (!ctx.originAllowed(req, 'visitors')) throw new ChatError('FORBIDDEN', 'This chat does not take files from pages on this site');
      const { visitor, isNew } = await ctx.visitorOfRequest(req);
      if (isNew) throw new ChatError('UNAUTHORIZED', 'The visitor token is not valid; connect to the chat first');
      await ctx.checkConsent(visitor.id);
      uploader = { id: uploaderOf({ visitorId: visitor.id }), role: 'visitor' };
    } else {
      if (!ctx.operatorOfRequest) throw new ChatError('UNAUTHORIZED', "Send the visitor's token as Authorization: Bearer <token>");
      if (!ctx.originAllowed(req, 'operators')) throw new ChatError('FORBIDDEN', 'This chat does not take files from pages on this site');
      const operator = await ctx.operatorOfRequest(req, res);
      uploader = { id: uploaderOf({ operatorId: operator.operatorId }), role: 'operator' };
    }
    ctx.takeUpload(uploader.id, req);
    return ctx.files.upload(req, uploader);
  }

  async function download(req: IncomingMessage, res: ServerResponse, id: string, thumbnail: boolean, query: URLSearchParams): Promise<void> {
    const record = await ctx.files.sent(id);
    if (!record || (thumbnail && !record.thumbnail)) throw new ChatError('NOT_FOUND', 'There is no such file');
    await checkReader(req, res, record, query, ctx.files.links.verify(id, query));

    const direct = await ctx.files.directUrl(record, thumbnail);
    if (direct) {
      res.statusCode = 302;
      res.setHeader('Location', direct);
      res.setHeader('Cache-Control', 'no-store');
      res.end();
      return;
    }
    const type = thumbnail ? 'image/webp' : record.type;
    res.setHeader('Content-Type', type.startsWith('text/') ? `${type}; charset=utf-8` : type);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Never a page: nothing in a file may run, load or navigate, even opened on its own.
    res.setHeader('Content-Security-Policy', "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox");
    res.setHeader('Content-Disposition', contentDisposition(record, thumbnail));
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Cache-Control', 'private, max-age=300');
    res.setHeader('ETag', `"${record.id}${thumbnail ? '-t' : ''}"`);
    res.setHeader('Accept-Ranges', 'bytes');
    if (req.headers['if-none-match'] === `"${record.id}${thumbnail ? '-t' : ''}"`) {
      res.statusCode = 304;
      res.end();
      return;
    }
    // The thumbnail's size is not kept: it is served whole.
    const range = thumbnail ? undefined : parseRange(req.headers.range, record.size);
    if (range === 'unsatisfiable') {
      res.statusCode = 416;
      res.setHeader('Content-Range', `bytes */${record.size}`);
      res.end();
      return;
    }
    if (req.method === 'HEAD') {
      res.statusCode = range ? 206 : 200;
      if (range) res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${record.size}`);
      if (!thumbnail) res.setHeader('Content-Length', range ? range.end - range.start + 1 : record.size);
      res.end();
      return;
    }
    const stream = await ctx.files.read(record, thumbnail, range);
    if (!stream) throw new ChatError('NOT_FOUND', 'There is no such file');
    if (range) {
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${record.size}`);
      res.setHeader('Content-Length', range.end - range.start + 1);
    } else {
      res.statusCode = 200;
      if (!thumbnail) res.setHeader('Content-Length', record.size);
    }
    await pipeline(stream, res);
  }

  /**
   * A signed URL is enough on its own (an `<img>` sends nothing else); a request that also says who
   * it is must be the reader it was signed for. Without a signature, a visitor's token reads the
   * files of their own conversations and of public rooms.
   */
  async function checkReader(req: IncomingMessage, res: ServerResponse, record: FileRecord, query: URLSearchParams, reader: FileReader | null): Promise<void> {
    const bearer = /^Bearer\s+\S+$/i.test(req.headers.authorization ?? '');
    const where = whereOf(record);
    if (bearer) {
      const { visitor, isNew } = await ctx.visitorOfRequest(req);
      if (isNew) throw new ChatError('UNAUTHORIZED', 'The visitor token is not valid');
      const mayRead = reader ? reader === `v:${visitor.id}` || reader.startsWith('r:') : await visitorMayRead(visitor.id, record, where);
      if (!mayRead) throw new ChatError('FORBIDDEN', 'This file is not yours to read');
      // A room's file, to a visitor the `rooms` policy lets in (now, not when the link was made).
      if (where.startsWith('room:')) await ctx.checkRoomAccess(where.slice('room:'.length), visitor);
      return;
    }
    if (!reader) {
      if (query.has('s')) throw new ChatError('FORBIDDEN', 'This link to the file has expired or is not valid; reload the conversation for a new one');
      throw new ChatError('UNAUTHORIZED', 'Open the file from its message: its link is signed for you');
    }
    // The team's link, asked by someone the host knows as an operator: they must be of the inbox.
    if (reader.startsWith('t:') && ctx.operatorOfRequest) {
      const operator = await ctx.operatorOfRequest(req, res).catch(() => null);
      const inbox = reader.slice(2);
      if (operator && operator.inboxes !== '*' && !operator.inboxes.includes(inbox)) throw new ChatError('FORBIDDEN', 'This file is not in your inboxes');
    }
  }

  async function visitorMayRead(visitorId: string, record: FileRecord, where: string): Promise<boolean> {
    if (where.startsWith('room:')) return true;
    if (where.startsWith('inbox:')) return record.uploaderId === `v:${visitorId}`;
    if (where.startsWith('c:')) return (await ctx.conversationVisitor(where.slice(2))) === visitorId;
    return false;
  }

  return { prefix, matches, serve };
}

/** Where the message that took a file went (see `uploaderOf`). */
function whereOf(record: FileRecord): string {
  return record.claim?.split('\n')[1] ?? '';
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  sendJson(res, 405, { ok: false, error: { code: 'VALIDATION', message: `Only ${allow} here` } });
}

/** One range of `bytes=` (the first, if several), within the file; 'unsatisfiable' outside it. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const match = /^bytes=(\d*)-(\d*)(?:,|$)/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (!Number.isSafeInteger(start) || start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
