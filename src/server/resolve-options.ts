import type { IpAddressPolicy } from './client-address.js';
import { resolveConsent, type ConsentOptions } from '../privacy/consent.js';
import { resolveRetention, type RetentionOptions } from '../privacy/retention-options.js';
import { resolveWebhooks, type ResolvedEndpoint } from '../webhooks/options.js';
import { MemoryWebhookOutbox, MongoWebhookOutbox, type WebhookOutbox } from '../webhooks/outbox.js';
import { MemorySavedReplyStore, MongoSavedReplyStore, type SavedReplyStore } from '../saved-replies/store.js';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { CountryCode } from 'libphonenumber-js/min';
import type { ServerOptions } from 'socket.io';
import { BusinessHours } from '../assistant/hours.js';
import type { FileStore } from '../files/file-store.js';
import { GridFsFileStore } from '../files/gridfs.js';
import { MemoryFileStore } from '../files/memory-file-store.js';
import { resolveFiles, type ResolvedFiles } from '../files/options.js';
import { MemoryFileRecords, MongoFileRecords, type FileRecords } from '../files/records.js';
import { MongooseStore, toConnection } from '../stores/mongoose/store.js';
import type { ChatStore } from '../stores/types.js';
import {
  DEFAULT_LIMITS,
  type ChatHooks,
  type ChatLimits,
  type ChatLogger,
  type AssistantOptions,
  type ChatServerOptions,
  type OperatorsOptions,
  type RatingsOptions,
  type RequestMiddleware,
  type RoomPolicy,
} from './options.js';
import { ROOM_PATTERN } from './payloads.js';

// The options as the chat uses them: defaults merged in one place, and misconfiguration thrown at
// once, with the fix in the message.

export interface ResolvedOptions {
  store: ChatStore;
  secret: string;
  basePath: string;
  allowedOrigins: readonly string[] | '*';
  /** How many proxies in front of the chat append to `X-Forwarded-For` (0: ignore the header). */
  trustedProxies: number;
  middleware: readonly RequestMiddleware[];
  identify: ChatServerOptions['identify'];
  limits: ChatLimits;
  rooms: RoomPolicy | undefined;
  operators: (Required<Omit<OperatorsOptions, 'inboxes'>> & { inboxes: readonly string[] | undefined }) | undefined;
  assistant: ResolvedAssistant | undefined;
  /** The team's hours, when the host gave them. */
  hours: BusinessHours | undefined;
  /** Files, when the host takes them: the limits, and where bytes and records go. */
  files: (ResolvedFiles & { fileStore: FileStore; records: FileRecords }) | undefined;
  /** The webhooks, when the host gave any: the endpoints, and where their events wait. */
  webhooks: { endpoints: ResolvedEndpoint[]; outbox: WebhookOutbox } | undefined;
  /** The chat's terms visitors agree to, when the host set them. */
  consent: ConsentOptions | undefined;
  /** What the chat keeps of an IP address it stores (see `privacy.ipAddresses`). */
  ipAddresses: IpAddressPolicy;
  /** How long the chat keeps what it stores, when the host set any of it. */
  retention: RetentionOptions | undefined;
  visitorsCanDeleteConversations: boolean;
  /** Where the team's saved replies live, with support conversations. */
  savedReplies: SavedReplyStore | undefined;
  /** Ratings, when the host turned them on: the question visitors are asked. */
  ratings: { ask: string } | undefined;
  hooks: ChatHooks;
  adapter: ServerOptions['adapter'] | undefined;
  connectionStateRecovery: { maxDisconnectionDurationMs: number } | undefined;
  defaultPhoneCountry: CountryCode | undefined;
  tokenMaxAgeMs: number;
  logger: ChatLogger;
  browserBundles: string;
}

const MIN_SECRET_LENGTH = 32;

