import type { Namespace } from 'socket.io';
import type {
  ClientToServerEvents,
  OperatorClientToServerEvents,
  OperatorServerToClientEvents,
  ServerToClientEvents,
  VisitorDetails,
} from '../protocol.js';
import type { ChatStore } from '../stores/types.js';
import type { AckedListener } from './acked-events.js';
import type { ChatError } from './errors.js';
import type { SocketData } from './handshake.js';
import type { VisitorTokens } from './identity.js';
import type { KeyedQueue } from './keyed-queue.js';
import type { ResolvedOptions } from './options.js';
import type { Schemas } from './payloads.js';

/** Events between chat server nodes (through the Socket.IO adapter). */
export interface InterServerEvents {
  visitorUpdated(visitorId: string, name: string, details: VisitorDetails): void;
  /** A visitor's presence in a conversation changed on some node. */
  visitorOnline(conversationId: string, online: boolean): void;
  /** Operators of these inboxes (null: of every inbox) came or went: tell local visitors. */
  teamChanged(inboxes: string[] | null): void;
  /** A node's own visitor counts per room, on a change or as its heartbeat. */
  presenceCounts(nodeId: string, counts: Array<[room: string, count: number]>): void;
}

/** What an operator's socket carries (`socket.data` on `/operators`). */
export interface OperatorSocketData {
  operatorId: string;
  name: string;
  /** The opaque id visitors see on this operator's messages. */
  senderId: string;
  inboxes: readonly string[] | '*';
  address: string;
  /** Conversations this socket opened: id → where typing goes. */
  opened: Map<string, { inbox: string; visitorId: string }>;
}

export type VisitorNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type OperatorNamespace = Namespace<
  OperatorClientToServerEvents,
  OperatorServerToClientEvents,
  InterServerEvents,
  OperatorSocketData
>;

/** The rate limits: per visitor (or operator) for `event` and `message`, per client address for the others. */
export type RateLimitName = 'event' | 'message' | 'addressMessage' | 'newVisitor';

/** What the server shares with the modules that serve each family of events. */
export interface ChatContext {
  readonly options: ResolvedOptions;
  readonly store: ChatStore;
  readonly schemas: Schemas;
  readonly tokens: VisitorTokens;
  /** One store-and-broadcast at a time per room or conversation, so clients receive seq order. */
  readonly roomQueue: KeyedQueue;
  /** Makes the listener of an acknowledged event (see acked-events.ts). */
  readonly acked: AckedListener;
  /** Takes a token from a rate limit, or throws RATE_LIMITED with how long to wait. */
  rateLimit(limit: RateLimitName, key: string): void;
  /** For volatile events, which are dropped rather than refused: whether `key` is over the limit. */
  rateLimited(limit: RateLimitName, key: string): boolean;
  /** Whether close() has begun: volatile events are dropped, acknowledged ones refused. */
  isClosing(): boolean;
  visitors(): VisitorNamespace;
  operators(): OperatorNamespace;
  /** Whether the adapter connects this node to others (the in-memory one does not). */
  hasOtherNodes(): boolean;
  /** Tells the other nodes, when there are any (the in-memory adapter has none). */
  tellOtherNodes<E extends keyof InterServerEvents>(event: E, ...args: Parameters<InterServerEvents[E]>): void;
  report(error: unknown): ChatError;
  /** Runs a host hook after the fact: its errors are logged, never sent to clients. */
  runHook(name: string, hook: () => void | Promise<void> | undefined): void;
}
