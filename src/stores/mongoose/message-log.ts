import type { Connection } from 'mongoose';
import type { ChatMessage, ReplyStatus, SenderRole } from '../../protocol.js';
import { ChatError } from '../../server/errors.js';
import { KeyedQueue } from '../../server/keyed-queue.js';
import { SharedAttempts } from '../../server/shared-attempts.js';
import { messageKey, searchableInboxOf } from '../conversation-rules.js';
import type { AppendOptions, AppendResult, MessageDraft, MessagePage, MessageQuery, ReplyUpdate } from '../types.js';
import { docOfFile, toChatMessage, type ChatModels, type CounterDoc, type MessageDoc, type operationOptions } from './schemas.js';

const DUPLICATE_KEY = 11000;
/** How far apart the clocks of two chat nodes may be, for `settledSeq`. */
const CLOCK_SKEW_MS = 5000;
/** Draws a seq is tried again after the one drawn was taken already (see `#store`). */
const MAX_DRAWS = 3;

/**
 * The threads' messages in MongoDB: writing one (once per clientId, with its thread's next seq)
 * and reading pages. A public room's counter is a document of its own (`chat_counters`); a
 * conversation is its own counter (see conversations.ts), and stores its messages through
 * `storeAt`.
 *
 * A message costs two round trips: the counter's update takes the seq and notes which message
 * took it (`lastKey`), then the message is inserted with it. A retry of the same message (the
 * client says so, or the counter says its last seq went to that message) never takes another
 * seq: it finds the original, or stores the message under the seq its first attempt took.
 */
export class MongoMessageLog {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #ops: ReturnType<typeof operationOptions>;
  /** A seq taken longer ago than this is stored or never will be: writes are bounded in time. */
  readonly #settleMs: number;
  readonly #attempts = new SharedAttempts<AppendResult>((result) => ({ ...result, duplicate: true }));
  /**
   * A thread's seqs are taken one at a time in this process. MongoDB needs no such care (`$inc` is
   * atomic), but a server without atomic updates across connections hands out one value twice,
   * and then skips one, when many take at once; across processes there is far less overlap.
   */
  readonly #draws = new KeyedQueue();

  constructor(connection: Connection, models: ChatModels, ops: ReturnType<typeof operationOptions>, timeoutMs: number) {
    this.#connection = connection;
    this.#models = models;
    this.#ops = ops;
    this.#settleMs = timeoutMs + CLOCK_SKEW_MS;
  }

  /** A new message id, made before its seq is taken so that the counter can name it. */
  newId(): string {
    return new this.#connection.base.Types.ObjectId().toString();
  }

  /** Stores a message of a public room; the same message sent twice at once from this process is stored by one attempt. */
  append(draft: MessageDraft, options: AppendOptions = {}): Promise<AppendResult> {
    const key = `${draft.room}\u0000${messageKey(draft.sender.id, draft.clientId)}`;
    return this.#attempts.run(key, () => this.#append(draft, options));
  }