/** Merges defaults and throws at once, with the fix in the message, on misconfiguration. */
export function resolveOptions(options: ChatServerOptions): ResolvedOptions {
  if (!options || typeof options !== 'object') {
    throw new TypeError('parley-chat: createChatServer() needs an options object, e.g. { mongoose: connection, secret }');
  }
  if (options.mongoose && options.store) {
    throw new TypeError('parley-chat: pass either `mongoose` or `store`, not both');
  }
  if (!options.mongoose && !options.store) {
    throw new TypeError(
      'parley-chat: pass `mongoose` (a Mongoose Connection) to store the chat in MongoDB, or `store` (e.g. new MemoryStore())',
    );
  }
  const logger = options.logger ?? console;

  let secret = options.secret;
  if (secret === undefined && options.adapter) {
    throw new TypeError(
      'parley-chat: with an `adapter` (several chat nodes), pass every node the same `secret`, e.g. from process.env.CHAT_SECRET: ' +
        "a random one per process would make each node refuse the others' visitor tokens and give operators different ids on each",
    );
  }
  if (secret === undefined) {
    secret = randomBytes(32).toString('base64url');
    logger.warn(
      'parley-chat: no `secret` given; using a random one for this process. Visitors will lose their identity ' +
        'when it restarts. Pass a secret of at least 32 characters, e.g. from process.env.CHAT_SECRET.',
    );
  } else if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`parley-chat: \`secret\` must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  }

  const basePath = normaliseBasePath(options.basePath ?? '/chat');
  const limits: ChatLimits = { ...DEFAULT_LIMITS, ...options.limits };
  checkLimits(limits);

  const allowedOrigins = options.allowedOrigins ?? [];
  if (allowedOrigins !== '*' && !Array.isArray(allowedOrigins)) {
    throw new TypeError("parley-chat: `allowedOrigins` must be an array of origins like 'https://example.com', or '*'");
  }

  const trustProxy = options.trustProxy ?? false;
  if (typeof trustProxy !== 'boolean' && !(Number.isInteger(trustProxy) && trustProxy >= 0)) {
    throw new TypeError('parley-chat: `trustProxy` must be true, false or the number of proxies in front of the chat');
  }

  const operators = resolveOperators(options.operators);
  const hours = options.hours === undefined ? undefined : new BusinessHours(options.hours);
  const store =
    options.store ??
    new MongooseStore({ mongoose: options.mongoose!, prefix: options.collectionPrefix ?? 'chat_', timeoutMs: limits.storageTimeoutMs, warn: (message) => logger.warn(message) });
  const files = resolveFiles(options.files);
  const webhooks = resolveWebhooks(options.webhooks);
  // Files go where the chat's messages go: GridFS and a collection on its MongoDB connection, or
  // memory beside a store of the host's own (one node; give `files.store` for more).
  const connection = options.mongoose ? toConnection(options.mongoose) : undefined;

  return {
    store,
    secret,
    basePath,
    allowedOrigins: allowedOrigins === '*' ? '*' : normaliseOrigins(allowedOrigins),
    trustedProxies: trustProxy === true ? 1 : trustProxy === false ? 0 : trustProxy,
    middleware: checkMiddleware(options.middleware),
    identify: options.identify,
    limits,
    rooms: options.rooms,
    operators,
    assistant: resolveAssistant(options.assistant, operators, hours),
    hours,
    files: files && {
      ...files,
      fileStore: files.store ?? (connection ? new GridFsFileStore(connection) : new MemoryFileStore()),
      records: connection ? new MongoFileRecords(connection, options.collectionPrefix ?? 'chat_', limits.storageTimeoutMs) : new MemoryFileRecords(),
    },
    webhooks: webhooks && {
      endpoints: webhooks,
      outbox: connection ? new MongoWebhookOutbox(connection, options.collectionPrefix ?? 'chat_', limits.storageTimeoutMs) : new MemoryWebhookOutbox(),
    },
    consent: resolveConsent(options.privacy?.consent),
    ipAddresses: resolveIpAddresses(options.privacy?.ipAddresses),
    retention: resolveRetention(options.privacy?.retention),
    visitorsCanDeleteConversations: resolveFlag(options.privacy?.visitorsCanDeleteConversations, 'privacy.visitorsCanDeleteConversations'),
    ratings: resolveRatings(options.ratings, operators !== undefined),
    savedReplies: !operators
      ? undefined
      : connection
        ? new MongoSavedReplyStore(connection, options.collectionPrefix ?? 'chat_', limits.storageTimeoutMs)
        : new MemorySavedReplyStore(),
    hooks: options.hooks ?? {},
    adapter: options.adapter,
    connectionStateRecovery: resolveRecovery(options.connectionStateRecovery),
    defaultPhoneCountry: options.defaultPhoneCountry,
    tokenMaxAgeMs: options.tokenMaxAgeMs ?? 365 * 24 * 60 * 60 * 1000,
    logger,
    browserBundles: options.browserBundles ?? packageBundles(),
  };
}

/** The browser bundles of this package's build, found the same way from the sources and from `dist/`. */
function packageBundles(): string {
  const packageJson = createRequire(import.meta.url).resolve('parley-chat/package.json');
  return join(dirname(packageJson), 'dist', 'browser');
}

function resolveRecovery(recovery: ChatServerOptions['connectionStateRecovery']): ResolvedOptions['connectionStateRecovery'] {
  if (!recovery) return undefined;
  const maxDisconnectionDurationMs = recovery === true ? 120_000 : (recovery.maxDisconnectionDurationMs ?? 120_000);
  if (!Number.isInteger(maxDisconnectionDurationMs) || maxDisconnectionDurationMs <= 0) {
    throw new TypeError('parley-chat: `connectionStateRecovery.maxDisconnectionDurationMs` must be a positive number of milliseconds');
  }
  return { maxDisconnectionDurationMs };
}

function checkMiddleware(middleware: ChatServerOptions['middleware']): readonly RequestMiddleware[] {
  if (middleware === undefined) return [];
  if (!Array.isArray(middleware) || middleware.some((item) => typeof item !== 'function')) {
    throw new TypeError('parley-chat: `middleware` must be a list of (req, res, next) functions, e.g. [session]');
  }
  return [...middleware];
}

function resolveOperators(operators: OperatorsOptions | undefined): ResolvedOptions['operators'] {
  if (operators === undefined) return undefined;
  if (!operators || typeof operators.identify !== 'function') {
    throw new TypeError('parley-chat: `operators.identify` must be a function (handshake) => { id, name, inboxes? } | null');
  }
  const { inboxes, unseenReplyDelayMs = 120_000, allowedOrigins = [], minutesPerVisitor = 3 } = operators;
  if (inboxes !== undefined && (!Array.isArray(inboxes) || inboxes.some((name) => typeof name !== 'string' || !ROOM_PATTERN.test(name)))) {
    throw new TypeError('parley-chat: `operators.inboxes` must be a list of names like "support" (letters, digits, _ - . :)');
  }
  if (!Number.isInteger(unseenReplyDelayMs) || unseenReplyDelayMs < 0) {
    throw new TypeError('parley-chat: `operators.unseenReplyDelayMs` must be a number of milliseconds');
  }
  if (!Array.isArray(allowedOrigins) || allowedOrigins.some((origin) => typeof origin !== 'string' || origin === '*')) {
    throw new TypeError("parley-chat: `operators.allowedOrigins` must be a list of origins like 'https://admin.example' (never '*': it is the team's inbox)");
  }
  if (typeof minutesPerVisitor !== 'number' || !(minutesPerVisitor > 0)) {
    throw new TypeError('parley-chat: `operators.minutesPerVisitor` must be a number of minutes above 0');
  }
  return { identify: operators.identify, inboxes, unseenReplyDelayMs, allowedOrigins: normaliseOrigins(allowedOrigins), minutesPerVisitor };
}

export type ResolvedAssistant = Required<Omit<AssistantOptions, 'inboxes'>> & {
  inboxes: readonly string[] | undefined;
  /** The id on its messages: one for the whole deployment, none of a person's. */
  senderId: string;
};

function resolveAssistant(
  assistant: AssistantOptions | undefined,
  operators: ResolvedOptions['operators'],
  hours: BusinessHours | undefined,
): ResolvedAssistant | undefined {
  if (assistant === undefined) return undefined;
  if (!assistant || typeof assistant.reply !== 'function') {
    throw new TypeError('parley-chat: `assistant.reply` must be a function (context) => an async iterable of text, e.g. an async generator');
  }
  if (!operators) throw new TypeError('parley-chat: the assistant answers support conversations: give `operators` too');
  const { name, inboxes, when = 'noOperatorOnline', timeoutMs = 60_000, maxRepliesPerConversation = 20 } = assistant;
  if (typeof name !== 'string' || !name.trim() || name.length > 100) throw new TypeError('parley-chat: `assistant.name` must be a display name (1–100 characters)');
  if (inboxes !== undefined && (!Array.isArray(inboxes) || inboxes.some((inbox) => typeof inbox !== 'string' || (operators.inboxes ? !operators.inboxes.includes(inbox) : !ROOM_PATTERN.test(inbox))))) {
    throw new TypeError(`parley-chat: \`assistant.inboxes\` must list inboxes${operators.inboxes ? ` of operators.inboxes (${operators.inboxes.join(', ')})` : ''}`);
  }
  if (!['always', 'noOperatorOnline', 'outsideHours'].includes(when)) {
    throw new TypeError("parley-chat: `assistant.when` is 'always', 'noOperatorOnline' or 'outsideHours'");
  }
  if (when === 'outsideHours' && !hours) throw new TypeError("parley-chat: `assistant.when: 'outsideHours'` needs `hours`");
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new TypeError('parley-chat: `assistant.timeoutMs` must be a number of milliseconds');
  if (!Number.isInteger(maxRepliesPerConversation) || maxRepliesPerConversation < 1) {
    throw new TypeError('parley-chat: `assistant.maxRepliesPerConversation` must be a whole number above 0');
  }
  return { name: name.trim(), inboxes, when, reply: assistant.reply, timeoutMs, maxRepliesPerConversation, senderId: 'assistant' };
}

