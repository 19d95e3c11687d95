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
  CONSENT_REQUIRED: 403,
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
  'MongoOperationTimeoutError',
  'MongoWriteConcernError',
  // The operation's own deadline (the `signal` of every storage call) passed.
  'AbortError',
  'TimeoutError',
]);

// Server error codes of a replica set changing hands or an operation running out of time: a
// retry a moment later succeeds (or finds what the first attempt stored).
const TRANSIENT_CODES = new Set([
  6, // HostUnreachable
  7, // HostNotFound
  50, // MaxTimeMSExpired
  64, // WriteConcernFailed (wtimeout)
  89, // NetworkTimeout
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  9001, // SocketException
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

// Labels the driver puts on errors that a retry can fix.
const TRANSIENT_LABELS = ['RetryableWriteError', 'TransientTransactionError', 'ResetPool', 'InterruptInUseConnections'];

/**
 * Whether an error means storage cannot answer right now (unreachable, failing over, too slow)
 * rather than a bug: such an error is `STORAGE_UNAVAILABLE`, retryable, and the client tries again.
 */
export function isStorageUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (STORAGE_ERROR_NAMES.has(error.name)) return true;
  const { code, errorLabels, writeConcernError } = error as {
    code?: unknown;
    errorLabels?: unknown;
    writeConcernError?: { code?: unknown };
  };
  if (typeof code === 'number' && TRANSIENT_CODES.has(code)) return true;
  if (typeof writeConcernError?.code === 'number' && TRANSIENT_CODES.has(writeConcernError.code)) return true;
  const labels = error as { hasErrorLabel?: (label: string) => boolean };
  if (typeof labels.hasErrorLabel === 'function' && TRANSIENT_LABELS.some((label) => labels.hasErrorLabel!(label))) return true;
  if (Array.isArray(errorLabels) && TRANSIENT_LABELS.some((label) => errorLabels.includes(label))) return true;
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
