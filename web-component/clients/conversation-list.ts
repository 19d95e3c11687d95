import type {
  Ack,
  AssigneeFilter,
  ChangesAck,
  ConversationCounts,
  ConversationStatus,
  ConversationSummary,
  InboxCountsEvent,
  InboxListAck,
} from '../../src/protocol.js';

export interface InboxFilter {
  status: ConversationStatus;
  assignee: AssigneeFilter;
  /** `assistant`: the conversations the assistant answers (the Assistant tab). */
  handler?: 'assistant';
}


/** Sends an acknowledged event; undefined when there was no answer (or no connection). */
export type Request = <A extends Ack>(event: 'inbox' | 'changes', payload: object) => Promise<A | undefined>;

/**
 * The team's conversation list: summaries kept live by `conversation` events, and caught up with
 * `changes` from the last version after a reconnect, so nothing is missed or reloaded; a filter
 * (the inbox's tabs); and the server's counts per tab, per inbox, kept live by `counts` events.
 */
export class ConversationList {
  filter: InboxFilter = { status: 'open', assignee: 'any' };
  /** More conversations of the filter exist after the last one listed. */
  hasMore = false;
  readonly #request: Request;
  /** One inbox, or undefined for every inbox the operator may read. */
  readonly #inbox: string | undefined;
  /** The signed-in operator's id, for the Mine tab. */
  readonly #me: () => string | undefined;
  readonly #change: () => void;
  readonly #summaries = new Map<string, ConversationSummary>();
  /** The `version` to catch up from after a reconnect; undefined before the first list. */
  #cursor: number | undefined;
  /** inbox → its tab counts, from the last list and the `counts` events since. */
  readonly #inboxCounts = new Map<string, InboxCountsEvent>();

  constructor(request: Request, inbox: string | undefined, me: () => string | undefined, change: () => void) {
    this.#request = request;
    this.#inbox = inbox;
    this.#me = me;
    this.#change = change;
  }

  /** The conversations of the filter, most recently changed first. */
  get conversations(): ConversationSummary[] {
    return [...this.#summaries.values()].filter((summary) => this.#matches(summary)).sort((a, b) => b.version - a.version);
  }

  get(id: string): ConversationSummary | undefined {
    return this.#summaries.get(id);
  }

  /** The tabs' counts, over the inboxes this list shows; undefined until the first list. */
  get counts(): ConversationCounts | undefined {
    if (this.#cursor === undefined) return undefined;
    const me = this.#me();
    const counts: ConversationCounts = { mine: 0, unassigned: 0, open: 0, resolved: 0, assistant: 0 };
    for (const inbox of this.#inboxCounts.values()) {
      counts.unassigned += inbox.unassigned;
      counts.assistant += inbox.assistant ?? 0;
      counts.open += inbox.open;
      counts.resolved += inbox.resolved;
      if (me !== undefined) counts.mine += inbox.assigned[me] ?? 0;
    }
    return counts;
  }

  /** An inbox's counts moved (the `counts` event). */
  countsChanged(event: InboxCountsEvent): void {
    if (this.#inbox && event.inbox !== this.#inbox) return;
    // Counts read on two nodes can arrive in either order: the higher version is the newer.
    if ((this.#inboxCounts.get(event.inbox)?.version ?? -1) > (event.version ?? 0)) return;
    this.#inboxCounts.set(event.inbox, event);
  }

  /** Unread visitor messages across the open conversations this client knows. */
  get unreadTotal(): number {
    let total = 0;
    for (const summary of this.#summaries.values()) if (summary.status === 'open') total += summary.unread;
    return total;
  }

  /** Keeps a summary unless a newer version is known; says whether it was kept. */
  keep(summary: ConversationSummary): boolean {
    const known = this.#summaries.get(summary.id);
    if (known && known.version >= summary.version) return false;
    // Presence is not versioned: the newer of the two reports wins only by arriving later.
    this.#summaries.set(summary.id, summary);
    return true;
  }

  /** A `conversation` event; says whether it brought a new last message. */
  changed(summary: ConversationSummary): boolean {
    const previous = this.#summaries.get(summary.id);
    return this.keep(summary) && summary.lastMessage !== null && summary.lastMessage.id !== previous?.lastMessage?.id;
  }

  /** A conversation was deleted: it leaves the list; returns what the list had of it. */
  forget(conversationId: string): ConversationSummary | undefined {
    const summary = this.#summaries.get(conversationId);
    this.#summaries.delete(conversationId);
    return summary;
  }

  visitorOnline(conversationId: string, online: boolean): void {
    const summary = this.#summaries.get(conversationId);
    if (summary) this.#summaries.set(conversationId, { ...summary, visitor: { ...summary.visitor, online } });
  }

  async setFilter(filter: InboxFilter): Promise<void> {
    this.filter = filter;
    this.#change();
    await this.list();
  }

  async loadMore(): Promise<void> {
    const last = this.conversations.at(-1);
    if (!last || !this.hasMore) return;
    await this.list(last.version);
  }

  /** After a (re)connect: the first page, or what changed since the last version seen. */
  async refresh(): Promise<void> {
    if (this.#cursor === undefined) await this.list();
    else await this.#catchUp();
  }

  /** A page of the filter: the first one (which replaces what the filter showed), or the one `before` a version. */
  async list(before?: number): Promise<void> {
    const { status, assignee, handler } = this.filter;
    const ack = await this.#request<InboxListAck>('inbox', {
      status,
      assignee,
      ...(handler ? { handler } : {}),
      ...this.#inboxPayload(),
      ...(before === undefined ? {} : { before }),
    });
    if (!ack?.ok) return;
    if (before === undefined) {
      for (const summary of [...this.#summaries.values()]) if (this.#matches(summary)) this.#summaries.delete(summary.id);
      this.#cursor = Math.max(this.#cursor ?? 0, ack.version);
    }
    for (const summary of ack.conversations) this.keep(summary);
    for (const counts of ack.inboxCounts ?? []) this.countsChanged(counts);
    this.hasMore = ack.hasMore;
    this.#change();
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const ack = await this.#request<ChangesAck>('changes', { since: this.#cursor ?? 0, ...this.#inboxPayload() });
      if (!ack?.ok) return;
      for (const summary of ack.conversations) this.keep(summary);
      this.#cursor = Math.max(this.#cursor ?? 0, ack.version);
      if (!ack.hasMore) break;
    }
    // Counts are not part of changes: a fresh first page brings them.
    await this.list();
  }

  #inboxPayload(): { inbox?: string } {
    return this.#inbox ? { inbox: this.#inbox } : {};
  }

  #matches(summary: ConversationSummary): boolean {
    const { status, assignee, handler } = this.filter;
    if (summary.status !== status) return false;
    if (handler) return summary.handler === handler;
    if (assignee === 'me') return summary.assignee?.id === this.#me();
    // Unassigned: nobody answers it, the assistant neither.
    if (assignee === 'none') return summary.assignee === null && summary.handler !== 'assistant';
    return true;
  }
}