  async #append(draft: MessageDraft, { retry = false }: AppendOptions): Promise<AppendResult> {
    if (retry) {
      const original = await this.find(draft.room, draft.sender.id, draft.clientId);
      if (original) return { message: original, duplicate: true };
    }
    const key = messageKey(draft.sender.id, draft.clientId);
    for (let draw = 1; ; draw++) {
      const id = this.newId();
      const counter = await this.#draws.run(draft.room, () => this.#draw(draft.room, key, id, draw > 1));
      const stored = await this.storeAt(draft, counter.lastId ?? id, counter.seq);
      if (stored !== 'seq taken') return stored;
      if (draw >= MAX_DRAWS) throw new ChatError('STORAGE_UNAVAILABLE', 'The chat could not store the message; try again shortly');
    }
  }

  /**
   * Inserts a message under the id and seq its thread's counter gave it. Another attempt of the
   * same message may have stored it already (or be storing it now): then the original is returned.
   * Says `seq taken` when another message has that seq, which MongoDB's atomic `$inc` never allows
   * but a server without atomic updates across connections (the jongodb emulator) can.
   */
  async storeAt(draft: MessageDraft & { status?: ReplyStatus | undefined }, id: string, seq: number): Promise<AppendResult | 'seq taken'> {
    const now = new Date();
    const doc: MessageDoc = {
      _id: new this.#connection.base.Types.ObjectId(id),
      room: draft.room,
      seq,
      sender: { id: draft.sender.id, name: draft.sender.name, role: draft.sender.role },
      message: draft.message,
      clientId: draft.clientId,
      timestamp: draft.timestamp,
      seqAt: now,
      ...(draft.status ? { status: draft.status, citations: [], movedAt: now } : {}),
      ...(draft.files?.length ? { files: draft.files.map(docOfFile) } : {}),
    };
    const inbox = searchableInboxOf(draft.room);
    if (inbox !== undefined) doc.inbox = inbox;
    try {
      await this.#models.messages.collection.insertOne(doc as never, this.#ops.write());
      return { message: toChatMessage(doc), duplicate: false };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const original = await this.find(draft.room, draft.sender.id, draft.clientId);
      return original ? { message: original, duplicate: true } : 'seq taken';
    }
  }

  /** Moves an assistant's reply on while it is streaming (see `ChatStore.updateReply`). */
  async updateReply(room: string, id: string, { message, citations, status }: ReplyUpdate): Promise<ChatMessage | null> {
    const { Types, trusted } = this.#connection.base;
    if (!Types.ObjectId.isValid(id)) return null;
    const set = { message, citations: citations.map(({ title, url }) => ({ title, url })), movedAt: new Date(), ...(status ? { status } : {}) };
    const doc = await this.#models.messages
      .findOneAndUpdate({ _id: new Types.ObjectId(id), room, status: 'streaming' }, { $set: trusted(set) }, { returnDocument: 'after', sanitizeFilter: true, ...this.#ops.write() })
      .lean<MessageDoc>();
    return doc ? toChatMessage(doc) : null;
  }

  /** Replies left streaming, unmoved since `before` (see `ChatStore.staleReplies`). */
  async staleReplies(before: Date, limit: number): Promise<Array<{ message: ChatMessage; conversationId: string }>> {
    const docs = await this.#models.messages
      .find({ status: 'streaming', movedAt: this.#connection.base.trusted({ $lt: before }) })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .limit(limit)
      .lean<MessageDoc[]>();
    return docs.map((doc) => ({ message: toChatMessage(doc), conversationId: doc.room.split('/')[1]! }));
  }

  /** The stored message a sender sent with a clientId, if any. */
  async find(room: string, senderId: string, clientId: string): Promise<ChatMessage | null> {
    const doc = await this.#models.messages
      .findOne({ room, 'sender.id': senderId, clientId })
      .setOptions({ sanitizeFilter: true, ...this.#ops.readCommitted() })
      .lean<MessageDoc>();
    return doc && doc.seq > 0 ? toChatMessage(doc) : null;
  }

  async list({ room, limit, before, after }: MessageQuery): Promise<MessagePage> {
    const newerFirst = after === undefined;
    // sanitizeFilter neutralises any operator smuggled into `room`; our own range is marked trusted.
    // Seqs below one are claims an earlier version left unfinished: never messages.
    const range = after !== undefined ? { $gt: after } : before !== undefined ? { $gt: 0, $lt: before } : { $gt: 0 };
    const filter = { room, seq: this.#connection.base.trusted(range) };
    // One extra document tells whether more exist without a second query.
    const docs = await this.#models.messages
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ seq: newerFirst ? -1 : 1 })
      .limit(limit + 1)
      .lean<MessageDoc[]>();
    const kept = docs.slice(0, limit);
    if (newerFirst) kept.reverse();
    const page: MessagePage = { messages: kept.map(toChatMessage), hasMore: docs.length > limit };
    // Nothing settled in the page: settled only below it (the seq the catch-up asked after, or
    // for the latest page, the one before its first message).
    if (kept.length) page.settledSeq = Math.max(this.#settledSeq(kept) ?? after ?? kept[0]!.seq - 1, after ?? 0);
    return page;
  }

  count({ room, after, role }: { room: string; after: number; role: SenderRole }): Promise<number> {
    return this.#models.messages
      .countDocuments({ room, seq: this.#connection.base.trusted({ $gt: Math.max(0, after) }), 'sender.role': role })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() });
  }

  /**
   * The highest seq of `page` below which nothing can still be on its way: that of a message
   * written longer ago than a write may take (every lower seq was taken before it was).
   */
  #settledSeq(page: MessageDoc[]): number | undefined {
    const cutoff = Date.now() - this.#settleMs;
    for (let i = page.length - 1; i >= 0; i--) {
      const { seq, seqAt } = page[i]!;
      if (!seqAt || seqAt.getTime() <= cutoff) return seq;
    }
    return undefined;
  }

  /**
   * Takes a room's next seq for the message `key`, unless the last seq went to that same message
   * (a repeat: its first attempt took it, and may or may not have stored the message), which is
   * returned instead. `force` takes one whatever the last was (the last was taken twice).
   */
  async #draw(room: string, key: string, id: string, force: boolean): Promise<CounterDoc> {
    const { counters } = this.#models;
    const take = () =>
      counters
        .findOneAndUpdate(
          force ? { _id: room } : { _id: room, lastKey: this.#connection.base.trusted({ $ne: key }) },
          { $inc: { seq: 1 }, $set: { lastKey: key, lastId: id } },
          { upsert: true, returnDocument: 'after', sanitizeFilter: true, ...this.#ops.write() },
        )
        .lean<CounterDoc>();
    for (let attempt = 1; ; attempt++) {
      let counter: CounterDoc | null;
      try {
        counter = await take();
      } catch (error) {
        // The filter missed an existing counter, so the upsert tried to make a second one: the
        // last seq went to this message (or two first messages raced to make the counter).
        if (!isDuplicateKey(error)) throw error;
        counter = null;
      }
      if (counter) return counter;
      const current = await counters.findOne({ _id: room }).setOptions({ sanitizeFilter: true, ...this.#ops.readCommitted() }).lean<CounterDoc>();
      if (current?.lastKey === key) return current;
      if (attempt >= MAX_DRAWS) throw new ChatError('STORAGE_UNAVAILABLE', 'The chat could not store the message; try again shortly');
    }
  }
}

export function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}
