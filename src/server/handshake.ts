import type { IncomingMessage } from 'node:http';
import type { Socket } from 'socket.io';
import type { VisitorDetails } from '../protocol.js';
import type { ChatStore, UserRecord } from '../stores/types.js';
import { ChatError } from './errors.js';
import {
  guestName,
  hostUserVisitorId,
  newVisitorId,
  verifyUserHash,
  type VisitorTokens,
} from './identity.js';
import type { ChatServerOptions, IdentifiedUser } from './options.js';

/** What the server keeps on each socket (`socket.data`). */
export interface SocketData {
  visitorId: string;
  verified: boolean;
  /** The display name other visitors see. */
  name: string;
  /** Sent back to this visitor only. */
  details?: VisitorDetails;
  /** The client's address as rate limits count it (see `trustProxy`). */
  address: string;
}

type Handshake = Socket['handshake'];

const MAX_USER_ID_LENGTH = 128;

/**
 * Whether a browser page on `origin` may open a chat connection. Requests without an Origin
 * header come from non-browser clients, which could send any header they like, so the check
 * guards what it can: other sites' pages acting in a visitor's browser.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | '*'): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed === '*') return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  return host === req.headers.host || allowed.includes(origin);
}

interface IdentifyContext {
  tokens: VisitorTokens;
  secret: string;
  identify: ChatServerOptions['identify'];
}

export interface Identity {
  visitorId: string;
  verified: boolean;
  /** A new anonymous visitor: no valid token, no host user. */
  isNew: boolean;
  /** The name the host's `identify` gave, if any. */
  hostName?: string;
}

/**
 * Decides who a client is, strongest proof first: the host's `identify`, then identity
 * verification (`userId` + `userHash`), then a visitor token, else a new anonymous visitor.
 */
export async function identifyVisitor(
  handshake: Pick<Handshake, 'headers' | 'auth' | 'address'> & { request: IncomingMessage },
  context: IdentifyContext,
): Promise<Identity> {
  const auth = isPlainObject(handshake.auth) ? handshake.auth : {};
  let visitorId: string;
  let verified = false;
  let isNew = false;
  let hostName: string | undefined;

  const hostUser = context.identify
    ? await context.identify({ headers: handshake.headers, auth, address: handshake.address, request: handshake.request })
    : null;
  if (hostUser) {
    visitorId = hostUserVisitorId(checkHostUserId(hostUser));
    verified = true;
    if (typeof hostUser.name === 'string' && hostUser.name.trim()) hostName = displayName(hostUser.name);
  } else if (auth.userId !== undefined || auth.userHash !== undefined) {
    const { userId, userHash } = auth;
    if (
      typeof userId !== 'string' ||
      typeof userHash !== 'string' ||
      userId.length === 0 ||
      userId.length > MAX_USER_ID_LENGTH ||
      !verifyUserHash(userId, userHash, context.secret)
    ) {
      throw new ChatError('UNAUTHORIZED', 'Identity verification failed: userHash does not match userId');
    }
    visitorId = hostUserVisitorId(userId);
    verified = true;
  } else {
    const returning = context.tokens.verify(auth.token);
    isNew = returning === null;
    visitorId = returning ?? newVisitorId();
  }
  return hostName ? { visitorId, verified, isNew, hostName } : { visitorId, verified, isNew };
}

/**
 * What a socket carries for its visitor, with their saved details. A storage failure refuses the
 * handshake (`STORAGE_UNAVAILABLE`, retryable): a visitor let in without their details would
 * show up under another name.
 */
export async function loadSocketData(identity: Identity, address: string, store: ChatStore): Promise<SocketData> {
  const { visitorId, verified, hostName } = identity;
  const user: UserRecord | null = await store.getUser(visitorId);
  const data: SocketData = {
    visitorId,
    verified,
    name: user?.name || hostName || guestName(visitorId),
    address,
  };
  if (user) data.details = toVisitorDetails(user);
  return data;
}

const MAX_NAME_LENGTH = 100;

/** A name from the host, trimmed to the length visitors may type, never split inside a character. */
function displayName(name: string): string {
  let trimmed = name.trim();
  if (trimmed.length > MAX_NAME_LENGTH) {
    trimmed = trimmed.slice(0, MAX_NAME_LENGTH);
    if (/[\uD800-\uDBFF]$/.test(trimmed)) trimmed = trimmed.slice(0, -1);
  }
  // Stored as UTF-8, so a lone surrogate would come back as U+FFFD: make it that from the start.
  return trimmed.toWellFormed();
}

export function toVisitorDetails(user: UserRecord): VisitorDetails {
  return { id: user.id, name: user.name, email: user.email, phone: user.phone };
}

function checkHostUserId(user: IdentifiedUser): string {
  const id: unknown = user.id;
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0 || String(id).length > MAX_USER_ID_LENGTH) {
    // A host bug, not the visitor's fault: logged by the caller as INTERNAL.
    throw new TypeError('parley-chat: identify() must return { id: string } (1–128 characters) or null');
  }
  return String(id);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
