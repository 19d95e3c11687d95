import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'socket.io';
import { OPERATOR_PERMISSIONS, type ChatErrorPayload, type OperatorPermission, type VisitorDetails } from '../protocol.js';
import type { UserRecord } from '../stores/types.js';
import { clientAddress } from './client-address.js';
import { ChatError } from './errors.js';
import { displayName, guestName, hostUserVisitorId, newVisitorId, verifyUserHash, type VisitorTokens } from './identity.js';
import type { Lifecycle } from './lifecycle.js';
import type { ChatHandshake, Visitor } from './options.js';
import type { ResolvedOptions } from './resolve-options.js';
import { ROOM_PATTERN } from './payloads.js';
import type { RateLimits } from './rate-limiter.js';
import { rememberAddress, type OperatorSocketData, type SocketData } from './socket-data.js';

/** Who an operator is, as `identify` vouched for them and the chat checked it. */
export type OperatorIdentityOf = Omit<OperatorSocketData, 'opened'>;


/** Who a client is, before the store is asked for their details. */
export interface Identity {
  visitorId: string;
  verified: boolean;
  /** A new anonymous visitor: no valid token, no host user. */
  isNew: boolean;
  /** The name the host's `identify` gave, if any. */
  hostName?: string;
  /**
   * A returning anonymous visitor, by their token, not yet checked against erasure (the
   * handshake checks it beside its other reads; see `identify`).
   */
  erasureUnchecked?: true;
}

/** A returning visitor's last seen is written again once it is this old: retention counts in days. */
const SEEN_REFRESH_MS = 12 * 60 * 60 * 1000;

type HandshakeError = Error & { data: ChatErrorPayload };

const MAX_USER_ID_LENGTH = 128;
const MAX_REFUSED_ORIGINS_LOGGED = 100;

/**
 * Who may connect, and as whom: the origin check, then the visitor's identity and saved details,
 * or the operator the host vouches for. Refusals reach the client as `connect_error` with the
 * coded payload on `err.data`. The same identity rules serve the HTTP routes.
 */
export class Handshakes {
  readonly #options: ResolvedOptions;
  readonly #tokens: VisitorTokens;
  readonly #limits: RateLimits;
  readonly #lifecycle: Lifecycle;
  readonly #report: (error: unknown) => ChatError;
  /** Origins refused and logged already: one line each is enough to tell the site owner. */
  readonly #refusedOrigins = new Set<string>();
  /** Whether a picture `identify` gave was dropped and said so: once is enough. */
  #saidAvatarDropped = false;

  constructor(
    options: ResolvedOptions,
    tokens: VisitorTokens,
    limits: RateLimits,
    lifecycle: Lifecycle,
    report: (error: unknown) => ChatError,
  ) {
    this.#options = options;
    this.#tokens = tokens;
    this.#limits = limits;
    this.#lifecycle = lifecycle;
    this.#report = report;
  }

