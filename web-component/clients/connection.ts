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

/** What a client does as its socket connects, drops and is refused; see `followConnection`. */
export interface ConnectionFollower {
  setStatus(status: ConnectionStatus): void;
  /** Tells the view the server's coded error. */
  error(reason: ChatErrorPayload): void;
  /** Keeps the reason of a refusal that is final. */
  refuse(reason: ChatErrorPayload): void;
  /** Connected (again): catch up, then send what waits. */
  connected(): Promise<void>;
  /** The connection dropped: nothing can be sent until it is back. */
  disconnected(): void;
}

interface FollowedSocket {
  connect(): unknown;
  on(event: 'connect' | 'disconnect', listener: () => void): unknown;
  on(event: 'connect_error', listener: (error: Error & { data?: ChatErrorPayload }) => void): unknown;
}

/**
 * Follows a client's socket, the same for the widget and the inbox: online on connect, offline
 * when it drops. A transport error is retried by Socket.IO itself; a refusal the server marks
 * retryable (or a rate limit) is retried after the delay it names; any other refusal (not staff
 * any more, a page the chat does not allow) is final, since retrying changes nothing.
 */
export function followConnection(socket: FollowedSocket, client: ConnectionFollower): void {
  socket.on('connect', () => {
    client.setStatus('online');
    void client.connected();
  });
  socket.on('disconnect', () => {
    client.disconnected();
    client.setStatus('offline');
  });
  socket.on('connect_error', (error) => {
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
  });
}
