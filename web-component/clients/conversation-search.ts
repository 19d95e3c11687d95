import type { ConversationStatus, SearchAck, SearchHit, SearchPayload } from '../../src/protocol.js';

/** Sends a `search` request; undefined when the chat did not answer. */
export type SearchRequest = (payload: SearchPayload) => Promise<SearchAck | undefined>;

export interface SearchQuery {
  text: string;
  /** Undefined for any status. */
  status?: ConversationStatus | undefined;
}

/**
 * A search of the team's conversations and its pages: one hit per conversation, newest first;
 * "Load more" sends the last answer's cursor (a conversation met again all the same keeps its
 * first hit). A new search drops what an older one still brings. Knows nothing of the DOM.
 */
export class ConversationSearch {
  query: SearchQuery | undefined;
  hits: SearchHit[] = [];
  hasMore = false;
  loading = false;
  /** The last answer's cursor: where "Load more" goes on from. */
  #cursor: string | null = null;
  /** Why the last request failed: the chat's message, or '' when it did not answer. */
  error: string | undefined;
  readonly #request: SearchRequest;
  readonly #change: () => void;
  /** Counts searches, so an answer to one replaced since is dropped. */
  #generation = 0;

  constructor(request: SearchRequest, change: () => void) {
    this.#request = request;
    this.#change = change;
  }

  get active(): boolean {
    return this.query !== undefined;
  }

  /** Starts a search: its first page. */
  async search(query: SearchQuery): Promise<void> {
    this.query = query;
    this.hits = [];
    this.hasMore = false;
    this.#cursor = null;
    await this.#page(undefined);
  }

  async loadMore(): Promise<void> {
    if (!this.query || !this.#cursor || this.loading) return;
    await this.#page(this.#cursor);
  }

  /** Back to the list: the search and its hits are forgotten. */
  clear(): void {
    this.#generation++;
    this.query = undefined;
    this.hits = [];
    this.hasMore = false;
    this.#cursor = null;
    this.loading = false;
    this.error = undefined;
    this.#change();
  }

  async #page(cursor: string | undefined): Promise<void> {
    const query = this.query!;
    const generation = ++this.#generation;
    this.loading = true;
    this.error = undefined;
    this.#change();
    const ack = await this.#request({
      text: query.text,
      ...(query.status ? { status: query.status } : {}),
      ...(cursor ? { cursor } : {}),
    });
    if (generation !== this.#generation) return;
    this.loading = false;
    if (!ack) this.error = '';
    else if (!ack.ok) this.error = ack.error.message;
    else {
      const seen = new Set(this.hits.map((hit) => hit.conversation.id));
      this.hits = [...this.hits, ...ack.conversations.filter((hit) => !seen.has(hit.conversation.id) && seen.add(hit.conversation.id))];
      this.hasMore = ack.hasMore;
      this.#cursor = ack.cursor;
    }
    this.#change();
  }
}

/** A piece of an excerpt: text, and whether it is what was searched for. */
export interface ExcerptPart {
  text: string;
  match: boolean;
}

/**
 * The part of `message` around the first place that matches `query` (the whole query, else any
 * of its words), cut to about `width` characters with ellipses, split into the matching and the
 * other pieces so a view can mark the matches as text.
 */
export function excerpt(message: string, query: string, width = 120): ExcerptPart[] {
  const flat = message.replace(/\s+/g, ' ').trim();
  const words = [query.trim(), ...query.trim().split(/\s+/)].filter((word, i, all) => word && all.indexOf(word) === i);
  const pattern = words.length ? new RegExp(words.map(escapeRegex).join('|'), 'gi') : undefined;
  const first = pattern ? flat.search(pattern) : -1;
  let start = first > width / 3 ? first - Math.floor(width / 3) : 0;
  // Whole words at the cut where a space is near.
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space !== -1 && space < first) start = space + 1;
  }
  const end = Math.min(flat.length, start + width);
  const shown = `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
  if (!pattern) return [{ text: shown, match: false }];
  const parts: ExcerptPart[] = [];
  let at = 0;
  for (const found of shown.matchAll(pattern)) {
    if (found.index > at) parts.push({ text: shown.slice(at, found.index), match: false });
    parts.push({ text: found[0], match: true });
    at = found.index + found[0].length;
  }
  if (at < shown.length) parts.push({ text: shown.slice(at), match: false });
  return parts;
}

/** The browser's own copy of the server's `escapeRegex`: web-component/ takes only types from src/. */
function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
