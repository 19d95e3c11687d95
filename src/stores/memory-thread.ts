import type { ChatFile, ChatMessage, Citation, ReplyStatus, Sender, SenderRole } from '../protocol.js';
import type { ReplyUpdate } from './types.js';

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
  /** The assistant's replies, by seq: how each stands, and when it last moved (its lease). */
  readonly #replies = new Map<number, { status: ReplyStatus; citations: Citation[]; movedAt: number }>();
  /** The files sent with messages, by seq (few messages have any). */
  readonly #files = new Map<number, ChatFile[]>();
  /** Seqs of the messages erased: tombstones. */
  readonly #erased = new Set<number>();

  constructor(room: string) {
    this.room = room;
  }

  get lastSeq(): number {
    return this.#firstSeq + this.#ids.length - 1;
  }

  get size(): number {
    return this.#ids.length;
  }

  textAt(index: number): string {
    return this.#texts[index]!;
  }

  /** When the message at `index` was sent, in ms. */
  timeAt(index: number): number {
    return this.#times[index]!;
  }

  /** The index of the message `senderId` sent with `clientId`, if it is still held. */
  find(senderId: string, clientId: string): number | undefined {
    let seq = this.#seqByClientId.get(clientId);
    // clientIds are public (they are in every message), so another sender may reuse one.
    if (seq === undefined || this.#senders[seq - this.#firstSeq]!.id !== senderId) seq = this.#reused.get(reusedKey(senderId, clientId));
    return seq === undefined ? undefined : seq - this.#firstSeq;
  }

  /** Appends a message with the next seq; returns its index. */
  append(id: number, time: number, sender: Sender, text: string, clientId: string, files?: ChatFile[]): number {
    const seq = this.lastSeq + 1;
    if (files?.length) this.#files.set(seq, files.map((file) => ({ ...file })));
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
    for (const seq of this.#replies.keys()) if (seq < this.#firstSeq) this.#replies.delete(seq);
    for (const seq of this.#files.keys()) if (seq < this.#firstSeq) this.#files.delete(seq);
    for (const seq of this.#erased) if (seq < this.#firstSeq) this.#erased.delete(seq);
  }

  /** How many of the oldest messages were stored before `time`. */
  countBefore(time: number): number {
    let count = 0;
    while (count < this.#times.length && this.#times[count]! < time) count++;
    return count;
  }

  senderIdAt(index: number): string {
    return this.#senders[index]!.id;
  }

  isErased(index: number): boolean {
    return this.#erased.has(this.#firstSeq + index);
  }

  /** Makes the message a tombstone: seq, time, clientId and role stay; text, files, reply state and sender go. */
  erase(index: number): void {
    const seq = this.#firstSeq + index;
    this.#erased.add(seq);
    this.#texts[index] = '';
    this.#senders[index] = Object.freeze({ id: '', name: '', role: this.#senders[index]!.role });
    this.#files.delete(seq);
    this.#replies.delete(seq);
  }

  replaceText(index: number, text: string): void {
    this.#texts[index] = text;
  }

  /** Index of the first held message with a seq above `seq`, clamped to the held range. */
  indexAbove(seq: number): number {
    return Math.min(this.#ids.length, Math.max(0, seq + 1 - this.#firstSeq));
  }

  roleAt(index: number): SenderRole {
    return this.#senders[index]!.role;
  }

  /** The index of the message with store id `id`, if it is held. */
  indexOfId(id: string, idPrefix: string): number | undefined {
    if (!id.startsWith(idPrefix)) return undefined;
    const index = this.#ids.indexOf(Number.parseInt(id.slice(idPrefix.length), 36));
    return index === -1 ? undefined : index;
  }

  replyStatusAt(index: number): ReplyStatus | undefined {
    return this.#replies.get(this.#firstSeq + index)?.status;
  }

  /** Moves an assistant's reply on: its text, citations and status, moved at `now`. */
  updateReply(index: number, { message, citations }: ReplyUpdate, status: ReplyStatus, now: number): void {
    this.#texts[index] = message;
    this.#replies.set(this.#firstSeq + index, { status, citations: citations.map(({ title, url }) => ({ title, url })), movedAt: now });
  }

  /** Indexes of replies still streaming that have not moved since `before`. */
  *streamingSince(before: number): Generator<number> {
    for (const [seq, reply] of this.#replies) if (reply.status === 'streaming' && reply.movedAt < before) yield seq - this.#firstSeq;
  }

  /** The message at `index` as a new object, `idPrefix` making its id unique to the store. */
  messageAt(index: number, idPrefix: string): ChatMessage {
    const seq = this.#firstSeq + index;
    const message: ChatMessage = {
      id: `${idPrefix}${this.#ids[index]!.toString(36)}`,
      room: this.room,
      seq,
      sender: this.#senders[index]!,
      message: this.#texts[index]!,
      timestamp: isoTime(this.#times[index]!),
      clientId: this.#clientIds[index]!,
    };
    const reply = this.#replies.get(seq);
    if (reply) Object.assign(message, { status: reply.status, citations: reply.citations.map((citation) => ({ ...citation })) });
    const files = this.#files.get(seq);
    if (files) message.files = files.map((file) => ({ ...file }));
    if (this.#erased.size > 0 && this.#erased.has(seq)) message.erased = true;
    return message;
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
