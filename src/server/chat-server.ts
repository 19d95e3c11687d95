import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer } from 'engine.io';
import { Server } from 'socket.io';
import { Adapter as InMemoryAdapter } from 'socket.io-adapter';
import type {
  ChatErrorPayload,
  ChatMessage,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../protocol.js';
import type { ChatStore } from '../stores/types.js';
import { ackedEvents } from './acked-events.js';
import { clientAddress } from './client-address.js';
import type { ChatContext, InterServerEvents, OperatorNamespace, RateLimitName, VisitorNamespace } from './context.js';
import { createConversationsApi, type ConversationsApi } from '../conversations/api.js';
import { ConversationService } from '../conversations/service.js';
import { ChatError, toChatError } from './errors.js';
import { identifyVisitor, isOriginAllowed, loadSocketData, type SocketData } from './handshake.js';
import { createHttpRoutes, type HttpRoutes } from './http-routes.js';
import { guestName, VisitorTokens } from './identity.js';
import { KeyedQueue } from './keyed-queue.js';
import { Operators, type OperatorSocket } from '../conversations/operator-events.js';
import { resolveOptions, type ChatHandshake, type ChatServerOptions, type ResolvedOptions, type Visitor } from './options.js';
import { RateLimiter } from './rate-limiter.js';
import { splitRequestTarget } from './request-target.js';
import { Rooms, type VisitorSocket } from '../rooms/rooms.js';
import { createSchemas, namesInbox } from './payloads.js';
import { dropWhenUnread } from './slow-readers.js';
import { VisitorInbox } from '../conversations/visitor-side.js';
import { throwNoInboxes, Visitors } from './visitor-events.js';

export type { InterServerEvents } from './context.js';

export type ChatIO = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type EngineClients = { clients: Record<string, { close(discard?: boolean): void } | undefined> };

/**
 * A Node request handler for the chat's routes. Returns whether the chat took the request; for
 * any other request it calls `next` (or, without `next`, answers 404).
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => boolean;

export interface ChatServer {
  /** The Socket.IO server the chat runs on (the host's own, if one was passed to `attach`). */
  readonly io: ChatIO;
  readonly store: ChatStore;
  /** The normalised base path, e.g. `/chat`. */
  readonly basePath: string;
  /**
   * Serves the chat's HTTP routes: `GET <basePath>/widget.js`, `GET <basePath>/history`,
   * `GET <basePath>/health` and Socket.IO polling. Framework adapters mount it; WebSocket
   * upgrades still need `attach`.
   */
  readonly handler: NodeHandler;
  /** The HTTP routes `handler` serves (full paths), e.g. for registering them with a router. */
  readonly routes: readonly string[];
  /**
   * Support conversations from the host's own code: list, read, send as an operator or a bot,
   * assign, resolve. Needs the `operators` option.
   */
  readonly conversations: ConversationsApi;
  /**
   * Takes Socket.IO's requests and WebSocket upgrades on `server` (other requests reach the
   * host's own listeners) and makes `server.close()` close the chat first, so it never waits on
   * open chat connections. Or runs the chat on the host's Socket.IO server, main namespace.
   */
  attach(target: HttpServer | Server): ChatServer;
  /**
   * Tells every client connected to this node to catch up on what it joined, from the last
   * contiguous seq it has. Call it when packets between nodes may have been lost, e.g. when this
   * node's Redis connection comes back (see `guardRedisClient`'s `onReconnect`).
   */
  resync(): void;
  /**
   * Resolves when storage is initialised (indexes made and checked); rejects at once, with
   * `STORAGE_UNAVAILABLE`, while the database is unreachable. The chat gets ready again by itself
   * whenever the database (re)connects; until then handshakes are refused and `/health` says 503.
   */
  ready(): Promise<void>;
  /**
   * Stops accepting connections, waits for requests in progress (at most `drainTimeoutMs`),
   * then closes every chat connection; clients see a transport close and reconnect by themselves
   * (to another node, or to this one once it is back). Leaves the HTTP server and the Mongoose
   * connection open.
   */
  close(options?: { drainTimeoutMs?: number }): Promise<void>;
}

