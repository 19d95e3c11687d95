import type { ConversationStatus, OperatorPermission, VisitorDetails } from '../protocol.js';

/** What the server keeps on each visitor socket (`socket.data`). */
export interface SocketData {
  visitorId: string;
  /**
   * The id this visitor's messages and typing carry in public rooms: the visitor id, or for a
   * user of the host an opaque one, so other visitors never learn the host's user ids.
   */
  senderId: string;
  verified: boolean;
  /** The display name other visitors see. */
  name: string;
  /** Sent back to this visitor only. */
  details?: VisitorDetails;
  /**
   * The visitor's conversations as this socket last saw them, by inbox (null: none yet): what
   * typing goes to, and which update the next message needs. Filled by `join`.
   */
  conversations?: Record<string, { id: string; status: ConversationStatus } | null>;
  /** Who the visitor chose to answer them, by inbox, before their conversation opened (see AssistantReplies.choose). */
  choices?: Record<string, 'assistant' | 'person'>;
  /** Whether the visitor agreed to the current version of the chat's terms (see `privacy.consent`). */
  consentGiven?: boolean;
  /**
   * Whether the store knows the visitor was here lately (see `PrivacyStore.visitorSeen`): a new
   * visitor is recorded when they first write, so that visitors who only look store nothing.
   */
  seenRecorded?: boolean;
}

/** What an operator's socket carries (`socket.data` on `/operators`). */
export interface OperatorSocketData {
  operatorId: string;
  name: string;
  /** The opaque id visitors see on this operator's messages. */
  senderId: string;
  /** The picture `identify` gave, checked. */
  avatarUrl?: string;
  inboxes: readonly string[] | '*';
  /** What else `identify` allows (see `OperatorIdentity.can`). */
  can: readonly OperatorPermission[];
  /** Conversations this socket opened: id → where typing goes. */
  opened: Map<string, { inbox: string; visitorId: string }>;
}

/**
 * Each socket's client address, as rate limits count it (see `trustProxy`): beside the socket,
 * not in `socket.data`, which connection state recovery saves in the adapter (Redis), where the
 * chat keeps no more of an address than `privacy.ipAddresses` allows.
 */
const addresses = new WeakMap<object, string>();

export function rememberAddress(socket: object, address: string): void {
  addresses.set(socket, address);
}

export function addressOf(socket: object): string {
  return addresses.get(socket) ?? 'unknown';
}
