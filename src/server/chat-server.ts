import { Consent } from '../privacy/consent.js';
import { ChatPrivacy, type PrivacyApi } from '../privacy/api.js';
import { ChatWebhooks, type WebhooksApi } from '../webhooks/webhooks.js';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { Server as EngineServer } from 'engine.io';
import { Server } from 'socket.io';
import { InterNode } from '../cluster/inter-node-events.js';
import { createAssistantApi, createHoursApi, type AssistantApi, type HoursApi } from '../assistant/api.js';
import { createConversationsApi, type ConversationsApi } from '../conversations/api.js';
import { OperatorEvents } from '../conversations/operator-events.js';
import { ConversationService } from '../conversations/service.js';
import { VisitorConversations } from '../conversations/visitor-side.js';
import { Rooms } from '../rooms/rooms.js';
import type { ChatStore } from '../stores/types.js';
import { ackedEvents } from './acked-events.js';
import type { ChatContext, ChatIO, OperatorNamespace, VisitorNamespace } from './context.js';
import { Deadlines } from './deadlines.js';
import { toChatError, type ChatError } from './errors.js';
import { Handshakes, isOriginAllowed } from './handshake.js';
import { HttpPath } from './http-path.js';
import { ChatFiles } from '../files/files.js';
import { FileLinks } from '../files/links.js';
import { createFileRoutes } from '../files/routes.js';
import { createHttpRoutes } from './http-routes.js';
import { VisitorTokens } from './identity.js';
import { KeyedQueue } from './keyed-queue.js';
import { Lifecycle } from './lifecycle.js';
import type { ChatServerOptions } from './options.js';
import { resolveOptions, type ResolvedOptions } from './resolve-options.js';
import { createPayloadSchemas } from './payloads.js';
import { RateLimits } from './rate-limiter.js';
import { OPERATORS_NAMESPACE, wireNamespaces } from './socket-wiring.js';
import { VisitorEvents } from './visitor-events.js';
import { REPLIES_WITHOUT_OPERATORS, SavedReplies, type SavedRepliesApi } from '../saved-replies/saved-replies.js';

export type { InterServerEvents } from '../cluster/inter-node-events.js';

const MAX_WAITING_PER_THREAD = 100;
export type { ChatIO } from './context.js';

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
  /** The assistant from the host's code: hand a conversation to the team, or give it back. Needs the `assistant` option. */
  readonly assistant: AssistantApi;
  /** The team's business hours (the `hours` option): whether the team is in, and when it is next. */
  readonly hours: HoursApi;
  /** Files in messages (see `files`): `sweep()` deletes now the files not sent within 10 minutes of their upload, as every node does each minute, and says how many. */
  readonly files: { sweep(): Promise<number> };
  /** Export and erasure of a visitor's data, and `privacy.retention` on demand. */
  readonly privacy: PrivacyApi;
  /** The webhooks' delivery log (`deliveries()`); empty without `webhooks`. */
  readonly webhooks: WebhooksApi;
  /** The team's saved replies, which operators insert by typing `/` (needs `operators`). */
  readonly replies: SavedRepliesApi;
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

/**
 * Wires the parts together: the HTTP path (http-path.ts), the Socket.IO namespaces and their
 * handshakes (socket-wiring.ts, handshake.ts), the lifecycle (lifecycle.ts), and the modules that
 * serve rooms and conversations over a shared context.
 */
class ChatServerImpl implements ChatServer {
  readonly store: ChatStore;
  readonly basePath: string;
  readonly handler: NodeHandler;
  readonly routes: readonly string[];
  readonly conversations: ConversationsApi;
  readonly assistant: AssistantApi;
  readonly hours: HoursApi;
  readonly files: { sweep(): Promise<number> };
  /** Export and erasure of a visitor's data, and `privacy.retention` on demand. */
  readonly privacy: PrivacyApi;
  /** The webhooks' delivery log (`deliveries()`); empty without `webhooks`. */
  readonly webhooks: WebhooksApi;
  readonly replies: SavedRepliesApi;

