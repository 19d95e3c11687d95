import type { ChatMessage, ConversationSummary, VisitorConversation } from '../protocol.js';
import type { ConversationRecord } from '../stores/types.js';

/**
 * A change older than this has surely landed: the catch-up cursor never moves past a newer one,
 * so a change that took its version first but was stored after a later one is never skipped.
 * It covers the time between drawing a version and storing it, and clock skew between nodes.
 */
const SETTLED_AFTER_MS = 10_000;

/** What operators see of a conversation. */
export function summaryOf(record: ConversationRecord, online: boolean): ConversationSummary {
  return {
    id: record.id,
    inbox: record.inbox,
    status: record.status,
    visitor: {
      id: record.visitorId,
      name: record.visitorName,
      online,
      lastSeenAt: record.visitorLastSeenAt?.toISOString() ?? null,
    },
    assignee: record.assignee && { id: record.assignee.id, name: record.assignee.name },
    lastMessage: record.lastMessage,
    unread: record.unread,
    visitorReadSeq: record.visitorReadSeq,
    operatorReadSeq: record.operatorReadSeq,
    waitingSince: record.waitingSince?.toISOString() ?? null,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    version: record.version,
  };
}

/** What the visitor may know of their conversation: the assignee's display name only. */
export function visitorViewOf(record: ConversationRecord): VisitorConversation {
  return {
    id: record.id,
    inbox: record.inbox,
    status: record.status,
    assignee: record.assignee && { name: record.assignee.name },
    visitorReadSeq: record.visitorReadSeq,
    operatorReadSeq: record.operatorReadSeq,
  };
}

export function asNote(message: ChatMessage): ChatMessage {
  return { ...message, note: true };
}

/**
 * The catch-up cursor after `records` (oldest change first): the last version before the first
 * change too recent to be sure every older one has landed (see SETTLED_AFTER_MS). Those recent
 * changes are still sent now, and again with the next catch-up; clients keep the newer version.
 */
export function settledCursor(records: readonly ConversationRecord[], since: number, hasMore: boolean): number {
  const settledBefore = Date.now() - SETTLED_AFTER_MS;
  let cursor = since;
  for (const record of records) {
    // Deep in a backlog (more pages follow) the newest changes are not in this page at all.
    if (!hasMore && record.updatedAt.getTime() > settledBefore) break;
    cursor = Math.max(cursor, record.version);
  }
  return cursor;
}
