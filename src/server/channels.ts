/**
 * Names of the Socket.IO rooms the chat puts sockets in. Each kind has its own prefix, and the
 * names clients choose (rooms, inboxes) never contain `/`, so no name a client picks can ever be
 * another kind of room: a visitor's private room (which carries their details), another
 * visitor's conversation, or another socket's own room.
 */
export const socketRooms = {
  /** Namespace `/`: the sockets in a public chat room. */
  chatRoom: (room: string) => `room:${room}`,
  /** Namespace `/`: every socket of one visitor (their details, their session). */
  visitor: (visitorId: string) => `visitor:${visitorId}`,
  /** Namespace `/`: the visitor's sockets that joined their conversation in an inbox. */
  thread: (inbox: string, visitorId: string) => `thread/${inbox}/${visitorId}`,
  /** Namespace `/`: every visitor socket that joined an inbox, for `team` events. */
  inboxVisitors: (inbox: string) => `inbox-visitors/${inbox}`,
  /** Namespace `/operators`: the operators who may read an inbox (`*`: those who read them all). */
  inboxOperators: (inbox: string | '*') => `inbox/${inbox}`,
  /** Namespace `/operators`: the operators who have a conversation open. */
  openConversation: (conversationId: string) => `conversation/${conversationId}`,
} as const;

export const CHAT_ROOM_PREFIX = 'room:';
export const INBOX_VISITORS_PREFIX = 'inbox-visitors/';