  readonly #options: ResolvedOptions;
  readonly #lifecycle: Lifecycle;
  readonly #httpPath: HttpPath;
  readonly #ownIo: ChatIO;
  readonly #engine: EngineServer;
  #io: ChatIO | undefined;
  readonly #handshakes: Handshakes;
  readonly #rooms: Rooms;
  readonly #visitorEvents: VisitorEvents;
  readonly #conversations: { service: ConversationService; operatorEvents: OperatorEvents } | undefined;
  readonly #interNode: InterNode;
  readonly #detachers: Array<() => void> = [];
  readonly #files: ChatFiles | undefined;
  readonly #privacy: ChatPrivacy;
  readonly #webhooks: ChatWebhooks | undefined;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.store = options.store;
    this.basePath = options.basePath;
    const { limits } = options;
    const report = (error: unknown) => this.#report(error);
    const deadlines = new Deadlines();
    const files = options.files
      ? new ChatFiles({
          options: options.files,
          store: options.files.fileStore,
          records: options.files.records,
          links: new FileLinks(options.secret, options.basePath, options.files.urlTtlMs),
          report,
          warn: (message) => options.logger.warn(message),
        })
      : undefined;
    this.#files = files;
    const consent = options.consent && new Consent(options.consent, options.store);
    const webhooks = options.webhooks && new ChatWebhooks(options.webhooks.endpoints, options.webhooks.outbox, options.store, report);
    this.#webhooks = webhooks;
    this.webhooks = webhooks ?? { deliveries: async () => [] };
    // Saved replies are stored where the chat's messages are; built once the conversations are.
    let savedReplies: SavedReplies | undefined;
    // What else gets ready with the store, each time it does: the file records', the outbox's and the saved replies' indexes.
    const initAlso =
      files || webhooks || options.savedReplies
        ? async () => void (await Promise.all([files?.init(), webhooks?.init(), savedReplies?.init()]))
        : undefined;
    this.#lifecycle = new Lifecycle(options.store, options.logger, deadlines, limits.storageTimeoutMs, initAlso);
    const rateLimits = new RateLimits(limits);
    const tokens = new VisitorTokens(options.secret, options.tokenMaxAgeMs);
    this.#handshakes = new Handshakes(options, tokens, rateLimits, this.#lifecycle, report);

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
    const socketPath = `${options.basePath}/socket.io`;
    this.#ownIo = new Server({
      path: socketPath,
      serveClient: false,
      ...(options.adapter ? { adapter: options.adapter } : {}),
      // A client back within the window gets its rooms and the packets it missed; the handshake
      // middlewares (origin, storage, identity) run again all the same.
      ...(options.connectionStateRecovery
        ? { connectionStateRecovery: { maxDisconnectionDuration: options.connectionStateRecovery.maxDisconnectionDurationMs, skipMiddlewares: false } }
        : {}),
    });

    this.#interNode = new InterNode(() => this.io);
    const ctx: ChatContext = {
      options,
      store: options.store,
      payloads: createPayloadSchemas({ ...limits, maxFilesPerMessage: options.files?.maxPerMessage ?? 0 }, options.defaultPhoneCountry),
      tokens,
      // A thread with this many messages waiting to be stored refuses more until it drains.
      threadQueue: new KeyedQueue(MAX_WAITING_PER_THREAD),
      deadlines,
      acked: ackedEvents({
        admit: () => this.#lifecycle.admit(),
        timeoutMs: limits.storageTimeoutMs,
        deadlines,
        report,
        inFlight: this.#lifecycle.inFlight,
      }),
      limits: rateLimits,
      joinPage: (since) => (since === undefined ? { limit: limits.pageSize } : { after: since, limit: limits.catchUpLimit }),
      interNode: this.#interNode,
      isClosing: () => this.#lifecycle.closing,
      visitorNamespace: () => this.io.of('/') as VisitorNamespace,
      operatorNamespace: () => this.io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace,
      report,
      runHook: (name, hook) => {
        Promise.resolve()
          .then(hook)
          .catch((error: unknown) => options.logger.error(`parley-chat: hooks.${name} failed`, error));
      },
      files,
      consent,
      webhooks,
    };
    this.#rooms = new Rooms(ctx);
    let visitorSide: VisitorConversations | undefined;
    const service = options.operators ? new ConversationService(ctx) : undefined;
    const privacy = new ChatPrivacy(ctx, service);
    this.privacy = privacy;
    this.#privacy = privacy;
    if (service) {
      visitorSide = new VisitorConversations(ctx, service, privacy.erasure);
      savedReplies = new SavedReplies(ctx, options.savedReplies!, (inbox) => service.inboxes.check(inbox));
      this.#conversations = { service, operatorEvents: new OperatorEvents(ctx, service, privacy, savedReplies) };
    }
    this.replies = savedReplies?.api() ?? REPLIES_WITHOUT_OPERATORS;
    this.conversations = createConversationsApi(ctx, this.#conversations?.service);
    this.assistant = createAssistantApi(this.#conversations?.service);
    this.hours = createHoursApi(options);
    this.files = { sweep: async () => (files ? files.sweep() : 0) };
    this.#visitorEvents = new VisitorEvents(ctx, this.#rooms, visitorSide);

    const httpRoutes = createHttpRoutes({
      basePath: options.basePath,
      browserBundles: options.browserBundles,
      history: async (payload, req) => {
        this.#lifecycle.admit();
        const { visitor, isNew } = await this.#handshakes.visitorOfRequest(req);
        return { ok: true, ...(await this.#visitorEvents.historyOverHttp(payload, visitor, isNew)) };
      },
      health: () => this.#lifecycle.health(),
      report,
      files:
        files &&
        createFileRoutes({
          basePath: options.basePath,
          files,
          admit: () => this.#lifecycle.admit(),
          visitorOfRequest: (req) => this.#handshakes.visitorOfRequest(req),
          operatorOfRequest: this.#conversations
            ? (req, res) => this.#handshakes.operatorOfRequest(req, res, (id) => this.#conversations!.service.senderId(id))
            : null,
          takeUpload: (uploaderId, req) => {
            rateLimits.take('message', uploaderId);
            rateLimits.take('addressMessage', this.#handshakes.addressOf(req));
          },
          originAllowed: (req, as) =>
            isOriginAllowed(req, as === 'operators' ? (options.operators?.allowedOrigins ?? []) : options.allowedOrigins, options.trustedProxies),
          conversationVisitor: async (id) => (await options.store.getConversation(id))?.visitorId ?? null,
          checkRoomAccess: (room, visitor) => this.#rooms.checkAccess(room, visitor),
          checkConsent: async (visitorId) => consent?.check({ data: { visitorId } }),
        }),
    });
    this.routes = httpRoutes.paths;
    this.#httpPath = new HttpPath({
      socketPath,
      engine: this.#engine,
      routes: httpRoutes,
      closed: () => this.#lifecycle.closed,
      serveWithOwnEngine: () => {
        // With the host's own Socket.IO server, its engine serves the traffic, not ours.
        if (this.#io && this.#io !== this.#ownIo) return false;
        this.#bind(this.#ownIo);
        return true;
      },
      report,
    });
    this.handler = (req, res, next) => {
      if (this.#httpPath.serve(req, res)) return true;
      if (next) {
        next();
      } else {
        res.statusCode = 404;
        res.end();
      }
      return false;
    };
  }

  get io(): ChatIO {
    return this.#io ?? this.#ownIo;
  }

  ready(): Promise<void> {
    return this.#lifecycle.ready();
  }

  attach(target: HttpServer | Server): ChatServer {
    if (this.#lifecycle.closing) throw new Error('parley-chat: this chat server is closed; create a new one');
    if (target instanceof Server) {
      this.#bind(target as ChatIO);
      return this;
    }
    if (!target || typeof target.on !== 'function' || typeof target.listeners !== 'function') {
      throw new TypeError('parley-chat: attach() takes an http.Server (or https.Server), or a Socket.IO Server');
    }
    this.#bind(this.#ownIo);
    this.#detachers.push(this.#httpPath.attach(target, () => void this.close()));
    return this;
  }

  resync(): void {
    if (this.#lifecycle.closing || !this.#io) return;
    this.#io.of('/').local.emit('resync');
    if (this.#conversations) (this.#io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace).local.emit('resync');
  }

  close({ drainTimeoutMs = 5000 }: { drainTimeoutMs?: number } = {}): Promise<void> {
    return this.#lifecycle.close(drainTimeoutMs, async () => {
      // Replies being written end, saved as interrupted, within a moment.
      await Promise.race([this.#conversations?.service.close(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      this.#rooms.presence.stop();
      this.#files?.close();
      this.#privacy.stop();
      this.#webhooks?.stop();
      for (const detach of this.#detachers) detach();
      if (this.#io === this.#ownIo) {
        await this.#ownIo.close(); // no HTTP server is bound to it, so this closes only the chat's own
      } else {
        // Dropping the transport (not a disconnect packet) lets clients reconnect by themselves.
        for (const name of ['/', OPERATORS_NAMESPACE]) {
          for (const socket of this.#io?.of(name).sockets.values() ?? []) socket.conn.close();
        }
      }
    });
  }

  #bind(io: ChatIO): void {
    if (this.#io === io) return;
    if (this.#io) throw new Error('parley-chat: attach() to one Socket.IO server only; create another chat server');
    this.#io = io;
    if (io === this.#ownIo) io.bind(this.#engine);
    // Serving now: the hourly privacy sweep and, with webhooks, their sender start.
    this.#privacy.start();
    this.#webhooks?.start();
    wireNamespaces(io, {
      handshakes: this.#handshakes,
      visitorEvents: this.#visitorEvents,
      roomPresence: this.#rooms.presence,
      interNode: this.#interNode,
      conversations: this.#conversations,
      maxUnsentBytes: this.#options.limits.maxUnsentBytes,
    });
  }

  /** Normalises an error for a client, logging what the client is not told. */
  #report(error: unknown): ChatError {
    const chatError = toChatError(error);
    if (chatError.code === 'INTERNAL' || (chatError.code === 'STORAGE_UNAVAILABLE' && chatError.cause)) {
      this.#options.logger.error(`parley-chat: ${chatError.message}`, chatError.cause ?? error);
    }
    return chatError;
  }
}