const SHUTTING_DOWN = () =>
  new ChatError('STORAGE_UNAVAILABLE', 'The chat server is restarting; try again shortly', { retryable: true });

/** `/health` answers within this, 503 when storage has not answered by then. */
const HEALTH_TIMEOUT_MS = 750;
const OPERATORS_NAMESPACE = '/operators';
const MAX_REFUSED_ORIGINS_LOGGED = 100;

/**
 * Creates the chat server: Socket.IO handlers over a store. Attach it to the host's HTTP server.
 *
 * @example
 * const db = await mongoose.createConnection(process.env.MONGODB_URI).asPromise();
 * const chat = createChatServer({ mongoose: db, secret: process.env.CHAT_SECRET });
 * chat.attach(httpServer);
 */
export function createChatServer(options: ChatServerOptions): ChatServer {
  return new ChatServerImpl(resolveOptions(options));
}

class ChatServerImpl implements ChatServer {
  readonly store: ChatStore;
  readonly basePath: string;
  readonly handler: NodeHandler;
  readonly routes: readonly string[];
  readonly conversations: ConversationsApi;

  readonly #options: ResolvedOptions;
  readonly #ctx: ChatContext;
  readonly #httpRoutes: HttpRoutes;
  readonly #socketPath: string;
  readonly #ownIo: ChatIO;
  readonly #engine: EngineServer;
  #io: ChatIO | undefined;
  readonly #tokens: VisitorTokens;
  readonly #limiters: Record<RateLimitName, RateLimiter>;
  readonly #rooms: Rooms;
  readonly #service: ConversationService | undefined;
  readonly #inbox: VisitorInbox | undefined;
  readonly #operators: Operators | undefined;
  readonly #visitors: Visitors;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #detachers: Array<() => void> = [];
  readonly #boundedConnections = new WeakSet<object>();
  /** Origins refused and logged already: one line each is enough to tell the site owner. */
  readonly #refusedOrigins = new Set<string>();
  #initialising: Promise<void> | undefined;
  /** Whether the last storage initialisation failed, so an outage is logged once, not per client. */
  #storageDown = false;
  readonly #stopWatchingStore: (() => void) | undefined;
  /** Set when close() starts: no new connections or requests are accepted. */
  #closing: Promise<void> | undefined;
  /** Set once draining is over: the chat's HTTP traffic is no longer served. */
  #closed = false;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.store = options.store;
    this.basePath = options.basePath;
    this.#socketPath = `${options.basePath}/socket.io`;
    this.#tokens = new VisitorTokens(options.secret, options.tokenMaxAgeMs);
    const { limits } = options;
    this.#limiters = {
      event: new RateLimiter(limits.eventRate),
      message: new RateLimiter(limits.messageRate),
      addressMessage: new RateLimiter(limits.addressMessageRate),
      newVisitor: new RateLimiter(limits.newVisitorRate),
    };

    // Socket.IO runs on a detached engine: the chat routes its own requests and upgrades, so it
    // never takes over or closes the host's HTTP server and coexists with a host Socket.IO.
    this.#engine = new EngineServer({
      maxHttpBufferSize: limits.maxPayloadBytes,
      // Every page may read the transport's answers, so that a page the chat refuses can read why
      // (and a site owner learn which option to set). The refusal itself is each namespace's
      // first middleware, on both transports; without it there is nothing to read.
      cors: { origin: true, credentials: true },
    });
    // The host's session middleware, so identify() finds `request.session` (see `middleware`).
    for (const middleware of options.middleware) this.#engine.use(middleware);
    this.#ownIo = new Server({
      path: this.#socketPath,
      serveClient: false,
      ...(options.adapter ? { adapter: options.adapter } : {}),
      // A client back within the window gets its rooms and the packets it missed; the handshake
      // middlewares (origin, storage, identity) run again all the same.
      ...(options.connectionStateRecovery
        ? { connectionStateRecovery: { maxDisconnectionDuration: options.connectionStateRecovery.maxDisconnectionDurationMs, skipMiddlewares: false } }
        : {}),
    });

    this.#ctx = {
      options,
      store: options.store,
      schemas: createSchemas(limits, options.defaultPhoneCountry),
      tokens: this.#tokens,
      roomQueue: new KeyedQueue(),
      acked: ackedEvents({
        admit: () => {
          if (this.#closing) throw SHUTTING_DOWN();
        },
        timeoutMs: limits.storageTimeoutMs,
        report: (error) => this.#report(error),
        inFlight: this.#inFlight,
      }),
      rateLimit: (limit, key) => takeToken(this.#limiters[limit], key),
      rateLimited: (limit, key) => this.#limiters[limit].take(key) > 0,
      isClosing: () => this.#closing !== undefined,
      visitors: () => this.io.of('/') as VisitorNamespace,
      operators: () => this.io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace,
      // The in-memory adapter has no other nodes (and would only print a warning if told).
      hasOtherNodes: () => this.io.of('/').adapter.serverSideEmit !== InMemoryAdapter.prototype.serverSideEmit,
      tellOtherNodes: (event, ...args) => {
        if (this.#ctx.hasOtherNodes()) this.io.serverSideEmit(event, ...args);
      },
      report: (error) => this.#report(error),
      runHook: (name, hook) => {
        Promise.resolve()
          .then(hook)
          .catch((error: unknown) => options.logger.error(`parley-chat: hooks.${name} failed`, error));
      },
    };
    this.#rooms = new Rooms(this.#ctx);
    if (options.operators) {
      this.#service = new ConversationService(this.#ctx);
      this.#inbox = new VisitorInbox(this.#ctx, this.#service);
      this.#operators = new Operators(this.#ctx, this.#service);
    }
    this.conversations = createConversationsApi(this.#ctx, this.#service);
    this.#visitors = new Visitors(this.#ctx, this.#rooms, this.#inbox);

    this.#httpRoutes = createHttpRoutes({
      basePath: options.basePath,
      browserBundles: options.browserBundles,
      history: (payload, req) => this.#httpHistory(payload, req),
      health: () => this.#health(),
      report: (error) => this.#report(error),
    });
    this.routes = this.#httpRoutes.paths;
    this.handler = (req, res, next) => {
      if (this.#serveSafely(req, res)) return true;
      if (next) {
        next();
      } else {
        res.statusCode = 404;
        res.end();
      }
      return false;
    };

    // Storage starts initialising at once, and again whenever the store reports it reachable
    // (a database that comes up late or comes back); handshakes retry it too.
    this.#stopWatchingStore = this.store.onAvailable?.(() => {
      this.#initialising = undefined;
      void this.ready().catch(() => undefined);
    });
    void this.ready().catch(() => undefined);
  }

  get io(): ChatIO {
    return this.#io ?? this.#ownIo;
  }

  ready(): Promise<void> {
    this.#initialising ??= this.store.init().then(
      () => {
        if (this.#storageDown) this.#options.logger.warn('parley-chat: storage is ready again');
        this.#storageDown = false;
      },
      (error: unknown) => {
        this.#initialising = undefined;
        if (!this.#storageDown) {
          // A store that only says it is not connected (yet) is waited for; anything else is a fault.
          const waiting = error instanceof ChatError && error.code === 'STORAGE_UNAVAILABLE' && !error.cause;
          if (waiting) this.#options.logger.warn('parley-chat: waiting for the database; handshakes are refused until it answers');
          else this.#options.logger.error('parley-chat: storage is not ready; handshakes will be refused until it is', error);
        }
        this.#storageDown = true;
        throw error instanceof ChatError
          ? error
          : new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database right now; try again shortly', {
              cause: error,
            });
      },
    );
    return this.#initialising;
  }

  attach(target: HttpServer | Server): ChatServer {
    if (this.#closing) throw new Error('parley-chat: this chat server is closed; create a new one');
    if (target instanceof Server) {
      this.#bind(target as ChatIO);
      return this;
    }
    if (!target || typeof target.on !== 'function' || typeof target.listeners !== 'function') {
      throw new TypeError('parley-chat: attach() takes an http.Server (or https.Server), or a Socket.IO Server');
    }
    this.#bind(this.#ownIo);

    // The host's request listeners keep serving everything that is not the chat's.
    const hostListeners = target.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    target.removeAllListeners('request');
    const onRequest = (req: IncomingMessage, res: ServerResponse) => {
      if (this.#serveSafely(req, res)) return;
      for (const listener of hostListeners) listener.call(target, req, res);
    };
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.#closed || !this.#isSocketRequest(req)) {
        // Other paths are left to the host's own upgrade listeners (its Socket.IO, say). Without
        // one, Node would have served the request as a plain one; now that the chat listens,
        // it comes here instead, and must be answered rather than left hanging.
        if (target.listenerCount('upgrade') === 1) refuseUpgrade(socket);
        return;
      }
      try {
        this.#engine.handleUpgrade(req, socket, head);
      } catch (error) {
        this.#report(error);
        socket.destroy();
      }
    };
    target.on('request', onRequest);
    target.on('upgrade', onUpgrade);

    // An HTTP server's close() waits for every open connection, chat WebSockets included; closing
    // the chat first lets the host's server.close() (and the frameworks' app close) finish.
    const hostClose = target.close;
    target.close = ((...args: Parameters<HttpServer['close']>) => {
      const result = hostClose.apply(target, args);
      void this.close();
      return result;
    }) as HttpServer['close'];
    this.#detachers.push(() => {
      target.off('upgrade', onUpgrade);
      if (target.close !== hostClose) target.close = hostClose;
    });
    return this;
  }

  resync(): void {
    if (this.#closing || !this.#io) return;
    this.#io.of('/').local.emit('resync');
    if (this.#operators) (this.#io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace).local.emit('resync');
  }

  close({ drainTimeoutMs = 5000 }: { drainTimeoutMs?: number } = {}): Promise<void> {
    this.#closing ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight]),
        new Promise((resolve) => (timer = setTimeout(resolve, drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      this.#closed = true;
      this.#stopWatchingStore?.();
      this.#service?.close();
      this.#rooms.presence.stop();
      for (const detach of this.#detachers) detach();
      if (this.#io === this.#ownIo) {
        await this.#ownIo.close(); // no HTTP server is bound to it, so this closes only the chat's own
      } else {
        // Dropping the transport (not a disconnect packet) lets clients reconnect by themselves.
        for (const name of ['/', OPERATORS_NAMESPACE]) {
          for (const socket of this.#io?.of(name).sockets.values() ?? []) socket.conn.close();
        }
      }
    })();
    return this.#closing;
  }

  /**
   * The chat sees every request of the host's server first, so nothing may escape from here: a
   * failure is logged, and the request answered 500 if it was the chat's, else left to the host.
   */
  #serveSafely(req: IncomingMessage, res: ServerResponse): boolean {
    try {
      return this.#serve(req, res);
    } catch (error) {
      this.#report(error);
      if (!this.#isSocketRequest(req) && !this.#httpRoutes.paths.includes(splitRequestTarget(req.url)?.path ?? '')) {
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
   * Serves the request if it is the chat's, and says whether it was. Polling keeps being served
   * while close() drains, so clients still receive the acks of requests in progress.
   */
  #serve(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#closed) return false;
    if (!this.#isSocketRequest(req)) return this.#httpRoutes.serve(req, res);
    // With the host's own Socket.IO server, its engine serves the traffic, not ours.
    if (this.#io && this.#io !== this.#ownIo) return false;
    this.#bind(this.#ownIo);
    if (req.method === 'POST') this.#closeSessionOnOversizedPost(req, res);
    this.#engine.handleRequest(req, res);
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
      if (res.statusCode === 413) (this.#engine as unknown as EngineClients).clients[sid]?.close(true);
    });
  }

  #isSocketRequest(req: IncomingMessage): boolean {
    const path = splitRequestTarget(req.url)?.path;
    return path !== undefined && (path === this.#socketPath || path.startsWith(`${this.#socketPath}/`));
  }

  #bind(io: ChatIO): void {
    if (this.#io === io) return;
    if (this.#io) throw new Error('parley-chat: attach() to one Socket.IO server only; create another chat server');
    this.#io = io;
    if (io === this.#ownIo) io.bind(this.#engine);
    const visitors = io.of('/');
    visitors.use((socket, next) => next(this.#originError(socket.request)));
    visitors.use((socket, next) => {
      this.#visitorHandshake(socket).then(
        () => next(),
        (error: unknown) => next(this.#handshakeError(error)),
      );
    });
    visitors.on('connection', (socket) => {
      this.#boundConnection(socket.conn);
      this.#visitors.connection(socket);
    });
    io.on('visitorUpdated', (visitorId, name, details) => this.#visitors.updateLocal(visitorId, name, details));
    io.on('visitorOnline', (conversationId, online) => this.#service?.setVisitorOnline(conversationId, online));
    io.on('teamChanged', (inboxes) => void this.#operators?.notifyTeam(inboxes ?? '*', true));
    io.on('presenceCounts', (nodeId, counts) => this.#rooms.presence.heard(nodeId, counts));
    this.#rooms.presence.start();

    // The operators' namespace exists only when the host has operators: without them a client
    // connecting there gets Socket.IO's "Invalid namespace".
    const operators = this.#operators;
    if (operators) {
      const namespace = io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace;
      namespace.use((socket, next) => next(this.#originError(socket.request)));
      namespace.use((socket, next) => {
        this.#operatorHandshake(socket as OperatorSocket, operators).then(
          () => next(),
          (error: unknown) => next(this.#handshakeError(error)),
        );
      });
      namespace.on('connection', (socket) => {
        this.#boundConnection(socket.conn);
        operators.connection(socket as OperatorSocket);
      });
    }
  }

  /**
   * Refuses a page of an origin the chat does not allow (see `allowedOrigins`), with a coded error
   * the widget shows, and tells the site owner once per origin which option to set.
   */
  #originError(request: IncomingMessage): (Error & { data: ChatErrorPayload }) | undefined {
    if (isOriginAllowed(request, this.#options.allowedOrigins)) return undefined;
    const origin = String(request.headers.origin);
    if (this.#refusedOrigins.size < MAX_REFUSED_ORIGINS_LOGGED && !this.#refusedOrigins.has(origin)) {
      this.#refusedOrigins.add(origin);
      this.#options.logger.warn(
        `parley-chat: refused a connection from a page on ${origin}; if the chat belongs on that site, add ${JSON.stringify(origin)} to the allowedOrigins option`,
      );
    }
    return this.#handshakeError(
      new ChatError('FORBIDDEN', `This chat does not accept connections from ${origin}; the site's owner can allow it`),
    );
  }

  async #storageReady(): Promise<void> {
    if (this.#closing) throw SHUTTING_DOWN();
    try {
      await this.#withinStorageTimeout(this.ready());
    } catch {
      // ready() logged the outage once; refused handshakes are not logged again one by one.
      throw new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database right now; try again shortly');
    }
  }

  async #visitorHandshake(socket: VisitorSocket): Promise<void> {
    await this.#storageReady();
    const { handshake } = socket;
    const { store, secret, identify, trustedProxies } = this.#options;
    const address = clientAddress(handshake.address, handshake.headers['x-forwarded-for'], trustedProxies);
    const identity = await identifyVisitor({ ...handshake, request: socket.request }, { tokens: this.#tokens, secret, identify });
    // A new visitor id costs a client nothing, so minting them is limited per address.
    if (identity.isNew) takeToken(this.#limiters.newVisitor, address);
    socket.data = await this.#withinStorageTimeout(loadSocketData(identity, address, store));
  }

  async #operatorHandshake(socket: OperatorSocket, operators: Operators): Promise<void> {
    await this.#storageReady();
    const { handshake } = socket;
    const address = clientAddress(handshake.address, handshake.headers['x-forwarded-for'], this.#options.trustedProxies);
    const auth = isPlainObject(handshake.auth) ? handshake.auth : {};
    const chatHandshake: ChatHandshake = { headers: handshake.headers, auth, address: handshake.address, request: socket.request };
    socket.data = { ...(await operators.identify(chatHandshake)), address, opened: new Map() };
  }

  /** A refused handshake reaches the client as `connect_error` with the coded payload on `err.data`. */
  #handshakeError(error: unknown): Error & { data: ChatErrorPayload } {
    const chatError = this.#report(error);
    return Object.assign(new Error(chatError.message), { data: chatError.toPayload() });
  }

  /** One engine connection may carry several namespaces; it is bounded once. */
  #boundConnection(connection: VisitorSocket['conn']): void {
    if (this.#boundedConnections.has(connection)) return;
    this.#boundedConnections.add(connection);
    dropWhenUnread(connection, this.#options.limits.maxUnsentBytes);
  }

  /**
   * Answers `STORAGE_UNAVAILABLE` when `work` takes longer than `limits.storageTimeoutMs`. The work
   * itself goes on (nothing can cancel a driver operation), so a write may still land: that is
   * why the error is retryable and retries carry the same clientId.
   */
  #withinStorageTimeout<T>(work: Promise<T>): Promise<T> {
    return settleWithin(work, this.#options.limits.storageTimeoutMs, () =>
      new ChatError('STORAGE_UNAVAILABLE', 'The chat database is not answering; try again shortly'),
    );
  }

  /** Normalises an error for a client, logging what the client is not told. */
  #report(error: unknown): ChatError {
    const chatError = toChatError(error);
    if (chatError.code === 'INTERNAL' || (chatError.code === 'STORAGE_UNAVAILABLE' && chatError.cause)) {
      this.#options.logger.error(`parley-chat: ${chatError.message}`, chatError.cause ?? error);
    }
    return chatError;
  }

  /**
   * `GET <basePath>/history`: the socket event's rules, with the visitor from headers. A room's
   * history is as public as the room; a conversation's needs the visitor's own token.
   */
  async #httpHistory(payload: unknown, req: IncomingMessage): Promise<object> {
    if (this.#closing) throw SHUTTING_DOWN();
    const { secret, identify, trustedProxies } = this.#options;
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    takeToken(this.#limiters.event, `ip:${address}`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const identity = await identifyVisitor(
      { headers: req.headers, auth: bearer ? { token: bearer } : {}, address, request: req },
      { tokens: this.#tokens, secret, identify },
    );
    const visitor: Visitor = {
      id: identity.visitorId,
      name: identity.hostName ?? guestName(identity.visitorId),
      verified: identity.verified,
    };
    let page: { messages: ChatMessage[]; hasMore: boolean };
    if (namesInbox(payload)) {
      if (identity.isNew) throw new ChatError('UNAUTHORIZED', "A conversation's history needs the visitor's token");
      page = await (this.#inbox ?? throwNoInboxes()).history(payload, visitor);
    } else {
      page = await this.#rooms.history(payload, visitor, () => false);
    }
    return { ok: true, ...page };
  }

  /** Answers within HEALTH_TIMEOUT_MS: a load balancer must not wait on a database that hangs. */
  async #health(): Promise<void> {
    const check = async () => {
      await this.ready();
      await this.store.ping();
    };
    try {
      await settleWithin(check(), HEALTH_TIMEOUT_MS, () => new ChatError('STORAGE_UNAVAILABLE', 'The chat database did not answer in time'));
    } catch (error) {
      if (error instanceof ChatError) throw error;
      throw new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot reach its database', { cause: error });
    }
  }
}

/** Answers an upgrade request nobody serves, as Node answers a request for an unknown path. */
function refuseUpgrade(socket: Duplex): void {
  if (!socket.writable) return;
  socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  socket.once('error', () => undefined);
}

/** `work`'s outcome, or `timedOut()`'s error if it has not settled within `ms`. */
function settleWithin<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** Takes a token from the limiter or refuses the request with how long to wait. */
function takeToken(limiter: RateLimiter, key: string): void {
  const retryAfterMs = limiter.take(key);
  if (retryAfterMs > 0) throw new ChatError('RATE_LIMITED', 'Too many requests; slow down', { retryAfterMs });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
