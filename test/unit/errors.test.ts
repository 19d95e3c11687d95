import { describe, expect, it } from 'vitest';
import { ChatError, ERROR_CODES, HTTP_STATUS_BY_CODE, toChatError } from 'parley-chat';

describe('ChatError', () => {
  it('maps every code to an HTTP status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS_BY_CODE[code]).toBeGreaterThanOrEqual(400);
    expect(new ChatError('RATE_LIMITED', 'slow down', { retryAfterMs: 5 }).httpStatus).toBe(429);
  });

  it('sends clients the code, message and hints only', () => {
    const error = new ChatError('VALIDATION', 'Invalid name', { fields: { name: 'too long' }, cause: new Error('secret') });
    expect(error.toPayload()).toEqual({ code: 'VALIDATION', message: 'Invalid name', fields: { name: 'too long' } });
    expect(new ChatError('STORAGE_UNAVAILABLE', 'later').toPayload()).toEqual({
      code: 'STORAGE_UNAVAILABLE',
      message: 'later',
      retryable: true,
    });
  });

  it('normalises unknown errors to INTERNAL and driver outages to STORAGE_UNAVAILABLE, keeping the cause', () => {
    const bug = new TypeError('x is undefined at /srv/app/secret.js');
    expect(toChatError(bug)).toMatchObject({ code: 'INTERNAL', cause: bug });
    expect(toChatError(bug).message).not.toContain('secret');
    const outage = Object.assign(new Error('connection refused'), { name: 'MongoServerSelectionError' });
    expect(toChatError(outage)).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(toChatError('a string')).toMatchObject({ code: 'INTERNAL' });
    const own = new ChatError('FORBIDDEN', 'no');
    expect(toChatError(own)).toBe(own);
  });
});
