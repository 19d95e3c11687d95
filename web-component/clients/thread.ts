import type { ChatErrorPayload, ChatMessage } from '../../src/protocol.js';
import { MessageLog } from './message-log.js';
import { Outbox, type OutgoingMessage } from './outbox.js';
import { GAP_GRACE_MS } from './timing.js';

/** What the server answers a catch-up with: a page of messages (and, for operators, the notes after theirs). */
export interface ThreadPage {
  messages: ChatMessage[];
  /** More messages exist beyond this page: older ones for the latest page, newer ones for a catch-up. */
  hasMore: boolean;
  notes?: ChatMessage[];
}

/** How a message new to this client came: pushed live, found by a catch-up, or acknowledged to this client. */
export type Arrival = 'live' | 'caught-up' | 'sent';

export interface ThreadOptions {
  /**
   * Asks the server for the thread: the latest page (`since` undefined), or everything after
   * `since` and the notes after `notesSince`. Undefined when there was no answer (the next
   * connect, or the next repair, asks again).
   */
  fetch(since: number | undefined, notesSince: number): Promise<ThreadPage | undefined>;
  /** Asks for the page before `before`; undefined when there was no answer. */
  fetchOlder(before: number): Promise<{ messages: ChatMessage[]; hasMore: boolean } | undefined>;
  /** The sender id of this client's own messages, once the server said it. */
  ownSenderId(): string | undefined;
  /** Where the outbox is kept across reloads; none keeps it in memory. */
  outboxKey?: string | undefined;
  /** Messages new to this client (not those of the first page). */
  arrived(messages: ChatMessage[], how: Arrival): void;
  /** The server refused an outbox entry for good. */
  failed(error: ChatErrorPayload): void;
  /** Something the view shows changed. */
  change(): void;
}

/**
 * One thread as a client holds it, the same for the visitor's widget and the team's inbox: its
 * messages (and notes) in seq order, how far they are contiguous, the catch-up that fetches what
 * follows, the repair of a gap, older pages, and the outbox of what this client sends. After any
 * reconnect, a `resync`, or a message past a hole, it asks for everything after the last
 * contiguous seq, so nothing is missed; messages are kept by id and outbox entries by clientId,
 * so nothing shows twice.
 */
export class Thread {
  readonly messages = new MessageLog();
  /** Notes, which only operators see; they have their own seqs. */
  readonly notes = new MessageLog();
  readonly outbox: Outbox;
  /** Older messages exist on the server before the oldest here. */
  hasMore = false;
  loadingOlder = false;
  readonly #options: ThreadOptions;
  #catchingUp: Promise<boolean> | undefined;
  #repairTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ThreadOptions) {
    this.#options = options;
    this.outbox = new Outbox(options.outboxKey, {
      stored: (message) => this.#take([message], 'sent'),
      failed: (error) => options.failed(error),
      change: () => options.change(),
    });
  }

  /** What the outbox still holds: messages not acknowledged yet, or refused. */
  get pending(): readonly OutgoingMessage[] {
    return this.outbox.entries;
  }

  /** A message the server pushed. */
  receive(message: ChatMessage): void {
    this.#take([message], 'live');
    this.#repairSoon();
  }

  /**
   * Fetches everything after the last contiguous seq (a fresh latest page when there is nothing
   * yet): on every connect, after a hole, and when the server says packets may have been lost.
   * One at a time; resolves with whether it got through.
   */
  catchUp(): Promise<boolean> {
    this.#catchingUp ??= this.#fetchMissing().finally(() => (this.#catchingUp = undefined));
    return this.#catchingUp;
  }

  async loadOlder(): Promise<void> {
    const oldest = this.messages.oldest;
    if (!this.hasMore || !oldest || this.loadingOlder) return;
    this.loadingOlder = true;
    this.#options.change();
    try {
      const page = await this.#options.fetchOlder(oldest.seq);
      if (page) {
        this.messages.merge(page.messages);
        this.hasMore = page.hasMore;
      }
    } finally {
      this.loadingOlder = false;
      this.#options.change();
    }
  }

  stop(): void {
    clearTimeout(this.#repairTimer);
    this.outbox.stop();
  }

  async #fetchMissing(): Promise<boolean> {
    // Repeat while the server says more newer messages exist than one catch-up returns.
    let highest = 0;
    let highestNote = 0;
    for (let more = true; more; ) {
      const since = this.messages.messages.length ? this.messages.contiguousSeq : undefined;
      const page = await this.#options.fetch(since, this.notes.contiguousSeq);
      if (!page) return false;
      if (since === undefined) {
        // The latest page of a thread new to this client: what lies below it is older pages, and
        // nothing in it is news.
        this.#dropStored(this.messages.start(page.messages));
        this.hasMore = page.hasMore;
      } else {
        this.#take(page.messages, 'caught-up');
      }
      if (page.notes) this.#take(page.notes, 'caught-up');
      highest = Math.max(highest, page.messages.at(-1)?.seq ?? 0);
      highestNote = Math.max(highestNote, page.notes?.at(-1)?.seq ?? 0);
      more = since !== undefined && page.hasMore;
    }
    // Everything the server had after the contiguous seq is here: a seq it skipped was burnt. Only
    // up to what it returned, though: a live message newer than that may be past one still on its
    // way, which the next repair asks for.
    this.messages.acceptHolesThrough(highest);
    this.notes.acceptHolesThrough(highestNote);
    this.#repairSoon();
    return true;
  }

  /**
   * Adds messages (notes to the notes) by id in seq order, drops outbox entries the server has
   * stored (a reload or a lost connection can lose an ack, never the message), and tells what
   * was new.
   */
  #take(messages: readonly ChatMessage[], how: Arrival): void {
    const notes = messages.filter((message) => message.note);
    const fresh = notes.length
      ? [...this.messages.merge(messages.filter((message) => !message.note)), ...this.notes.merge(notes)]
      : this.messages.merge(messages);
    if (fresh.length === 0) return;
    this.#dropStored(fresh);
    this.#options.arrived(fresh, how);
  }

  #dropStored(fresh: readonly ChatMessage[]): void {
    const own = this.#options.ownSenderId();
    const stored = fresh.filter((message) => message.sender.id === own).map((message) => message.clientId);
    if (stored.length) this.outbox.drop(new Set(stored));
  }

  /** A message came past a hole: wait a moment for the missing ones in flight, then ask for them. */
  #repairSoon(): void {
    if (this.#repairTimer || !this.#hasGap) return;
    this.#repairTimer = setTimeout(() => {
      this.#repairTimer = undefined;
      if (this.#hasGap) void this.catchUp().then(() => this.#options.change());
    }, GAP_GRACE_MS);
  }

  get #hasGap(): boolean {
    return this.messages.hasGap || this.notes.hasGap;
  }
}
