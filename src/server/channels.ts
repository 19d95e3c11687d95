/**
 * The Socket.IO rooms the chat puts sockets in, called channels here so that "room" only ever
 * means a public chat room. Each kind has its own prefix, and the names clients choose (rooms,
 * inboxes) never contain `/`, so no name a client picks can ever be another kind of channel: a
 * visitor's private channel (which carries their details), another visitor's conversation, or
 * another socket's own channel.
 */
export const channels = {
  /** Visitors' namespace: the sockets in a public room. */
  room: (room: string) => `room:${room}`,
  /** Visitors' namespace: every socket of one visitor (their details, their session). */
  visitor: (visitorId: string) => `visitor:${visitorId}`,
  /** Visitors' namespace: the visitor's sockets that joined their conversation in an inbox. */
  conversationVisitor: (inbox: string, visitorId: string) => `thread/${inbox}/${visitorId}`,
  /** Visitors' namespace: every visitor socket that joined an inbox, for `team` events. */
  inboxVisitors: (inbox: string) => `inbox-visitors/${inbox}`,
  /** Operators' namespace: the operators who may read an inbox (`*`: those who read them all). */
  inboxOperators: (inbox: string | '*') => `inbox/${inbox}`,
  /** Operators' namespace: the operators who have a conversation open. */
  openConversation: (conversationId: string) => `conversation/${conversationId}`,
} as const;

const ROOM_PREFIX = 'room:';
const INBOX_VISITORS_PREFIX = 'inbox-visitors/';

/** The names behind the channels of one kind that a socket (or a namespace) is in. */
function namesIn(prefix: string, channelNames: Iterable<string>): string[] {
  const names: string[] = [];
  for (const channel of channelNames) if (channel.startsWith(prefix)) names.push(channel.slice(prefix.length));
  return names;
}

/** The public rooms among `channelNames`, e.g. a socket's `rooms`. */
export const roomsIn = (channelNames: Iterable<string>): string[] => namesIn(ROOM_PREFIX, channelNames);

/** The inboxes whose visitors' channels are among `channelNames`. */
export const inboxesIn = (channelNames: Iterable<string>): string[] => namesIn(INBOX_VISITORS_PREFIX, channelNames);
