import type { Socket as EngineSocket } from 'engine.io';

interface OutgoingPacket {
  data?: unknown;
}

/** What engine.io's WebSocket transport holds: a `ws` socket, whose `bufferedAmount` is public. */
interface WebSocketLike {
  bufferedAmount?: number;
  terminate?: () => void;
}

const transportSocket = (connection: EngineSocket): WebSocketLike | undefined =>
  (connection.transport as unknown as { socket?: WebSocketLike }).socket;

/**
 * Drops a connection once more than `maxBytes` wait to be sent to it. A client that stops reading
 * (a frozen tab, a hostile script) would otherwise collect every message of its rooms in server
 * memory until the ping timeout, tens of seconds later. Reading clients drain their buffer between
 * messages and never come near the bound; a dropped client reconnects and catches up by seq.
 *
 * Sizes are string lengths (what the encoded packets are), close to bytes for chat traffic. The
 * count covers packets engine.io has not handed to the transport yet plus what the WebSocket
 * still buffers; engine.io stops handing packets over while the WebSocket cannot write.
 */
export function dropWhenUnread(connection: EngineSocket, maxBytes: number): void {
  let queued = 0;
  connection.on('packetCreate', (packet: OutgoingPacket) => {
    const data = packet.data;
    queued += typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 0;
    if (queued + (transportSocket(connection)?.bufferedAmount ?? 0) <= maxBytes) return;
    queued = 0;
    // Terminating the WebSocket frees its buffer now; a close handshake would wait behind it.
    transportSocket(connection)?.terminate?.();
    connection.close(true);
  });
  connection.on('flush', () => {
    queued = 0;
  });
}