function normaliseOrigins(origins: readonly string[]): string[] {
  return origins.map((origin) => origin.replace(/\/+$/, ''));
}

function normaliseBasePath(basePath: string): string {
  if (typeof basePath !== 'string' || !/^(\/[A-Za-z0-9._~-]+)+\/?$/.test(basePath)) {
    throw new TypeError(`parley-chat: \`basePath\` must look like '/chat'; got ${JSON.stringify(basePath)}`);
  }
  return basePath.replace(/\/$/, '');
}

function checkLimits(limits: ChatLimits): void {
  for (const key of ['maxMessageLength', 'pageSize', 'maxPageSize', 'catchUpLimit', 'maxPayloadBytes', 'maxUnsentBytes', 'storageTimeoutMs'] as const) {
    if (!Number.isInteger(limits[key]) || limits[key] < 1) {
      throw new TypeError(`parley-chat: limits.${key} must be a positive integer`);
    }
  }
  if (limits.pageSize > limits.maxPageSize) {
    throw new TypeError('parley-chat: limits.pageSize must not exceed limits.maxPageSize');
  }
  for (const key of ['messageRate', 'addressMessageRate', 'newVisitorRate', 'eventRate', 'searchRate'] as const) {
    const rate = limits[key];
    if (!(rate?.max >= 1) || !(rate.perMs > 0)) {
      throw new TypeError(`parley-chat: limits.${key} must be { max: >= 1, perMs: > 0 }`);
    }
  }
}

function resolveRatings(ratings: RatingsOptions | undefined, hasOperators: boolean): { ask: string } | undefined {
  if (ratings === undefined) return undefined;
  if (typeof ratings !== 'object' || ratings === null) throw new TypeError('parley-chat: ratings is { enabled, ask? }');
  if (!resolveFlag(ratings.enabled, 'ratings.enabled')) return undefined;
  if (!hasOperators) throw new TypeError('parley-chat: ratings need support conversations: pass `operators: { identify }` too');
  const ask = ratings.ask ?? 'How would you rate this conversation?';
  if (typeof ask !== 'string' || ask.trim() === '' || ask.length > 200) throw new TypeError('parley-chat: ratings.ask is a question of 1 to 200 characters');
  return { ask: ask.trim() };
}

function resolveFlag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`parley-chat: ${name} must be true or false`);
  return value;
}

function resolveIpAddresses(policy: unknown): IpAddressPolicy {
  if (policy === undefined) return 'truncated';
  if (policy === 'none' || policy === 'truncated' || policy === 'full') return policy;
  throw new TypeError(`parley-chat: privacy.ipAddresses is 'none', 'truncated' or 'full'; not ${JSON.stringify(policy)}`);
}
