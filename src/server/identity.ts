import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Visitor ids: `v_` + 22 base64url characters for anonymous visitors, `user:<id>` for host users. */
const ANONYMOUS_ID = /^v_[A-Za-z0-9_-]{22}$/;
const USER_PREFIX = 'user:';

export function newVisitorId(): string {
  return `v_${randomBytes(16).toString('base64url')}`;
}

export function hostUserVisitorId(userId: string): string {
  return `${USER_PREFIX}${userId}`;
}

export function isHostUserVisitorId(visitorId: string): boolean {
  return visitorId.startsWith(USER_PREFIX);
}

/** Longest display name, in UTF-16 code units: what a visitor may type, and what the host may give. */
export const MAX_NAME_LENGTH = 100;

/**
 * A name the host gave (for its user, or an operator), trimmed to the length visitors may type,
 * never split inside a character. Stored as UTF-8, so a lone surrogate would come back as U+FFFD:
 * it is made that from the start.
 */
export function displayName(name: string): string {
  let trimmed = name.trim();
  if (trimmed.length > MAX_NAME_LENGTH) {
    trimmed = trimmed.slice(0, MAX_NAME_LENGTH);
    if (/[\uD800-\uDBFF]$/.test(trimmed)) trimmed = trimmed.slice(0, -1);
  }
  return trimmed.toWellFormed();
}

/** A stable, friendly name for a visitor who has not given one: "Guest 4821". */
export function guestName(visitorId: string): string {
  const digest = createHash('sha256').update(visitorId).digest();
  return `Guest ${1000 + (digest.readUInt32BE(0) % 9000)}`;
}

interface TokenClaims {
  sub: string;
  iat: number;
}

/**
 * Signs and checks visitor tokens: `base64url(claims).base64url(hmac)`. The HMAC key is derived
 * from the secret so that a token can never double as an identity-verification hash, which
 * hosts compute with the secret itself.
 */
export class VisitorTokens {
  readonly #key: Buffer;
  readonly #publicKey: Buffer;
  readonly #maxAgeMs: number;

  constructor(secret: string, maxAgeMs: number) {
    this.#key = createHmac('sha256', secret).update('parley-chat visitor token v1').digest();
    this.#publicKey = createHmac('sha256', secret).update('parley-chat public sender v1').digest();
    this.#maxAgeMs = maxAgeMs;
  }

  /**
   * The id others see on a visitor's messages in public rooms: an anonymous visitor's own id,
   * and for a host user (`user:<id>`) a stable opaque one, so the host's user ids stay private.
   */
  publicId(visitorId: string): string {
    if (!isHostUserVisitorId(visitorId)) return visitorId;
    return `u_${createHmac('sha256', this.#publicKey).update(visitorId).digest('base64url').slice(0, 22)}`;
  }

  issue(visitorId: string, now = Date.now()): string {
    const claims: TokenClaims = { sub: visitorId, iat: Math.floor(now / 1000) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    return `${body}.${this.#sign(body)}`;
  }

  /**
   * The anonymous visitor id a token names, or null when it is malformed, forged, expired or
   * names a host user: a stored token must never log a later visitor of the same browser in as
   * the host user it was issued to; host users prove themselves on every handshake.
   */
  verify(token: unknown, now = Date.now()): string | null {
    if (typeof token !== 'string' || token.length > 512) return null;
    const [body, signature, extra] = token.split('.');
    if (!body || !signature || extra !== undefined) return null;
    if (!constantTimeEqual(signature, this.#sign(body))) return null;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const { sub, iat } = (claims ?? {}) as Partial<TokenClaims>;
    if (typeof sub !== 'string' || !ANONYMOUS_ID.test(sub)) return null;
    if (typeof iat !== 'number' || now - iat * 1000 > this.#maxAgeMs) return null;
    return sub;
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }
}

/** Identity verification: `userHash` must be HMAC-SHA256(userId, secret) in hex. */
export function verifyUserHash(userId: string, userHash: string, secret: string): boolean {
  const expected = createHmac('sha256', secret).update(userId).digest('hex');
  return constantTimeEqual(userHash.toLowerCase(), expected);
}

function constantTimeEqual(a: string, b: string): boolean {
  const bufA = Buffer.from(a);
  const bufB = Buffer.from(b);
  return bufA.length === bufB.length && timingSafeEqual(bufA, bufB);
}
