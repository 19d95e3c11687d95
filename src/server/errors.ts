import type { Assignee, ChatErrorPayload, ErrorCode } from '../protocol.js';

/** HTTP status for each error code, for the HTTP routes and for hosts mapping errors themselves. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  STORAGE_UNAVAILABLE: 503,
  CONFLICT: 409,
  INTERNAL: 500,
};

export interface ChatErrorOptions {
  fields?: Record<string, string>;
  retryAfterMs?: number;
  retryable?: boolean;
  /** For `CONFLICT` on an assignment: the current assignee. */
  assignee?: Assignee | null;
  cause?: unknown;
}

/**
 * The one error type of parley-chat. Throw it from hooks (`beforeMessage`, `rooms`,
 * `identify`) to refuse a request with a code the client understands; any other error
 * reaches clients as `INTERNAL` with a generic message.
 *
 * @example
 * throw new ChatError('FORBIDDEN', 'This room is read-only');
 */
export class ChatError extends Error {
  override readonly name = 'ChatError';
  readonly code: ErrorCode;
  readonly fields?: Record<string, string>;
  readonly retryAfterMs?: number;
  readonly retryable?: boolean;
  readonly assignee?: Assignee | null;

  constructor(code: ErrorCode, message: string, options: ChatErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.fields) this.fields = options.fields;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    const retryable = options.retryable ?? (code === 'STORAGE_UNAVAILABLE' ? true : undefined);
    if (retryable !== undefined) this.retryable = retryable;
    if (options.assignee !== undefined) this.assignee = options.assignee;
  }

  get httpStatus(): number {
    return HTTP_STATUS_BY_CODE[this.code];
  }

  /** The shape sent to clients: code, message and the optional hints, nothing else. */
  toPayload(): ChatErrorPayload {
    const payload: ChatErrorPayload = { code: this.code, message: this.message };
    if (this.fields) payload.fields = this.fields;
    if (this.retryAfterMs !== undefined) payload.retryAfterMs = this.retryAfterMs;
    if (this.retryable !== undefined) payload.retryable = this.retryable;
    if (this.assignee !== undefined) payload.assignee = this.assignee && { id: this.assignee.id, name: this.assignee.name };
    return payload;
  }
}

// Driver errors that mean "the database is unreachable right now", as opposed to a bug.
const STORAGE_ERROR_NAMES = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongooseServerSelectionError',
  'MongoPoolClearedError',
]);

export function isStorageUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (STORAGE_ERROR_NAMES.has(error.name)) return true;
  // Mongoose buffers operations while disconnected and then times out with this message.
  return /buffering timed out|client was closed|connection .* closed/i.test(error.message);
}

/**
 * Normalises anything thrown into a ChatError. Unknown errors become `INTERNAL` with a
 * generic message; the original stays on `cause` for the server's logs only.
 */
export function toChatError(error: unknown): ChatError {
  if (error instanceof ChatError) return error;
  if (isStorageUnavailable(error)) {
    return new ChatError('STORAGE_UNAVAILABLE', 'The chat cannot store messages right now; try again shortly', {
      cause: error,
    });
  }
  return new ChatError('INTERNAL', 'Something went wrong on the chat server', { cause: error });
}
