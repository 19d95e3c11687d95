import type { ChatErrorPayload } from '../src/protocol.js';

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