  /**
   * Refuses a page of an origin the chat does not allow (see `allowedOrigins`, and for the team's
   * inbox `operators.allowedOrigins`), with a coded error the widget shows, and tells the site
   * owner once per origin which option to set.
   */
  originError(request: IncomingMessage, namespace: 'visitors' | 'operators' = 'visitors'): HandshakeError | undefined {
    const { allowedOrigins, operators, trustedProxies } = this.#options;
    const allowed = namespace === 'operators' ? (operators?.allowedOrigins ?? []) : allowedOrigins;
    if (isOriginAllowed(request, allowed, trustedProxies)) return undefined;
    const origin = String(request.headers.origin);
    const option = namespace === 'operators' ? 'operators.allowedOrigins' : 'allowedOrigins';
    if (this.#refusedOrigins.size < MAX_REFUSED_ORIGINS_LOGGED && !this.#refusedOrigins.has(`${option} ${origin}`)) {
      this.#refusedOrigins.add(`${option} ${origin}`);
      this.#options.logger.warn(
        `parley-chat: refused a connection from a page on ${origin}; if the chat belongs on that site, add ${JSON.stringify(origin)} to the ${option} option`,
      );
    }
    return this.error(
      new ChatError('FORBIDDEN', `This chat does not accept connections from ${origin}; the site's owner can allow it`),
    );
  }

  /** A visitor's handshake: who they are, and their saved details on `socket.data`. */
  async visitor(socket: Socket<never, never, never, SocketData>): Promise<void> {
    await this.#lifecycle.storageReady();
    const { handshake } = socket;
    const address = this.#address(handshake.address, handshake.headers['x-forwarded-for']);
    const identity = await this.identify({ ...handshake, request: socket.request }, { checkErasure: false });
    // A new visitor id costs a client nothing, so minting them is limited per address.
    if (identity.isNew) this.#limits.take('newVisitor', address);
    socket.data = await this.#lifecycle.withinStorageTimeout(this.#socketData(identity, address));
    rememberAddress(socket, address);
  }

  /** An operator's handshake: the host decides who is staff (`operators.identify`). */
  async operator(socket: Socket<never, never, never, OperatorSocketData>, senderId: (operatorId: string) => string): Promise<void> {
    await this.#lifecycle.storageReady();
    const { handshake } = socket;
    const auth = isPlainObject(handshake.auth) ? handshake.auth : {};
    const operator = await this.#operatorOf({ headers: handshake.headers, auth, address: handshake.address, request: socket.request }, senderId);
    socket.data = { ...operator, opened: new Map() };
  }

  /**
   * The operator behind a plain HTTP request (an upload from the inbox): the host's middleware
   * (its session) runs first, then `operators.identify`, as for a connection.
   */
  async operatorOfRequest(req: IncomingMessage, res: ServerResponse, senderId: (operatorId: string) => string): Promise<OperatorIdentityOf> {
    for (const middleware of this.#options.middleware) {
      // A middleware that answers the request itself never calls next: the wait ends all the same.
      await this.#lifecycle.withinStorageTimeout(
        new Promise<void>((resolve, reject) => middleware(req, res, (error?: unknown) => (error ? reject(error) : resolve()))),
      );
    }
    return this.#operatorOf({ headers: req.headers, auth: {}, address: req.socket.remoteAddress ?? '', request: req }, senderId);
  }

  async #operatorOf(chatHandshake: ChatHandshake, senderId: (operatorId: string) => string): Promise<OperatorIdentityOf> {
    const operator = await this.#options.operators!.identify(chatHandshake);
    if (!operator) throw new ChatError('UNAUTHORIZED', 'Only the team can connect here');
    // The host's answer is checked: a mistake there is a host bug, reported to the host as INTERNAL.
    const id = hostUserId(operator.id, 'operators.identify() must return { id: string (1–128 characters), name, inboxes? } or null');
    const { name, inboxes, avatarUrl, can } = operator as { name: unknown; inboxes: unknown; avatarUrl: unknown; can: unknown };
    if (typeof name !== 'string' || !name.trim()) {
      throw new TypeError('parley-chat: operators.identify() must return a display name for the operator');
    }
    const listed = this.#options.operators?.inboxes;
    if (
      inboxes !== undefined &&
      (!Array.isArray(inboxes) ||
        inboxes.some((inbox) => typeof inbox !== 'string' || !ROOM_PATTERN.test(inbox) || (listed !== undefined && !listed.includes(inbox))))
    ) {
      // A list is refused whole: `['*']` must never become every inbox, nor a typo another one.
      throw new TypeError(
        `parley-chat: operators.identify() returned inboxes ${JSON.stringify(inboxes)}; give inbox names${listed ? ` from operators.inboxes (${listed.join(', ')})` : ''}, or leave inboxes out for every inbox`,
      );
    }
    if (can !== undefined && (!Array.isArray(can) || can.some((permission) => !OPERATOR_PERMISSIONS.includes(permission)))) {
      throw new TypeError(`parley-chat: operators.identify() returned can ${JSON.stringify(can)}; give a list of ${OPERATOR_PERMISSIONS.map((p) => `'${p}'`).join(', ')}, or leave it out`);
    }
    return {
      operatorId: id,
      name: displayName(name),
      senderId: senderId(id),
      ...(this.#avatar(avatarUrl) ?? {}),
      inboxes: inboxes === undefined ? '*' : [...(inboxes as string[])],
      can: can === undefined ? [] : [...new Set(can as OperatorPermission[])],
    };
  }

  /**
   * The picture `identify` gave, if visitors may load it. None (`undefined`, `null`, `''`) is
   * initials; one they must not load is dropped with a warning rather than refusing the operator
   * for it: a picture is not worth an operator locked out of the inbox.
   */
  #avatar(avatarUrl: unknown): { avatarUrl: string } | undefined {
    if (avatarUrl === undefined || avatarUrl === null || avatarUrl === '') return undefined;
    if (isAvatarUrl(avatarUrl)) return { avatarUrl };
    if (!this.#saidAvatarDropped) {
      this.#saidAvatarDropped = true;
      this.#options.logger.warn(
        'parley-chat: operators.identify() returned an avatarUrl visitors cannot safely load (give an http(s) URL or a path, at most 2048 characters); the operator shows initials instead',
      );
    }
    return undefined;
  }

  /**
   * The visitor behind a plain HTTP request: the bearer token, or the host's `identify`, by the
   * handshake's rules. Counted against the address's event limit.
   */
  async visitorOfRequest(req: IncomingMessage): Promise<{ visitor: Visitor; isNew: boolean }> {
    const address = this.#address(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    this.#limits.take('event', `ip:${address}`);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const identity = await this.identify({ headers: req.headers, auth: bearer ? { token: bearer } : {}, address, request: req });
    const visitor: Visitor = {
      id: identity.visitorId,
      name: identity.hostName ?? guestName(identity.visitorId),
      verified: identity.verified,
    };
    return { visitor, isNew: identity.isNew };
  }

  /**
   * Decides who a client is, strongest proof first: the host's `identify`, then identity
   * verification (`userId` + `userHash`), then a visitor token, else a new anonymous visitor.
   */
  async identify(
    handshake: { headers: IncomingMessage['headers']; auth: unknown; address: string; request: IncomingMessage },
    { checkErasure = true } = {},
  ): Promise<Identity> {
    const auth = isPlainObject(handshake.auth) ? handshake.auth : {};
    const { identify, secret } = this.#options;
    const hostUser = identify
      ? await identify({ headers: handshake.headers, auth, address: handshake.address, request: handshake.request })
      : null;
    if (hostUser) {
      const visitorId = hostUserVisitorId(hostUserId(hostUser.id, 'identify() must return { id: string } (1–128 characters) or null'));
      const named = typeof hostUser.name === 'string' && hostUser.name.trim();
      return named ? { visitorId, verified: true, isNew: false, hostName: displayName(hostUser.name!) } : { visitorId, verified: true, isNew: false };
    }
    if (auth.userId !== undefined || auth.userHash !== undefined) {
      const { userId, userHash } = auth;
      if (
        typeof userId !== 'string' ||
        typeof userHash !== 'string' ||
        userId.length === 0 ||
        userId.length > MAX_USER_ID_LENGTH ||
        !verifyUserHash(userId, userHash, secret)
      ) {
        throw new ChatError('UNAUTHORIZED', 'Identity verification failed: userHash does not match userId');
      }
      return { visitorId: hostUserVisitorId(userId), verified: true, isNew: false };
    }
    const returning = this.#tokens.verify(auth.token);
    if (returning === null) return { visitorId: newVisitorId(), verified: false, isNew: true };
    if (!checkErasure) return { visitorId: returning, verified: false, isNew: false, erasureUnchecked: true };
    // An erased visitor's token stops working: whoever holds it starts afresh.
    const activity = await this.#options.store.visitorActivity(returning);
    return activity?.erasedAt ? { visitorId: newVisitorId(), verified: false, isNew: true } : { visitorId: returning, verified: false, isNew: false };
  }

  /** A refused handshake reaches the client as `connect_error` with the coded payload on `err.data`. */
  error(error: unknown): HandshakeError {
    const chatError = this.#report(error);
    return Object.assign(new Error(chatError.message), { data: chatError.toPayload() });
  }

  /**
   * What a socket carries for its visitor, with their saved details. A storage failure refuses the
   * handshake (`STORAGE_UNAVAILABLE`, retryable): a visitor let in without their details would
   * show up under another name.
   */
  async #socketData(identity: Identity, address: string): Promise<SocketData> {
    const { visitorId, verified, hostName, isNew } = identity;
    const { store, consent } = this.#options;
    // Whether they agreed to the chat's terms, read beside their details (only when there are terms),
    // and when they were last here, which also says whether they were erased: one round trip.
    const [user, consents, activity] = await Promise.all([
      // Read for a new visitor too: a handshake while storage is away is refused (retryable) rather
      // than let in to a chat that cannot store anything.
      store.getUser(visitorId),
      consent && !isNew ? store.consents(visitorId) : undefined,
      isNew ? null : store.visitorActivity(visitorId),
    ]);
    if (identity.erasureUnchecked && activity?.erasedAt) {
      // An erased visitor's token stops working: whoever holds it starts afresh.
      this.#limits.take('newVisitor', address);
      return this.#socketData({ visitorId: newVisitorId(), verified: false, isNew: true }, address);
    }
    if (activity?.erasing) {
      // A user of the host, whose erasure is under way: back once it is done, as someone new to the chat.
      throw new ChatError('STORAGE_UNAVAILABLE', 'This chat is busy with your data; try again in a moment', { retryable: true });
    }
    const data: SocketData = {
      visitorId,
      senderId: this.#tokens.publicId(visitorId),
      verified,
      name: user?.name || hostName || guestName(visitorId),
    };
    if (user) data.details = toVisitorDetails(user);
    if (consent) data.consentGiven = consents?.[0]?.version === consent.version;
    // When they were last here, for `retention.inactiveVisitorsDays` only; a new visitor once they write.
    if (!isNew && this.#options.retention?.inactiveVisitorsDays !== undefined) {
      data.seenRecorded = true;
      if ((activity?.lastSeenAt?.getTime() ?? 0) < Date.now() - SEEN_REFRESH_MS) {
        store.visitorSeen(visitorId, new Date()).catch((error: unknown) => this.#report(error));
      }
    }
    return data;
  }

  /** The client's address of a plain HTTP request, by the proxy rules (see `trustProxy`). */
  addressOf(req: IncomingMessage): string {
    return this.#address(req.socket.remoteAddress, req.headers['x-forwarded-for']);
  }

  #address(remoteAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
    return clientAddress(remoteAddress, forwardedFor, this.#options.trustedProxies);
  }
}

