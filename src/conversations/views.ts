import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { ChatMessage, ConversationRating, ConversationSummary, VisitorConversation, VisitorDetails } from '../protocol.js';
import { versionAt } from '../stores/conversation-rules.js';
import type { ConversationRecord } from '../stores/types.js';

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
    handler: record.handler,
    handoff: record.handoff,
    resolvedAt: record.resolvedAt?.toISOString() ?? null,
    rating: ratingOf(record),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    version: record.version,
  };
}

/** The visitor's rating of the latest resolution, once given. */
export function ratingOf(record: ConversationRecord): ConversationRating | null {
  const { rating } = record;
  if (rating?.score == null) return null;
  return {
    score: rating.score,
    comment: rating.comment,
    at: (rating.at ?? rating.resolvedAt).toISOString(),
    resolvedAt: rating.resolvedAt.toISOString(),
    assignee: rating.assignee && { id: rating.assignee.id, name: rating.assignee.name },
  };
}

/**
 * What the visitor may know of their conversation: the assignee's display name only, and the
 * rating asked of them when ratings are on (`ratingQuestion`).
 */
export function visitorViewOf(record: ConversationRecord, ratingQuestion?: string): VisitorConversation {
  return {
    id: record.id,
    inbox: record.inbox,
    status: record.status,
    assignee: record.assignee && { name: record.assignee.name },
    visitorReadSeq: record.visitorReadSeq,
    operatorReadSeq: record.operatorReadSeq,
    handler: record.handler,
    ...(ratingQuestion && record.rating ? { rating: { asked: true as const, ask: ratingQuestion, score: record.rating.score } } : {}),
  };
}

export function asNote(message: ChatMessage): ChatMessage {
  return { ...message, note: true };
}

/**
 * The inbox's change cursor after a page of changes (`records`, oldest change first, versions
 * above `since`): as far as every change has surely landed. Versions come from a clock (see
 * `nextVersion`) and a write lands within the storage timeout, so every change with a version
 * older than `settleMs` ago is in the store: the cursor moves to there, or to the page's last
 * change when more pages follow. A change newer than the cursor is sent again by the next catch-up;
 * clients keep the newer version.
 */
export function settledCursor(records: readonly ConversationRecord[], since: number, hasMore: boolean, settleMs: number): number {
  const settled = versionAt(Date.now() - settleMs);
  const reached = hasMore ? (records.at(-1)?.version ?? since) : settled;
  return Math.max(since, Math.min(reached, settled));
}

/**
 * A visitor's details as operators see them: the stored phone (E.164, for `tel:` links) and the
 * same number as people read it ("+44 20 7946 0958").
 */
export function operatorDetailsOf(details: Omit<VisitorDetails, 'id'>): Omit<VisitorDetails, 'id'> & { phoneDisplay: string } {
  const { name, email, phone } = details;
  return { name, email, phone, phoneDisplay: phone ? (parsePhoneNumberFromString(phone)?.formatInternational() ?? phone) : '' };
}
