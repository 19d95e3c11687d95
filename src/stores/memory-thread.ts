import type { ChatMessage, Sender, SenderRole } from '../protocol.js';

/**
 * One thread's newest messages (a room's or a conversation's), held column by column: numbers in
 * number arrays and the texts and clientIds as the strings they arrived as, one shared sender
 * object per person. A stored message is then two heap objects rather than seven, which is what
 * the garbage collector pays for at thousands of messages a second; `ChatMessage` objects are built when read, and die young.
 * Seqs are contiguous from `#firstSeq`, so a seq is found by subtraction.
 */
export class MemoryThread {
  /** The thread key: a room's name, or a conversation's (what messages carry as `room`). */
  readonly room: string;
  #firstSeq = 1;
  readonly #ids: number[] = [];
  readonly #times: number[] = [];
  readonly #senders: Sender[] = [];
  readonly #texts: string[] = [];
  readonly #clientIds: string[] = [];
  /** clientId → seq of the first sender to use it here; a later sender reusing it goes to #reused. */
  readonly #seqByClientId = new Map<string, number>();
  readonly #reused = new Map<string, number>();

  constructor(room: string) {
    this.room = room;
  }

  get lastSeq(): number {
    return this.#firstSeq + this.#ids.length - 1;
  }

  get size(): number {
    return this.#ids.length;
  }

  /** The index of the message `senderId` sent with `clientId`, if it is still held. */
  find(senderId: string, clientId: string): number | undefined {
    let seq = this.#seqByClientId.get(clientId);
    // clientIds are public (they are in every message), so another sender may reuse one.
    if (seq === undefined || this.#senders[seq - this.#firstSeq]!.id !== senderId) seq = this.#reused.get(reusedKey(senderId, clientId));
    return seq === undefined ? undefined : seq - this.#firstSeq;
  }

  /** Appends a message with the next seq; returns its index. */
  append(id: number, time: number, sender: Sender, text: string, clientId: string): number {
    const seq = this.lastSeq + 1;
    this.#ids.push(id);
    this.#times.push(time);
    this.#senders.push(sender);
    this.#texts.push(text);
    this.#clientIds.push(clientId);
    if (this.#seqByClientId.has(clientId)) this.#reused.set(reusedKey(sender.id, clientId), seq);
    else this.#seqByClientId.set(clientId, seq);
    return this.#ids.length - 1;
  }

  /** Drops all but the newest `keep` messages, and forgets their clientIds. */
  keepNewest(keep: number): void {
    const drop = this.#ids.length - keep;
    if (drop <= 0) return;
    for (let i = 0; i < drop; i++) {
      const seq = this.#firstSeq + i;
      const clientId = this.#clientIds[i]!;
      if (this.#seqByClientId.get(clientId) === seq) this.#seqByClientId.delete(clientId);
      else if (this.#reused.size > 0) this.#reused.delete(reusedKey(this.#senders[i]!.id, clientId));
    }
    for (const column of [this.#ids, this.#times, this.#senders, this.#texts, this.#clientIds]) column.splice(0, drop);
    this.#firstSeq += drop;
  }

  /** Index of the first held message with a seq above `seq`, clamped to the held range. */
  indexAbove(seq: number): number {
    return Math.min(this.#ids.length, Math.max(0, seq + 1 - this.#firstSeq));
  }

  roleAt(index: number): SenderRole {
    return this.#senders[index]!.role;
  }

  /** The message at `index` as a new object, `idPrefix` making its id unique to the store. */
  messageAt(index: number, idPrefix: string): ChatMessage {
    return {
      id: `${idPrefix}${this.#ids[index]!.toString(36)}`,
      room: this.room,
      seq: this.#firstSeq + index,
      sender: this.#senders[index]!,
      message: this.#texts[index]!,
      timestamp: isoTime(this.#times[index]!),
      clientId: this.#clientIds[index]!,
    };
  }
}

// Formatting a time is a good part of storing a message in memory, and messages arriving
// together share their millisecond: the last one formatted is kept.
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(time: number): string {
  if (time !== lastTime) {
    lastIso = new Date(time).toISOString();
    lastTime = time;
  }
  return lastIso;
}

function reusedKey(senderId: string, clientId: string): string {
  // clientIds are [A-Za-z0-9_-], so the newline cannot be part of one.
  return `${senderId}\n${clientId}`;
}
