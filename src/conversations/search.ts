import { z } from 'zod';
import type { ChatMessage, ConversationStatus, SearchHit } from '../protocol.js';
import { ChatError } from '../server/errors.js';
import type { ChatContext } from '../server/context.js';
import { threadKey } from '../stores/conversation-rules.js';
import type { ConversationRecord } from '../stores/types.js';
import { mayRead, type InboxScope } from './inbox-list.js';
import type { ConversationService } from './service.js';

export interface ConversationSearch {
  /** Messages containing every word of it, visitors by name or email, a conversation by id. */
  text?: string | undefined;
  /** Only this visitor's conversations: their id, email, or the start of their name. */
  visitor?: string | undefined;
  inbox?: string | undefined;
  status?: ConversationStatus | undefined;
  before?: Date | undefined;
  since?: Date | undefined;
  /** @default 20 */
  limit?: number | undefined;
  /** The previous page's cursor. */
  cursor?: string | undefined;
}

/** Conversations a `visitor` search narrows the message search to, at most. */
const MAX_VISITOR_CONVERSATIONS = 200;

interface Candidate {
  at: number;
  conversationId: string;
  match: ChatMessage | null;
}

/** Rounds of reading one page may take when filters leave too few hits. */
const MAX_ROUNDS = 5;
/** Conversations a cursor remembers as shown, so that later pages skip them. */
const MAX_SEEN = 500;

/** Where a search stopped: hits before this time (ms) are still to come; these conversations were shown. */
interface Position {
  before: number | undefined;
  seen: string[];
}

const cursorSchema = z.object({
  // A time a Date can hold (8.64e15 ms either side of 1970).
  b: z.number().int().min(0).max(8.64e15),
  s: z.array(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/)).max(MAX_SEEN),
});

function encodeCursor(position: { before: number; seen: string[] }): string {
  return Buffer.from(JSON.stringify({ b: position.before, s: position.seen.slice(-MAX_SEEN) })).toString('base64url');
}

function decodeCursor(cursor: string): Position {
  try {
    const { b, s } = cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { before: b, seen: s };
  } catch {
    throw new ChatError('VALIDATION', 'Not a cursor of this search', { fields: { cursor: 'Send the cursor of the previous page as it came' } });
  }
}

/**
 * The team's search, scoped to the inboxes `scope` reads: message hits and visitor hits merged
 * newest first, one hit per conversation, and each conversation once across pages (the cursor
 * carries the time the search reached and the conversations it showed).
 */
export async function searchConversations(
  ctx: ChatContext,
  service: ConversationService,
  scope: InboxScope,
  query: ConversationSearch,
): Promise<{ conversations: SearchHit[]; hasMore: boolean; cursor: string | null }> {
  const inboxes = service.inboxes.readable(scope, query.inbox);
  const limit = query.limit ?? 20;
  const position: Position = query.cursor ? decodeCursor(query.cursor) : { before: undefined, seen: [] };
  const seen = new Set(position.seen);
  const hits: Array<{ record: ConversationRecord; candidate: Candidate }> = [];
  const bounds = [query.before?.getTime(), position.before].filter((bound): bound is number => bound !== undefined);
  let before = bounds.length ? Math.min(...bounds) : undefined;
  const next = (at: number) => encodeCursor({ before: at, seen: [...seen] });
  // A page the filters thin out (status) reads on from where the sources stopped, a few rounds at most.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const batch = await gather(ctx, inboxes, { ...query, before: before === undefined ? undefined : new Date(before) }, limit);
    for (const candidate of batch.candidates) {
      if (seen.has(candidate.conversationId)) continue;
      const record = batch.records.get(candidate.conversationId);
      // Deleted meanwhile, or filtered out: not a hit.
      if (!record || !mayRead({ inboxes }, record.inbox) || (query.status && record.status !== query.status)) continue;
      // A page is full: the next one starts at this candidate (its time included; what was shown at that time is in `seen`).
      if (hits.length === limit) return finish(service, hits, next(candidate.at + 1));
      seen.add(candidate.conversationId);
      hits.push({ record, candidate });
    }
    if (batch.horizon === undefined) return finish(service, hits, null);
    // On from where the sources stopped, the messages at that very time included (unless that would not move on).
    before = before !== undefined && batch.horizon + 1 >= before ? batch.horizon : batch.horizon + 1;
  }
  return finish(service, hits, next(before!));
}