/**
 * Whether a browser page on `origin` may open a chat connection. Requests without an Origin
 * header come from non-browser clients, which could send any header they like, so the check
 * guards what it can: other sites' pages acting in a visitor's browser.
 */
export function isOriginAllowed(req: IncomingMessage, allowed: readonly string[] | '*', trustedProxies = 0): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || allowed === '*') return true;
  let page: URL;
  try {
    page = new URL(origin);
  } catch {
    return false;
  }
  if (allowed.includes(origin)) return true;
  // Behind a proxy that forwards the chat under its own host, the page's host is the one the proxy
  // was asked for; only a trusted proxy's word is taken (see `trustProxy`).
  const host = forwarded(req.headers['x-forwarded-host'], trustedProxies) ?? req.headers.host;
  const protocol = forwarded(req.headers['x-forwarded-proto'], trustedProxies);
  return page.host === host && (protocol === undefined || page.protocol === `${protocol}:`);
}

/** The value the nearest trusted proxy wrote into an `X-Forwarded-*` header, if there are trusted proxies. */
function forwarded(header: string | string[] | undefined, trustedProxies: number): string | undefined {
  if (trustedProxies === 0 || header === undefined) return undefined;
  const values = (Array.isArray(header) ? header.join(',') : header).split(',').map((value) => value.trim()).filter(Boolean);
  return values.length ? values[Math.max(0, values.length - trustedProxies)] : undefined;
}

export function toVisitorDetails(user: UserRecord): VisitorDetails {
  return { id: user.id, name: user.name, email: user.email, phone: user.phone };
}

/** A user id the host gave (for a visitor or an operator), as a string; a bad one is a host bug. */
function hostUserId(id: unknown, rule: string): string {
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id).length === 0 || String(id).length > MAX_USER_ID_LENGTH) {
    throw new TypeError(`parley-chat: ${rule}`);
  }
  return String(id);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * An address a visitor's browser may load as a picture: http(s), or a path on the chat server's
 * origin (the widget resolves it there); never `javascript:` or `data:`, nor a path a browser
 * would read as another host's (`//host`, `/\host`).
 */
function isAvatarUrl(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return false;
  if (value.startsWith('/')) return !/^\/[/\\]/.test(value) && !/[\s\\]/.test(value);
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
