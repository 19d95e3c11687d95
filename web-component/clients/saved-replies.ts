import type { RepliesAck, RepliesPayload, SavedReply } from '../../src/protocol.js';

/** A list kept longer than this is read again when next asked for. */
const REREAD_AFTER_MS = 60_000;

/** Sends a `replies` request; undefined when the chat did not answer. */
export type RepliesRequest = (payload: RepliesPayload) => Promise<RepliesAck | undefined>;

/** Where a saved reply applies, as the inbox offers it: the operator's own, the team's, or the team's in one inbox. */
export type ReplyScope = { personal: true } | { personal: false; inbox: string | null };

/**
 * The operator's saved replies as the inbox holds them: one list per inbox the composer asked
 * for (`replies { action: 'list', inbox }`), and the whole list for the management view. Each is
 * read when first asked for and kept; asked for again a minute later, it is read afresh (what
 * the rest of the team saved meanwhile), the kept one shown until then. Any change made here
 * forgets them all, since a change in one scope shows in the lists of several inboxes. Knows
 * nothing of the DOM.
 */
export class SavedReplies {
  readonly #request: RepliesRequest;
  /** inbox ('' for every inbox) → its replies, or the request on its way, and when it was asked. */
  readonly #lists = new Map<string, { list: Promise<SavedReply[] | undefined>; at: number }>();
  readonly #known = new Map<string, SavedReply[]>();
  readonly #change: () => void;

  constructor(request: RepliesRequest, change: () => void) {
    this.#request = request;
    this.#change = change;
  }

  /** The replies usable in `inbox` (every inbox's for ''), as last read; undefined before they arrive. */
  cached(inbox: string): SavedReply[] | undefined {
    return this.#known.get(inbox);
  }

  /** The replies usable in `inbox` ('' for all of them): read, then from the cache for a minute. */
  list(inbox: string): Promise<SavedReply[] | undefined> {
    const kept = this.#lists.get(inbox);
    if (kept && Date.now() - kept.at < REREAD_AFTER_MS) return kept.list;
    const list = this.#request({ action: 'list', ...(inbox ? { inbox } : {}) }).then((ack) => {
      if (!ack?.ok) {
        // Asked again next time.
        this.#lists.delete(inbox);
        return undefined;
      }
      this.#known.set(inbox, ack.replies);
      this.#change();
      return ack.replies;
    });
    this.#lists.set(inbox, { list, at: Date.now() });
    return list;
  }

  /** Creates a reply, or changes the one with `id`. */
  async save(reply: { id?: string; shortcut: string; text: string; scope: ReplyScope }): Promise<RepliesAck | undefined> {
    const { scope } = reply;
    const ack = await this.#request({
      action: 'save',
      ...(reply.id ? { id: reply.id } : {}),
      shortcut: reply.shortcut,
      text: reply.text,
      ...(scope.personal ? { personal: true, inbox: null } : { personal: false, inbox: scope.inbox }),
    });
    if (ack?.ok) this.#changed();
    return ack;
  }

  async remove(id: string): Promise<RepliesAck | undefined> {
    const ack = await this.#request({ action: 'remove', id });
    if (ack?.ok) this.#changed();
    return ack;
  }

  /**
   * After a change every list is read again: the answer's own list may be filtered as the server
   * lists by default, and a reply of one scope shows in the lists of several inboxes.
   */
  #changed(): void {
    // What was read stays shown until the new lists replace it.
    this.#lists.clear();
    void this.list('');
  }
}

/** The scope of a saved reply, as the inbox offers it. */
export function scopeOf(reply: SavedReply): ReplyScope {
  return reply.owner !== null ? { personal: true } : { personal: false, inbox: reply.inbox };
}

/**
 * The replies matching what was typed after `/`: those whose shortcut starts with it first, then
 * those whose shortcut or text contains it; case does not matter.
 */
export function matchReplies(replies: readonly SavedReply[], query: string): SavedReply[] {
  const q = query.toLowerCase();
  if (!q) return [...replies].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
  const rank = (reply: SavedReply) =>
    reply.shortcut.toLowerCase().startsWith(q) ? 0 : reply.shortcut.toLowerCase().includes(q) ? 1 : reply.text.toLowerCase().includes(q) ? 2 : 3;
  return replies
    .map((reply) => ({ reply, rank: rank(reply) }))
    .filter(({ rank }) => rank < 3)
    .sort((a, b) => a.rank - b.rank || a.reply.shortcut.localeCompare(b.reply.shortcut))
    .map(({ reply }) => reply);
}

/** A reply's text with `{{visitor.name}}` and `{{operator.name}}` filled in; any other text stays as written. */
export function fillReply(text: string, values: { visitorName: string; operatorName: string }): string {
  return text.replace(/\{\{\s*(visitor|operator)\.name\s*\}\}/g, (_, who: string) => (who === 'visitor' ? values.visitorName : values.operatorName));
}
