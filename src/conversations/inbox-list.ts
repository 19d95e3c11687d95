import type { ConversationCounts, ConversationStatus, ConversationSummary } from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { ConversationRecord, InboxCounts } from '../stores/types.js';
import { settledCursor } from './views.js';

/** Which inboxes an operator (or the host's own code, `'*'`) may read. */
export interface InboxScope {
  inboxes: readonly string[] | '*';
  /** For `assignee: 'me'` and the `mine` count. */
  operatorId?: string;
}

export interface ListQuery {
  inbox?: string | undefined;
  status?: ConversationStatus | undefined;
  /** An operator id, `null` for unassigned (and not answered by the assistant), undefined for any. */
  assigneeId?: string | null | undefined;
  /** Only those the assistant answers. */
  handler?: 'assistant' | undefined;
  before?: number | undefined;
  limit: number;
}

const MAX_CHANGES_PAGE = 200;
/** How far apart the clocks of two chat nodes may be, for the change cursor. */
const CLOCK_SKEW_MS = 5000;

export function mayRead(scope: InboxScope, inbox: string): boolean {
  return scope.inboxes === '*' || scope.inboxes.includes(inbox);
}

/**
 * The inboxes and the lists the team works from: pages of conversations by status and assignee,
 * the tab counts, and the catch-up of everything changed after a version. Every list is narrowed
 * to the inboxes its reader may read.
 */
export class InboxList {
  readonly #ctx: ChatContext;
  /** The inboxes the host listed (`operators.inboxes`); undefined for any valid name. */
  readonly #inboxes: readonly string[] | undefined;
  readonly #summaries: (records: ConversationRecord[]) => Promise<ConversationSummary[]>;

  constructor(
    ctx: ChatContext,
    inboxes: readonly string[] | undefined,
    summaries: (records: ConversationRecord[]) => Promise<ConversationSummary[]>,
  ) {
    this.#ctx = ctx;
    this.#inboxes = inboxes;
    this.#summaries = summaries;
  }

  /** Refuses inbox names the host did not list. */
  check(inbox: string): void {
    if (this.#inboxes && !this.#inboxes.includes(inbox)) throw new ChatError('NOT_FOUND', `There is no inbox "${inbox}"`);
  }

  /** The inboxes a scope reads, narrowed to one when asked; refuses one it may not read. */
  readable(scope: InboxScope, inbox?: string): readonly string[] | '*' {
    if (inbox === undefined) return scope.inboxes === '*' ? (this.#inboxes ?? '*') : scope.inboxes;
    if (!mayRead(scope, inbox)) throw new ChatError('FORBIDDEN', `You may not read the inbox "${inbox}"`);
    return [inbox];
  }

  async list(scope: InboxScope, query: ListQuery) {
    const inboxes = this.readable(scope, query.inbox);
    const [page, inboxCounts] = await Promise.all([
      this.#ctx.store.listConversations({
        inboxes,
        ...(query.status === undefined ? {} : { status: query.status }),
        ...(query.assigneeId === undefined ? {} : { assigneeId: query.assigneeId }),
        ...(query.handler === undefined ? {} : { handler: query.handler }),
        ...(query.before === undefined ? {} : { before: query.before }),
        limit: query.limit,
      }),
      this.#ctx.store.inboxCounts(inboxes),
    ]);
    return {
      conversations: await this.#summaries(page.conversations),
      hasMore: page.hasMore,
      // Everything older than this has landed: a reconnecting operator asks `changes` from here.
      version: settledCursor([], 0, false, this.#settleMs),
      counts: countsFor(inboxCounts, scope.operatorId),
      inboxCounts,
    };
  }

  /** Everything changed after `since`, oldest change first, and the cursor to continue from. */
  async changes(scope: InboxScope, since: number, inbox?: string) {
    const inboxes = this.readable(scope, inbox);
    const page = await this.#ctx.store.conversationChanges({ inboxes, since, limit: MAX_CHANGES_PAGE });
    return {
      conversations: await this.#summaries(page.conversations),
      hasMore: page.hasMore,
      version: settledCursor(page.conversations, since, page.hasMore, this.#settleMs),
    };
  }

  get #settleMs(): number {
    return this.#ctx.options.limits.storageTimeoutMs + CLOCK_SKEW_MS;
  }
}

/** The tabs' counts over some inboxes, for one operator (`mine`). */
function countsFor(inboxCounts: readonly InboxCounts[], operatorId: string | undefined): ConversationCounts {
  const counts: ConversationCounts = { mine: 0, unassigned: 0, open: 0, resolved: 0, assistant: 0 };
  for (const inbox of inboxCounts) {
    counts.unassigned += inbox.unassigned;
    counts.assistant += inbox.assistant;
    counts.open += inbox.open;
    counts.resolved += inbox.resolved;
    if (operatorId !== undefined) counts.mine += inbox.assigned[operatorId] ?? 0;
  }
  return counts;
}
