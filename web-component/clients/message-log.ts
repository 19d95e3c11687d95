import type { ChatMessage } from '../../src/protocol.js';

/**
 * The messages of one room or conversation as a client holds them: unique by id, in seq order,
 * and how far they are complete. Seqs have no gaps in a room, so a message whose seq is more than
 * one past the last contiguous one means something went missing on the way (a packet lost between
 * nodes, or still on its way out of order): the client asks for what follows `contiguousSeq`, and
 * a seq still missing after that was burnt on the server and is accepted as a hole.
 */
export class MessageLog<M extends ChatMessage = ChatMessage> {
  readonly #byId = new Map<string, M>();
  readonly #seqs = new Set<number>();
  #sorted: M[] = [];
  /** Every seq up to this one is here (or was accepted as a hole); older pages lie below it. */
  #contiguous = 0;

  get messages(): readonly M[] {
    return this.#sorted;
  }

  get newest(): M | undefined {
    return this.#sorted.at(-1);
  }

  get oldest(): M | undefined {
    return this.#sorted[0];
  }

  /** The seq to catch up from: every message up to it is here. */
  get contiguousSeq(): number {
    return this.#contiguous;
  }

  /** Whether a message arrived past a hole: something between is missing, for now. */
  get hasGap(): boolean {
    return (this.newest?.seq ?? 0) > this.#contiguous;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /**
   * Takes the latest page of a room the client did not have before: the room's history below it
   * is older pages, not missing messages.
   */
  start(messages: readonly M[]): M[] {
    if (this.#sorted.length === 0 && messages.length > 0) this.#contiguous = Math.max(this.#contiguous, messages[0]!.seq - 1);
    return this.merge(messages);
  }

  /**
   * Adds what is new, keeping seq order, and takes a later state of an assistant's reply still
   * streaming here (more of its text, or how it ended); returns the messages that were new.
   */
  merge(messages: readonly M[]): M[] {
    const fresh: M[] = [];
    let inOrder = true;
    for (const message of messages) {
      const known = this.#byId.get(message.id);
      if (known) {
        if (known.status === 'streaming' && message.status && (message.status !== 'streaming' || message.message.length > known.message.length)) {
          this.#replace(known, message);
        }
        continue;
      }
      const newest = fresh.at(-1) ?? this.#sorted.at(-1);
      if (newest && message.seq < newest.seq) inOrder = false;
      this.#byId.set(message.id, message);
      this.#seqs.add(message.seq);
      fresh.push(message);
    }
    if (fresh.length === 0) return fresh;
    if (inOrder) this.#sorted.push(...fresh);
    else this.#sorted = [...this.#byId.values()].sort((a, b) => a.seq - b.seq);
    this.#advance();
    return fresh;
  }

  /**
   * After a catch-up asked for everything past `contiguousSeq`: a seq up to `through` that is still
   * missing will never come (it was burnt), so the log counts as complete up to there.
   */
  acceptHolesThrough(through: number): void {
    if (through <= this.#contiguous) return;
    this.#contiguous = through;
    this.#advance();
  }

  /**
   * More text of a reply streaming here: taken when it starts where the text here ends. Says
   * `behind` when some went missing on the way (the whole text is to be asked for), `unknown` for
   * a reply not here (yet).
   */
  applyDelta(id: string, offset: number, text: string): 'applied' | 'behind' | 'unknown' {
    const known = this.#byId.get(id);
    if (!known || known.status !== 'streaming') return 'unknown';
    if (offset !== known.message.length) return offset > known.message.length ? 'behind' : 'applied';
    this.#replace(known, { ...known, message: known.message + text });
    return 'applied';
  }

  /** Takes newer copies of messages already here, e.g. with their files' URLs signed again. */
  renew(messages: readonly M[]): void {
    for (const message of messages) {
      const known = this.#byId.get(message.id);
      if (known) this.#replace(known, message);
    }
  }

  #replace(known: M, message: M): void {
    this.#byId.set(message.id, message);
    this.#sorted = this.#sorted.map((candidate) => (candidate === known ? message : candidate));
  }

  clear(): void {
    this.#byId.clear();
    this.#seqs.clear();
    this.#sorted = [];
    this.#contiguous = 0;
  }

  #advance(): void {
    while (this.#seqs.has(this.#contiguous + 1)) this.#contiguous++;
  }
}
