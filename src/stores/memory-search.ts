import { nameKey, searchableInboxOf, searchWords } from './conversation-rules.js';
import type { MemoryThread } from './memory-thread.js';
import type { ChatMessage } from '../protocol.js';
import type { ConversationRecord, MessageSearch, UserRecord, VisitorSearch } from './types.js';

// Search over the MemoryStore's maps: a scan, each word found as any part of a word (as the
// MongoDB store does on a server without text search).

const inScope = (inboxes: readonly string[] | '*', inbox: string) => inboxes === '*' || inboxes.includes(inbox);

export function searchThreads(threads: Iterable<MemoryThread>, query: MessageSearch, idPrefix: string): ChatMessage[] {
  const words = searchWords(query.text.toLowerCase());
  if (words.length === 0) return [];
  const only = query.threads && new Set(query.threads);
  const before = query.before?.getTime() ?? Infinity;
  const since = query.since?.getTime() ?? -Infinity;
  const found: ChatMessage[] = [];
  for (const thread of threads) {
    const inbox = searchableInboxOf(thread.room);
    if (inbox === undefined || !inScope(query.inboxes, inbox) || (only && !only.has(thread.room))) continue;
    for (let index = thread.size - 1; index >= 0; index--) {
      const time = thread.timeAt(index);
      if (time >= before) continue;
      if (time < since) break;
      if (thread.isErased(index)) continue;
      const text = thread.textAt(index).toLowerCase();
      if (words.every((word) => text.includes(word))) found.push(thread.messageAt(index, idPrefix));
    }
  }
  // Newest first; of two in the same millisecond, the later stored (ids grow), as MongoDB's `_id` orders them.
  const order = (message: ChatMessage) => parseInt(message.id.slice(idPrefix.length), 36);
  return found
    .sort((a, b) => (a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : order(b) - order(a)))
    .slice(0, query.limit);
}

export function searchVisitorConversations(conversations: Iterable<ConversationRecord>, users: ReadonlyMap<string, UserRecord>, query: VisitorSearch): ConversationRecord[] {
  const term = query.term.trim();
  const lower = term.toLowerCase();
  const key = nameKey(term);
  const found: ConversationRecord[] = [];
  for (const record of conversations) {
    if (!inScope(query.inboxes, record.inbox)) continue;
    if (query.before && record.updatedAt >= query.before) continue;
    if (query.since && record.updatedAt < query.since) continue;
    const email = users.get(record.visitorId)?.email;
    const matches =
      record.id === term ||
      record.visitorId === term ||
      nameKey(record.visitorName).startsWith(key) ||
      (email !== undefined && email !== '' && (email === term || email === lower));
    if (matches) found.push(record);
  }
  return found.sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime()).slice(0, query.limit);
}
