import type { InterNode } from '../cluster/inter-node-events.js';
import type { RoomPresence } from '../cluster/room-presence.js';
import type { OperatorEvents, OperatorSocket } from '../conversations/operator-events.js';
import type { ConversationService } from '../conversations/service.js';
import type { ChatIO, OperatorNamespace } from './context.js';
import type { Handshakes } from './handshake.js';
import { dropWhenUnread } from './slow-readers.js';
import type { VisitorEvents } from './visitor-events.js';

export const OPERATORS_NAMESPACE = '/operators';

export interface SocketParts {
  handshakes: Handshakes;
  visitorEvents: VisitorEvents;
  roomPresence: RoomPresence;
  interNode: InterNode;
  /** Only with the `operators` option. */
  conversations: { service: ConversationService; operatorEvents: OperatorEvents } | undefined;
  /** See `limits.maxUnsentBytes`. */
  maxUnsentBytes: number;
}

/**
 * Puts the chat on a Socket.IO server: the visitors' namespace and, with operators, the
 * operators' namespace, each behind the origin check and its handshake; and what this node does
 * when the other nodes tell it something.
 */
export function wireNamespaces(io: ChatIO, parts: SocketParts): void {
  const { handshakes, visitorEvents, roomPresence, interNode, conversations } = parts;
  const bounded = new WeakSet<object>();
  /** One engine connection may carry several namespaces; it is bounded once. */
  const bound = (connection: Parameters<typeof dropWhenUnread>[0]) => {
    if (bounded.has(connection)) return;
    bounded.add(connection);
    dropWhenUnread(connection, parts.maxUnsentBytes);
  };

  const visitors = io.of('/');
  visitors.use((socket, next) => next(handshakes.originError(socket.request)));
  visitors.use((socket, next) => {
    handshakes.visitor(socket).then(
      () => next(),
      (error: unknown) => next(handshakes.error(error)),
    );
  });
  visitors.on('connection', (socket) => {
    bound(socket.conn);
    visitorEvents.connection(socket);
  });

  interNode.listen({
    visitorUpdated: (visitorId, name, details) => visitorEvents.updateLocal(visitorId, name, details),
    visitorOnline: (conversationId, online) => conversations?.service.setVisitorOnline(conversationId, online),
    teamChanged: (inboxes) => void conversations?.operatorEvents.notifyTeam(inboxes ?? '*', true),
    presenceCounts: (nodeId, counts) => roomPresence.heard(nodeId, counts),
    replyStopped: (conversationId) => conversations?.service.assistant?.stoppedElsewhere(conversationId),
  });
  roomPresence.start();

  // The operators' namespace exists only when the host has operators: without them a client
  // connecting there gets Socket.IO's "Invalid namespace".
  if (!conversations) return;
  const { service, operatorEvents } = conversations;
  const operators = io.of(OPERATORS_NAMESPACE) as unknown as OperatorNamespace;
  operators.use((socket, next) => next(handshakes.originError(socket.request, 'operators')));
  operators.use((socket, next) => {
    handshakes.operator(socket, (operatorId) => service.senderId(operatorId)).then(
      () => next(),
      (error: unknown) => next(handshakes.error(error)),
    );
  });
  operators.on('connection', (socket) => {
    bound(socket.conn);
    operatorEvents.connection(socket as OperatorSocket);
  });
}
