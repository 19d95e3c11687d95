import { randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { ChatMessage, SenderRole } from '../../protocol.js';
import { ChatError } from '../../server/errors.js';
import type { AppendResult, MessageDraft, MessagePage, MessageQuery } from '../types.js';
import { toChatMessage, type ChatModels, type MessageDoc } from './schemas.js';

/** A claim older than this was left by a request that failed; a retry finishes it. */
const ABANDONED_CLAIM_MS = 10_000;
const DUPLICATE_KEY = 11000;

/**
 * The threads' messages in MongoDB: appending (once per clientId, with the thread's next seq)
 * and reading pages. Counters (a thread's seq, the conversations' version) live here too, since
 * drawing a seq is half of appending.
 */
export class MongoMessageLog {
  readonly #connection: Connection;
  readonly #models: ChatModels;

  constructor(connection: Connection, models: ChatModels) {
    this.#connection = connection;
    this.#models = models;
  }

  /**
   * Stores a message once per `(thread, sender, clientId)` and gives it the thread's next seq, so
   * seqs stay gap-free even when the same message arrives at several nodes at once. The message is
   * claimed first (inserted without a seq, which the unique clientId index lets one request do);
   * only the claimant draws a seq, and every other request waits for that seq and answers with
   * the original. A seq is burnt only when storing fails between drawing it and setting it (the
   * database went away then); clients accept a hole that stays empty once they asked for it.
   */
  async append(draft: MessageDraft): Promise<AppendResult> {
    const claim = {
      room: draft.room,
      seq: unsetSeq(),
      sender: { id: draft.sender.id, name: draft.sender.name, role: draft.sender.role },
      message: draft.message,
      clientId: draft.clientId,
      timestamp: draft.timestamp,
    };
    let claimed: MessageDoc;
    try {
      claimed = (await this.#models.messages.create(claim)).toObject();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return { message: await this.#original(draft, error), duplicate: true };
    }
    return { message: toChatMessage(await this.#assignSeq(claimed)), duplicate: false };
  }

  async list({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    const newerFirst = after === undefined;
    // sanitizeFilter neutralises any operator smuggled into `room`; our own range is marked trusted.
    // Claims still waiting for their seq (below zero) are not messages yet.
    const range = after !== undefined ? { $gt: after } : before !== undefined ? { $gt: 0, $lt: before } : { $gt: 0 };
    const filter = { room, seq: this.#connection.base.trusted(range) };
    // One extra document tells whether more exist without a second query.
    const docs = await this.#models.messages
      .find(filter)
      .setOptions({ sanitizeFilter: true })
      .sort({ seq: newerFirst ? -1 : 1 })
      .limit(limit + 1)
      .lean<MessageDoc[]>();
    const hasMore = docs.length > limit;
    const page = docs.slice(0, limit).map(toChatMessage);
    if (newerFirst) page.reverse();
    return { messages: page, hasMore };
  }

  count({ room, after, role }: { room: string; after: number; role: SenderRole }): Promise<number> {
    return this.#models.messages
      .countDocuments({ room, seq: this.#connection.base.trusted({ $gt: Math.max(0, after) }), 'sender.role': role })
      .setOptions({ sanitizeFilter: true });
  }

  /** Atomically draws the next value of a counter: a thread's seq, or the conversations' version. */
  async nextValue(counter: string): Promise<number> {
    const increment = () =>
      this.#models.counters
        .findOneAndUpdate({ _id: counter }, { $inc: { seq: 1 } }, { upsert: true, returnDocument: 'after', sanitizeFilter: true })
        .lean<{ seq: number }>();
    try {
      return (await increment())!.seq;
    } catch (error) {
      // Two first messages racing to create a thread's counter: one upsert loses on _id. The
      // document exists now, so the retry is a plain increment.
      if (!isDuplicateKey(error)) throw error;
      return (await increment())!.seq;
    }
  }

  /** Draws the thread's next seq for a claimed message and sets it; the claim's own seq guards the write. */
  async #assignSeq(claimed: MessageDoc, attempt = 1): Promise<MessageDoc> {
    const { messages, counters } = this.#models;
    const seq = await this.nextValue(claimed.room);
    let set: { modifiedCount: number };
    try {
      set = await messages.updateOne({ _id: claimed._id, seq: claimed.seq }, { $set: { seq } }).setOptions({ sanitizeFilter: true });
    } catch (error) {
      // The seq is another message's: the counter handed it out twice. MongoDB's findAndModify
      // never does; a server that is not atomic there (the jongodb emulator, under concurrent
      // connections) can. A fresh seq keeps the message; the seq skipped is a hole clients accept.
      if (!isDuplicateKey(error) || attempt >= 3) throw error;
      return this.#assignSeq(claimed, attempt + 1);
    }
    if (set.modifiedCount === 1) return { ...claimed, seq };
    // Not modified: someone finished this claim meanwhile (see #original), or the count was
    // misreported. The document says which; only a seq that is not its own goes back.
    const done = await messages.findOne({ _id: claimed._id }).setOptions({ sanitizeFilter: true }).lean<MessageDoc>();
    if (done?.seq === seq) return done;
    await counters
      .updateOne({ _id: claimed.room, seq }, { $inc: { seq: -1 } })
      .setOptions({ sanitizeFilter: true })
      .catch(() => undefined);
    if (!done || done.seq < 0) throw new ChatError('STORAGE_UNAVAILABLE', 'The chat could not store the message; try again shortly');
    return done;
  }

  /** The stored original of a repeated clientId, once its claimant has given it its seq. */
  async #original(draft: MessageDraft, duplicateError: unknown): Promise<ChatMessage> {
    const key = { room: draft.room, 'sender.id': draft.sender.id, clientId: draft.clientId };
    for (let wait = 10; ; wait = Math.min(wait * 2, 200)) {
      const original = await this.#models.messages.findOne(key).setOptions({ sanitizeFilter: true }).lean<MessageDoc>();
      if (!original) throw duplicateError; // a duplicate of something else: not ours to explain
      if (original.seq > 0) return toChatMessage(original);
      // A claim left by a request that failed before its seq was set: this retry finishes it.
      // (The claim's age is its ObjectId's: the message's own timestamp is whatever the caller gave.)
      const claimedAt = (original._id as unknown as { getTimestamp(): Date }).getTimestamp().getTime();
      if (Date.now() - claimedAt > ABANDONED_CLAIM_MS) return toChatMessage(await this.#assignSeq(original));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/**
 * The seq of a claimed message until its real one is set: below zero, so never a message's, and
 * unique, so the `{ room, seq }` index holds for claims too.
 */
function unsetSeq(): number {
  return -randomInt(1, 2 ** 47);
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}
