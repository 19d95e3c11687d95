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

  it('answers a failover, a lost connection or a write-concern timeout as retryable, not as a bug', () => {
    // Shaped as the driver makes them; a replica set's failover cannot be staged here.
    const shapes = [
      Object.assign(new Error('not primary'), { name: 'MongoServerError', code: 10107 }),
      Object.assign(new Error('stepped down'), { name: 'MongoServerError', code: 189 }),
      Object.assign(new Error('interrupted'), { name: 'MongoServerError', code: 11602 }),
      Object.assign(new Error('waiting for replication timed out'), { name: 'MongoWriteConcernError', code: 64 }),
      Object.assign(new Error('write concern'), { name: 'MongoBulkWriteError', writeConcernError: { code: 64 } }),
      Object.assign(new Error('operation exceeded time limit'), { name: 'MongoServerError', code: 50 }),
      Object.assign(new Error('retry me'), { name: 'MongoServerError', code: 1, errorLabels: ['RetryableWriteError'] }),
      Object.assign(new Error('retry me'), { name: 'MongoServerError', code: 1, hasErrorLabel: (label: string) => label === 'RetryableWriteError' }),
      Object.assign(new Error('socket closed'), { name: 'MongoNetworkError' }),
      Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' }),
    ];
    for (const error of shapes) expect(toChatError(error), error.message).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    const duplicate = Object.assign(new Error('E11000'), { name: 'MongoServerError', code: 11000 });
    expect(toChatError(duplicate)).toMatchObject({ code: 'INTERNAL' });
  });
});
