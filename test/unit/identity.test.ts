import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { guestName, newVisitorId, verifyUserHash, VisitorTokens } from '../../src/server/identity.js';

const SECRET = 'unit-secret-that-is-at-least-32-characters';
const DAY = 24 * 60 * 60 * 1000;

describe('VisitorTokens', () => {
  const tokens = new VisitorTokens(SECRET, 30 * DAY);

  it('round-trips an anonymous visitor id', () => {
    const id = newVisitorId();
    expect(tokens.verify(tokens.issue(id))).toBe(id);
  });

  it('refuses expired tokens and tokens signed with another secret', () => {
    const id = newVisitorId();
    const now = Date.now();
    const token = tokens.issue(id, now);
    expect(tokens.verify(token, now + 29 * DAY)).toBe(id);
    expect(tokens.verify(token, now + 31 * DAY)).toBeNull();
    expect(new VisitorTokens(`${SECRET}-other`, 30 * DAY).verify(token)).toBeNull();
  });

  it('never restores a host user from a token', () => {
    expect(tokens.verify(tokens.issue('user:alice'))).toBeNull();
  });

  it('cannot be confused with an identity-verification hash', () => {
    // The token key is derived from the secret, so HMAC(body, secret) is not a valid signature.
    const body = Buffer.from(JSON.stringify({ sub: newVisitorId(), iat: Math.floor(Date.now() / 1000) })).toString('base64url');
    const hostStyle = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(tokens.verify(`${body}.${hostStyle}`)).toBeNull();
  });

  it('answers null for anything that is not a token', () => {
    for (const junk of [undefined, null, 42, {}, [], '', '.', 'a.b', 'a.b.c', 'x'.repeat(600)]) {
      expect(tokens.verify(junk)).toBeNull();
    }
  });
});

describe('verifyUserHash', () => {
  it('accepts HMAC-SHA256(userId, secret) in hex, either case', () => {
    const hash = createHmac('sha256', SECRET).update('42').digest('hex');
    expect(verifyUserHash('42', hash, SECRET)).toBe(true);
    expect(verifyUserHash('42', hash.toUpperCase(), SECRET)).toBe(true);
    expect(verifyUserHash('43', hash, SECRET)).toBe(false);
    expect(verifyUserHash('42', hash.slice(0, -1), SECRET)).toBe(false);
  });
});

describe('guestName', () => {
  it('is stable per visitor and looks like "Guest 1234"', () => {
    const id = newVisitorId();
    expect(guestName(id)).toBe(guestName(id));
    expect(guestName(id)).toMatch(/^Guest [1-9]\d{3}$/);
  });
});
