import type { Ack, ChatErrorPayload, ChatMessage } from '../../src/protocol.js';
import { MessageLog } from './message-log.js';
import { Outbox, type OutgoingMessage } from './outbox.js';
import { GAP_GRACE_MS } from './timing.js';

/** What the server answers a catch-up with: a page of messages (and, for operators, the notes after theirs). */
export interface ThreadPage {
  messages: ChatMessage[];
  /** More messages exist beyond this page: older ones for the latest page, newer ones for a catch-up. */
  hasMore: boolean;
  notes?: ChatMessage[];
  /** Every seq up to this one is here or burnt; a missing one above it may still come (see the protocol). */
  settledSeq?: number;
  notesSettledSeq?: number;
}

/** The longest a repair waits for a hole to fill or settle before asking again. */
const MAX_REPAIR_DELAY_MS = 16_000;

/** How far a page shows its thread complete: to its last message, or less where the server says a seq may still come. */
function settledThrough(messages: readonly ChatMessage[], settledSeq: number | undefined): number {
  const last = messages.at(-1)?.seq ?? 0;
  return settledSeq === undefined ? last : Math.min(last, settledSeq);
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
  /** Uploads the files of an outbox entry before it goes (see OutboxEvents.upload). */
  upload?(entry: OutgoingMessage): Promise<Ack> | undefined;
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
  /** How long the next repair waits: longer each time a hole is still not settled, back to the grace once it fills. */
  #repairDelay = GAP_GRACE_MS;

  constructor(options: ThreadOptions) {
    this.#options = options;
    this.outbox = new Outbox(options.outboxKey, {
      stored: (message) => this.#take([message], 'sent'),
      failed: (error) => options.failed(error),
      change: () => options.change(),
      upload: (entry) => options.upload?.(entry),
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
    let settled = 0;
    let settledNote = 0;
    const before = this.messages.contiguousSeq + this.notes.contiguousSeq;
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
      settled = Math.max(settled, settledThrough(page.messages, page.settledSeq));
      settledNote = Math.max(settledNote, settledThrough(page.notes ?? [], page.notesSettledSeq));
      more = since !== undefined && page.hasMore;
    }
    // Everything the server had after the contiguous seq is here: a seq missing below what it says
    // is settled was burnt. One above may still be on its way (taken by a write that has not
    // landed yet): the next repair asks again, later each time until it comes or settles.
    this.messages.acceptHolesThrough(settled);
    this.notes.acceptHolesThrough(settledNote);
    const advanced = this.messages.contiguousSeq + this.notes.contiguousSeq > before;
    this.#repairDelay = advanced || !this.#hasGap ? GAP_GRACE_MS : Math.min(this.#repairDelay * 2, MAX_REPAIR_DELAY_MS);
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
    }, this.#repairDelay);
  }

  get #hasGap(): boolean {
    return this.messages.hasGap || this.notes.hasGap;
  }
}
