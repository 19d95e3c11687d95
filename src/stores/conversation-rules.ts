import { randomBytes } from 'node:crypto';
import type { ChatMessage, ConversationHandler } from '../protocol.js';
import type { ConversationRecord, InboxCounts } from './types.js';

// The rules every store keeps for conversations, in one place: their thread keys, how a message
// changes its conversation, how versions grow, and which tab counts a conversation is in.

/**
 * The thread key of a conversation, or of its notes: where the store keeps its messages, and
 * what their `room` field holds. Never a valid room name (it has `/`), so no public room can
 * ever read a conversation.
 */
export function threadKey(conversation: { inbox: string; id: string }, notes = false): string {
  return `${conversation.inbox}/${conversation.id}${notes ? '/notes' : ''}`;
}

/**
 * The inbox of a conversation's thread of visible messages (`<inbox>/<id>`), which search reads;
 * undefined for a room (no `/`) and for notes (`<inbox>/<id>/notes`).
 */
export function searchableInboxOf(room: string): string | undefined {
  const slash = room.indexOf('/');
  return slash > 0 && room.indexOf('/', slash + 1) === -1 ? room.slice(0, slash) : undefined;
}

/**
 * The words of a search, each of which a message must contain, in both stores: without the quotes
 * and leading minus signs that MongoDB's `$text` would read as operators; at most 16.
 */
export function searchWords(text: string): string[] {
  return text
    .split(/\s+/)
    .map((word) => word.replace(/["\\]/g, '').replace(/^-+/, ''))
    .filter((word) => word.length > 0)
    .slice(0, 16);
}

/**
 * A visitor's name as search compares it: case folded and in one Unicode form, so that the
 * start of a name finds it on an index, in any case.
 */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase();
}

/** What identifies one message in its thread for retries: its sender and the client's id for it. */
export function messageKey(senderId: string, clientId: string): string {
  return `${senderId}\u0000${clientId}`;
}

/**
 * A conversation as its visitor's first message opens it, before that message is folded in;
 * `handler` answers it (see `openedHandler`).
 */
export function newConversation(inbox: string, visitor: { id: string; name: string }, now: Date, handler: ConversationHandler = 'waiting'): ConversationRecord {
  return {
    // Random and unguessable; every access is still checked against who asks.
    id: randomBytes(12).toString('hex'),
    inbox,
    visitorId: visitor.id,
    visitorName: visitor.name,
    status: 'open',
    assignee: null,
    lastMessage: null,
    unread: 0,
    visitorReadSeq: 0,
    operatorReadSeq: 0,
    waitingSince: null,
    visitorLastSeenAt: null,
    unseenNotifiedSeq: 0,
    handler,
    handoff: null,
    assistantReplies: 0,
    resolvedAt: null,
    rating: null,
    createdAt: now,
    updatedAt: now,
    version: nextVersion(),
  };
}

/**
 * What a message visitors can see does to its conversation. A visitor's message is the last
 * message, names the visitor, reopens a resolved conversation (which `handlerIfOpened` then
 * answers, as a new one), starts the wait for a person if nobody is waiting and the assistant
 * does not answer (a reopened conversation waits afresh), and is one more unread. An assistant's
 * reply is the last message and one more of its replies. An operator's answers: nobody waits,
 * everything up to it is read, and a person has the conversation (the assistant stops).
 */
export function foldMessage(record: ConversationRecord, message: ChatMessage, handlerIfOpened: ConversationHandler = 'waiting'): ConversationRecord {
  const folded: ConversationRecord = { ...record, lastMessage: message, updatedAt: new Date(), version: nextVersion(record.version) };
  const role = message.sender.role;
  if (role === 'visitor') {
    const reopened = record.status === 'resolved';
    folded.visitorName = message.sender.name;
    folded.status = 'open';
    if (reopened) Object.assign(folded, { handler: handlerIfOpened, handoff: null, assistantReplies: 0 });
    if (folded.handler === 'assistant') folded.waitingSince = null;
    else if (reopened || !record.waitingSince) folded.waitingSince = new Date(message.timestamp);
    folded.unread = record.unread + 1;
  } else if (role === 'assistant') {
    folded.assistantReplies = record.assistantReplies + 1;
  } else {
    folded.waitingSince = null;
    folded.unread = 0;
    folded.operatorReadSeq = Math.max(record.operatorReadSeq, message.seq);
    folded.handler = 'operator';
  }
  return folded;
}

/**
 * Versions come from a clock: microseconds since the epoch as this process reads them, always
 * above the last one it handed out and above `after` (the version being replaced). A change's
 * version then tells roughly when it was made, on any node, which is what lets the inbox's
 * change cursor advance past changes that have surely landed (see `versionAt`) without asking
 * the database for a counter. Numbers stay below 2^53 until the year 2255.
 */
let lastVersion = 0;
/**
 * Where this process starts counting within a millisecond: two nodes changing conversations in the
 * same millisecond then seldom draw the same number (a tie can only repeat one at a page's edge).
 */
const OFFSET_IN_MS = Math.floor(Math.random() * 900);
export function nextVersion(after = 0): number {
  lastVersion = Math.max(Date.now() * 1000 + OFFSET_IN_MS, lastVersion + 1, after + 1);
  return lastVersion;
}

/** The version the clock gave at `ms` (milliseconds since the epoch). */
export function versionAt(ms: number): number {
  return ms * 1000;
}

/**
 * The tab counts a conversation is in: one status, and open ones by assignee, or `assistant` when
 * the assistant answers it (and it is assigned to nobody).
 */
export function countKeys(record: Pick<ConversationRecord, 'status' | 'assignee' | 'handler'> | null): string[] {
  if (!record) return [];
  if (record.status === 'resolved') return ['resolved'];
  return ['open', record.assignee ? `assigned:${record.assignee.id}` : record.handler === 'assistant' ? 'assistant' : 'unassigned'];
}

/** How the tab counts change when a conversation goes from `before` to `after`: +1 or -1 per key. */
export function countChanges(
  before: Pick<ConversationRecord, 'status' | 'assignee' | 'handler'> | null,
  /** null: the conversation was deleted. */
  after: Pick<ConversationRecord, 'status' | 'assignee' | 'handler'> | null,
): Array<[key: string, change: 1 | -1]> {
  const was = countKeys(before);
  const is = countKeys(after);
  return [
    ...was.filter((key) => !is.includes(key)).map((key): [string, -1] => [key, -1]),
    ...is.filter((key) => !was.includes(key)).map((key): [string, 1] => [key, 1]),
  ];
}

/** The count key that counts an inbox's count changes: the `version` of its counts. */
export const COUNTS_VERSION_KEY = '#changes';

/** An inbox's counts from its counted keys. */
export function inboxCountsOf(inbox: string, keys: Iterable<[key: string, count: number]>): InboxCounts {
  const counts: InboxCounts = { inbox, open: 0, unassigned: 0, resolved: 0, assistant: 0, assigned: {}, version: 0 };
  for (const [key, count] of keys) {
    if (key === COUNTS_VERSION_KEY) counts.version = count;
    else if (count <= 0) continue;
    else if (key === 'open' || key === 'unassigned' || key === 'resolved' || key === 'assistant') counts[key] = count;
    else if (key.startsWith('assigned:')) counts.assigned[key.slice('assigned:'.length)] = count;
  }
  return counts;
}
