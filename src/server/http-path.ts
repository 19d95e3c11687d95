import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer } from 'engine.io';
import type { HttpRoutes } from './http-routes.js';
import { splitRequestTarget } from './request-target.js';

type EngineClients = { clients: Record<string, { close(discard?: boolean): void } | undefined> };

export interface HttpPathContext {
  /** `<basePath>/socket.io`. */
  socketPath: string;
  engine: EngineServer;
  routes: HttpRoutes;
  /** Whether the chat has stopped serving (close() has drained). */
  closed(): boolean;
  /**
   * Makes the chat's own engine serve its Socket.IO traffic, and says whether it does: not when
   * the chat runs on the host's Socket.IO server, whose engine serves it.
   */
  serveWithOwnEngine(): boolean;
  report(error: unknown): unknown;
}

/**
 * The chat in the host's HTTP path. It sees every request of the host's server first, takes its
 * own (its routes, Socket.IO's polling and WebSocket upgrades) and hands everything else to the
 * host untouched; nothing here may throw, hang or slow the host's own routes.
 */
export class HttpPath {
  readonly #ctx: HttpPathContext;

  constructor(ctx: HttpPathContext) {
    this.#ctx = ctx;
  }

  /**
   * Serves the request if it is the chat's, and says whether it was. A failure is logged, and the
   * request answered 500 if it was the chat's, else left to the host.
   */
  serve(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      return this.#serve(req, res);
    } catch (error) {
      this.#ctx.report(error);
      const path = splitRequestTarget(req.url)?.path ?? '';
      const chatPath = this.#ctx.routes.paths.includes(path) || (this.#ctx.routes.prefixes ?? []).some((prefix) => path.startsWith(prefix));
      if (!this.isSocketRequest(req) && !chatPath) {
        return false;
      }
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else {
        res.destroy();
      }
      return true;
    }
  }

  /**
   * Takes Socket.IO's requests and WebSocket upgrades on `server`, leaving every other request to
   * the host's own listeners, and makes `server.close()` call `closeChat` too, so it never waits on
   * open chat connections. Returns what undoes it.
   */
  attach(server: HttpServer, closeChat: () => void): () => void {
    const hostListeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    server.removeAllListeners('request');
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (this.serve(req, res)) return;
      for (const listener of hostListeners) listener.call(server, req, res);
    };
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#ctx.closed() || !this.isSocketRequest(req)) {
        // Other paths are left to the host's own upgrade listeners (its Socket.IO, say). Without
        // one, Node would have served the request as a plain one; now that the chat listens,
        // it comes here instead, and must be answered rather than left hanging.
        if (server.listenerCount('upgrade') === 1) refuseUpgrade(socket);
        return;
      }
      try {
        this.#ctx.engine.handleUpgrade(req, socket, head);
      } catch (error) {
        this.#ctx.report(error);
        socket.destroy();
      }
    };
    server.on('request', onRequest);
    server.on('upgrade', onUpgrade);

    // An HTTP server's close() waits for every open connection, chat WebSockets included; closing
    // the chat first lets the host's server.close() (and the frameworks' app close) finish.
    const hostClose = server.close;
    server.close = ((...args: Parameters<HttpServer['close']>) => {
      const result = hostClose.apply(server, args);
      closeChat();
      return result;
    }) as HttpServer['close'];
    return () => {
      server.off('upgrade', onUpgrade);
      if (server.close !== hostClose) server.close = hostClose;
    };
  }

  isSocketRequest(req: IncomingMessage): boolean {
    const path = splitRequestTarget(req.url)?.path;
    const { socketPath } = this.#ctx;
    return path !== undefined && (path === socketPath || path.startsWith(`${socketPath}/`));
  }

  /** Polling keeps being served while close() drains, so clients still receive the acks of requests in progress. */
  #serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#ctx.closed()) return false;
    if (!this.isSocketRequest(req)) return this.#ctx.routes.serve(req, res);
    if (!this.#ctx.serveWithOwnEngine()) return false;
    if (asksToForgeForwarding(req)) {
      res.statusCode = 403;
      res.end();
      return true;
    }
    if (req.method === 'POST') this.#closeSessionOnOversizedPost(req, res);
    this.#ctx.engine.handleRequest(req, res);
    return true;
  }

  /**
   * engine.io answers a polling POST over `maxHttpBufferSize` with 413 and keeps the session; a
   * WebSocket frame over the limit closes the connection. Both close it, as the README says.
   */
  #closeSessionOnOversizedPost(req: IncomingMessage, res: ServerResponse): void {
    const sid = new URLSearchParams(splitRequestTarget(req.url)?.query ?? '').get('sid');
    if (!sid) return;
    res.once('finish', () => {
      // `clients` is documented public in engine.io's README, though typed protected.
      if (res.statusCode === 413) (this.#ctx.engine as unknown as EngineClients).clients[sid]?.close(true);
    });
  }
}

/**
 * A page asking the browser's leave to send `X-Forwarded-*` headers: a page of another origin
 * could otherwise claim the chat's own host (see `trustProxy`), since the transport's CORS lets
 * every page read its answers. Only a proxy writes those headers; no page needs to.
 */
function asksToForgeForwarding(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && /(^|,)\s*x-forwarded-/i.test(String(req.headers['access-control-request-headers'] ?? ''));
}

/** Answers an upgrade request nobody serves, as Node answers a request for an unknown path. */
function refuseUpgrade(socket: Duplex): void {
  if (!socket.writable) return;
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  socket.once('error', () => undefined);
}
