import type { Consent } from '../privacy/consent.js';
import type { Namespace, Server } from 'socket.io';
import type { InterNode, InterServerEvents } from '../cluster/inter-node-events.js';
import type {
  ClientToServerEvents,
  OperatorClientToServerEvents,
  OperatorServerToClientEvents,
  ServerToClientEvents,
} from '../protocol.js';
import type { ChatFiles } from '../files/files.js';
import type { ChatWebhooks } from '../webhooks/webhooks.js';
import type { ChatStore } from '../stores/types.js';
import type { AckedListener } from './acked-events.js';
import type { Deadlines } from './deadlines.js';
import type { ChatError } from './errors.js';
import type { OperatorSocketData, SocketData } from './socket-data.js';
import type { VisitorTokens } from './identity.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { ResolvedOptions } from './resolve-options.js';
import type { PayloadSchemas } from './payloads.js';
import type { RateLimits } from './rate-limiter.js';

export type ChatIO = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;


/** The visitors' namespace, `/`: public rooms and each visitor's own conversations. */
export type VisitorNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** The operators' namespace, `/operators`: the team's side of support conversations. */
export type OperatorNamespace = Namespace<
  OperatorClientToServerEvents,
  OperatorServerToClientEvents,
  InterServerEvents,
  OperatorSocketData
>;

/** What the server shares with the modules that serve each family of events. */
export interface ChatContext {
  readonly options: ResolvedOptions;
  readonly store: ChatStore;
  /** One schema per client event (see payloads.ts). */
  readonly payloads: PayloadSchemas;
  readonly tokens: VisitorTokens;
  /** One store-and-broadcast at a time per thread (a room or a conversation), so clients receive seq order. */
  readonly threadQueue: KeyedQueue;
  /** Makes the listener of an acknowledged event (see acked-events.ts). */
  readonly acked: AckedListener;
  /** Every deadline of a request, on one timer. */
  readonly deadlines: Deadlines;
  /** Rate limits per visitor, operator and client address. */
  readonly limits: RateLimits;
  /** The other nodes of the deployment, if any. */
  readonly interNode: InterNode;
  /** What a `join` (or `open`) reads: the latest page, or what came after `since`, up to the catch-up limit. */
  joinPage(since: number | undefined): { limit: number; after?: number };
  /** Whether close() has begun: volatile events are dropped, acknowledged ones refused. */
  isClosing(): boolean;
  visitorNamespace(): VisitorNamespace;
  operatorNamespace(): OperatorNamespace;
  report(error: unknown): ChatError;
  /** Runs a host hook after the fact: its errors are logged, never sent to clients. */
  runHook(name: string, hook: () => void | Promise<void> | undefined): void;
  /** Files in messages, when the host takes them. */
  readonly files: ChatFiles | undefined;
  /** Consent to the chat's terms, when the host asks for it. */
  readonly consent: Consent | undefined;
  /** The chat's webhooks, when the host gave any. */
  readonly webhooks: ChatWebhooks | undefined;
}
