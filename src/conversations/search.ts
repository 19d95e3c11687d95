import type { ChatMessage, ConversationStatus, SearchHit } from '../protocol.js';
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
}

/** Conversations a `visitor` search narrows the message search to, at most. */
const MAX_VISITOR_CONVERSATIONS = 200;

interface Candidate {
  at: number;
  conversationId: string;
  match: ChatMessage | null;
}

/**
 * The team's search, scoped to the inboxes `scope` reads: message hits and visitor hits merged
 * newest first, one hit per conversation on a page; the next page is `before` the last hit.
 */
export async function searchConversations(
  ctx: ChatContext,
  service: ConversationService,
  scope: InboxScope,
  query: ConversationSearch,
): Promise<{ conversations: SearchHit[]; hasMore: boolean }> {
  const inboxes = service.inboxes.readable(scope, query.inbox);
  const limit = query.limit ?? 20;
  const hits: Array<{ record: ConversationRecord; candidate: Candidate }> = [];
  const seen = new Set<string>();
  let before = query.before;
  // A page the filters thin out (status) reads on from where the sources stopped, a few rounds at most.
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const batch = await gather(ctx, inboxes, { ...query, before }, limit);
    for (const candidate of batch.candidates) {
      if (seen.has(candidate.conversationId)) continue;
      const record = batch.records.get(candidate.conversationId);
      // Deleted meanwhile, or filtered out: not a hit.
      if (!record || !mayRead({ inboxes }, record.inbox) || (query.status && record.status !== query.status)) continue;
      if (hits.length === limit) return finish(service, hits, true);
      seen.add(candidate.conversationId);
      hits.push({ record, candidate });
    }
    if (batch.horizon === undefined) return finish(service, hits, false);
    if (hits.length === limit) return finish(service, hits, true);
    before = new Date(batch.horizon);
  }
  return finish(service, hits, true);
}

/** Rounds of reading one page may take when filters leave too few hits. */
const MAX_ROUNDS = 5;

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
  hasMore: boolean,
): Promise<{ conversations: SearchHit[]; hasMore: boolean }> {
  const summaries = await service.summaries(hits.map(({ record }) => record));
  return {
    conversations: hits.map(({ candidate }, index) => ({
      conversation: summaries[index]!,
      match: candidate.match && { seq: candidate.match.seq, message: candidate.match.message, timestamp: candidate.match.timestamp },
      at: new Date(candidate.at).toISOString(),
    })),
    hasMore,
  };
}

/** A visible message's thread is `<inbox>/<conversation id>`. */
function conversationIdOf(message: ChatMessage): string {
  return message.room.slice(message.room.indexOf('/') + 1);
}