/**
 * One round: message hits and visitor hits, newest first. Each source is asked for more than a
 * page; when one had more to give, `horizon` is the time of the last it gave, and candidates
 * older than that are left for the next round or page, so that none is skipped.
 */
async function gather(
  ctx: ChatContext,
  inboxes: readonly string[] | '*',
  query: ConversationSearch,
  limit: number,
): Promise<{ candidates: Candidate[]; records: Map<string, ConversationRecord>; horizon: number | undefined }> {
  const { store } = ctx;
  const range = { before: query.before, since: query.since };
  const candidates: Candidate[] = [];
  const records = new Map<string, ConversationRecord>();
  let horizon: number | undefined;
  const took = (count: number, wanted: number, oldest: number | undefined) => {
    if (count >= wanted && oldest !== undefined) horizon = Math.max(horizon ?? -Infinity, oldest);
  };
  const addRecords = (found: ConversationRecord[]) => {
    for (const record of found) {
      records.set(record.id, record);
      candidates.push({ at: record.updatedAt.getTime(), conversationId: record.id, match: null });
    }
  };

  let threads: string[] | undefined;
  if (query.visitor !== undefined) {
    const wanted = query.text === undefined ? limit + 1 : MAX_VISITOR_CONVERSATIONS;
    const found = await store.searchVisitors({ term: query.visitor, inboxes, limit: wanted, ...(query.text === undefined ? range : {}) });
    if (query.text === undefined) {
      addRecords(found);
      took(found.length, wanted, found.at(-1)?.updatedAt.getTime());
    } else {
      for (const record of found) records.set(record.id, record);
      threads = found.map((record) => threadKey(record));
    }
  }
  if (query.text !== undefined) {
    const wanted = limit * 3 + 1;
    const [messages, visitors] = await Promise.all([
      store.searchMessages({ text: query.text, inboxes, threads, ...range, limit: wanted }),
      query.visitor === undefined ? store.searchVisitors({ term: query.text, inboxes, ...range, limit: limit + 1 }) : [],
    ]);
    for (const message of messages) candidates.push({ at: Date.parse(message.timestamp), conversationId: conversationIdOf(message), match: message });
    took(messages.length, wanted, messages.length ? Date.parse(messages.at(-1)!.timestamp) : undefined);
    addRecords(visitors);
    took(visitors.length, limit + 1, visitors.at(-1)?.updatedAt.getTime());
  }

  candidates.sort((a, b) => b.at - a.at);
  const kept = horizon === undefined ? candidates : candidates.filter((candidate) => candidate.at >= horizon!);
  const missing = [...new Set(kept.map((candidate) => candidate.conversationId))].filter((id) => !records.has(id));
  for (const record of await store.conversationsByIds(missing)) records.set(record.id, record);
  return { candidates: kept, records, horizon };
}

async function finish(
  service: ConversationService,
  hits: Array<{ record: ConversationRecord; candidate: Candidate }>,
  cursor: string | null,
): Promise<{ conversations: SearchHit[]; hasMore: boolean; cursor: string | null }> {
  const summaries = await service.summaries(hits.map(({ record }) => record));
  return {
    conversations: hits.map(({ candidate }, index) => ({
      conversation: summaries[index]!,
      match: candidate.match && { seq: candidate.match.seq, message: candidate.match.message, timestamp: candidate.match.timestamp },
      at: new Date(candidate.at).toISOString(),
    })),
    hasMore: cursor !== null,
    cursor,
  };
}

/** A visible message's thread is `<inbox>/<conversation id>`. */
function conversationIdOf(message: ChatMessage): string {
  return message.room.slice(message.room.indexOf('/') + 1);
}
