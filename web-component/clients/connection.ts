import type { ChatErrorPayload } from '../../src/protocol.js';

/**
 * What the widget and the inbox show about their connection to the chat: `refused` when the server
 * turned the connection down for good (an origin it does not allow, a failed login), with the
 * reason on the client's `refusal`.
 */
export type ConnectionStatus = 'connecting' | 'online' | 'offline' | 'refused';

/**
 * The status line's words for a connection: `online` (which each view words its own way), or
 * why it was refused, or offline, or connecting.
 */
export function statusText(
  connection: { status: ConnectionStatus; refusal: ChatErrorPayload | undefined } | undefined,
  text: { offline: string; connecting: string },
  online: string,
): string {
  switch (connection?.status) {
    case 'online':
      return online;
    case 'refused':
      return connection.refusal?.message ?? text.offline;
    case 'offline':
      return text.offline;
    default:
      return text.connecting;
  }
}

/** How long before trying again after a refusal that names no delay. */
const RETRY_DELAY_MS = 3_000;

/** What a client does with its status and the server's refusals, for `refusedConnection`. */
export interface RefusalHandler {
  setStatus(status: ConnectionStatus): void;
  /** Tells the view the server's coded error. */
  error(reason: ChatErrorPayload): void;
  /** Keeps the reason of a refusal that is final. */
  refuse(reason: ChatErrorPayload): void;
}

/**
 * A failed connection attempt, the same for the widget and the inbox: a transport error is
 * retried by Socket.IO itself; a refusal the server marks retryable (or a rate limit) is retried
 * after the delay it names; any other refusal (not staff any more, a page the chat does not
 * allow) is final, since retrying changes nothing.
 */
export function refusedConnection(
  socket: { connect(): unknown },
  error: Error & { data?: ChatErrorPayload },
  client: RefusalHandler,
): void {
  const reason = error.data;
  if (!reason) {
    client.setStatus('offline');
    return;
  }
  client.error(reason);
  // The server refused the handshake; Socket.IO leaves retrying to us.
  if (reason.retryable || reason.code === 'RATE_LIMITED') {
    client.setStatus('offline');
    setTimeout(() => socket.connect(), reason.retryAfterMs ?? RETRY_DELAY_MS);
  } else {
    client.refuse(reason);
    client.setStatus('refused');
  }
}
