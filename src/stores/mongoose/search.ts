import type { Connection } from 'mongoose';
import type { ChatMessage } from '../../protocol.js';
import { escapeRegex } from '../../escape-regex.js';
import { nameKey, searchableInboxOf, searchWords } from '../conversation-rules.js';
import { rawOperationOptions } from './raw-options.js';
import type { ConversationRecord, MessageSearch, VisitorSearch } from '../types.js';
import { toChatMessage, toConversationRecord, type ChatModels, type ConversationDoc, type MessageDoc, type operationOptions } from './schemas.js';

/**
 * Errors that say the server has no text search at all: the jongodb emulator answers 238
 * (NotImplemented); a proxy or another engine without the operator, 115, or 2 about `$text`.
 */
function meansNoTextSearch(error: unknown): boolean {
  const { code, message } = error as { code?: number; message?: string };
  return code === 238 || code === 115 || (code === 2 && /\$text/i.test(message ?? '') && !/text index required/i.test(message ?? ''));
}

/** The text index is not there yet (27, IndexNotFound: still being built, or its build failed). */
const meansNoTextIndexYet = (error: unknown) => (error as { code?: number }).code === 27 || /text index required/i.test((error as Error).message ?? '');

/** How long a node scans after finding the text index missing, before it asks `$text` again. */
const RECHECK_TEXT_INDEX_MS = 60_000;
/** Messages the backfill of `inbox` reads at a time. */
const BACKFILL_BATCH = 1000;

/**
 * Search in MongoDB. Messages are found on the text index over conversations' visible messages
 * (`message_text`, partial on `inbox`, which only they carry), each word required and matched
 * whole in any language (no stemming). On a server without `$text` (the emulator) the first
 * search finds out, says so once, and every search after is a case-insensitive scan for each word
 * as any part of a word: correct, and as slow as reading every message of the collection. While the
 * index is being built (at the first start on a large collection), searches scan too.
 * Visitors are found on indexes: by id, by email, and by the start of their name (`visitorNameKey`).
 */
export class MongoSearch {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #ops: ReturnType<typeof operationOptions>;
  readonly #warn: (message: string) => void;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  #textSearch = true;
  /** Until when searches scan because the text index was missing (being built). */
  #scanUntil = 0;

  constructor(
    connection: Connection,
    models: ChatModels,
    ops: ReturnType<typeof operationOptions>,
    { prefix, timeoutMs, warn }: { prefix: string; timeoutMs: number; warn: (message: string) => void },
  ) {
    this.#prefix = prefix;
    this.#timeoutMs = timeoutMs;
    this.#connection = connection;
    this.#models = models;
    this.#ops = ops;
    this.#warn = warn;
  }

  /**
   * Starts building the text index, without waiting: on a large collection the build takes a
   * while, and the chat serves meanwhile (searches scan until it is there). Mongoose's own index
   * check cannot describe a text index (its keys are stored as `_fts`), so it is made here.
   */
  buildTextIndex(): void {
    const messages = this.#models.messages.collection;
    messages
      .createIndex({ message: 'text' }, { name: 'message_text', default_language: 'none', partialFilterExpression: { inbox: { $exists: true } } })
      .catch((error: unknown) => this.#warn(`parley-chat: could not create the search index on ${messages.collectionName}: ${(error as Error).message}`));
    this.#backfillInboxes().catch((error: unknown) => this.#warn(`parley-chat: could not mark older messages for search: ${(error as Error).message}`));
  }

  /**
   * Messages stored before search existed carry no `inbox`, which the text index and every search
   * need: one pass over the collection by `_id` (its own index, a batch at a time) gives each
   * conversation message its inbox, once per database. Where it got to is kept in
   * `<prefix>migrations`, so a restart goes on from there and, once it is done, costs one read.
   * Safe on several nodes at once (each writes the same values). Without pipeline updates, so the
   * emulator runs it too.
   */
  async #backfillInboxes(): Promise<void> {
    const { trusted, Types } = this.#connection.base;
    const migrations = this.#connection.collection<{ _id: string; done: boolean; after?: unknown }>(`${this.#prefix}migrations`);
    const options = rawOperationOptions(this.#timeoutMs);
    const progress = await migrations.findOne({ _id: 'message-inbox' }, options.read());
    if (progress?.done) return;
    const saveProgress = (state: { done: boolean; after?: unknown }) => migrations.updateOne({ _id: 'message-inbox' }, { $set: state }, { upsert: true, ...options.write() });
    let after = progress?.after;
    for (;;) {
      const filter: Record<string, unknown> = { inbox: trusted({ $exists: false }) };
      if (after !== undefined) filter._id = trusted({ $gt: after });
      const docs = await this.#models.messages
        .find(filter)
        .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
        .sort({ _id: 1 })
        .limit(BACKFILL_BATCH)
        .lean<Array<{ _id: InstanceType<typeof Types.ObjectId>; room: string }>>();
      if (docs.length === 0) return void (await saveProgress({ done: true }));
      after = docs.at(-1)!._id;
      const updates = docs.flatMap((doc) => {
        const inbox = searchableInboxOf(doc.room);
        return inbox === undefined ? [] : [{ updateOne: { filter: { _id: doc._id }, update: { $set: { inbox } } } }];
      });
      if (updates.length) await this.#models.messages.collection.bulkWrite(updates as never, { ordered: false, ...this.#ops.write() } as never);
      if (docs.length < BACKFILL_BATCH) return void (await saveProgress({ done: true }));
      await saveProgress({ done: false, after });
    }
  }

  /** Whether searches use the server's text index (false once the server said it has none). */
  get usesTextIndex(): boolean {
    return this.#textSearch;
  }

  async searchMessages(query: MessageSearch): Promise<ChatMessage[]> {
    const words = searchWords(query.text);
    if (words.length === 0 || (query.threads && query.threads.length === 0) || (query.inboxes !== '*' && query.inboxes.length === 0)) return [];
    const { trusted } = this.#connection.base;
    const filter: Record<string, unknown> = {
      // The partial index's own condition, so that the planner may use it.
      inbox: trusted(query.inboxes === '*' ? { $exists: true } : { $exists: true, $in: [...query.inboxes] }),
      erased: trusted({ $ne: true }),
    };
    if (query.threads) filter.room = trusted({ $in: [...query.threads] });
    const timestamp = { ...(query.before ? { $lt: query.before } : {}), ...(query.since ? { $gte: query.since } : {}) };
    if (Object.keys(timestamp).length > 0) filter.timestamp = trusted(timestamp);
    if (this.#textSearch && Date.now() >= this.#scanUntil) {
      try {
        // Each word quoted: every one must be there (unquoted words would match any of them).
        const search = words.map((word) => `"${word}"`).join(' ');
        return await this.#find({ ...filter, $text: trusted({ $search: search, $caseSensitive: false }) }, query.limit);
      } catch (error) {
        if (meansNoTextIndexYet(error)) {
          // Being built (a large collection takes a while): scan meanwhile, and ask again in a minute.
          this.#scanUntil = Date.now() + RECHECK_TEXT_INDEX_MS;
        } else if (meansNoTextSearch(error)) {
          this.#textSearch = false;
          this.#warn('parley-chat: this MongoDB server has no text search ($text); search scans messages instead, which slows down as they grow');
        } else {
          throw error;
        }
      }
    }
    const scan = words.map((word) => ({ message: trusted({ $regex: escapeRegex(word), $options: 'i' }) }));
    return this.#find({ ...filter, $and: scan }, query.limit);
  }

  async searchVisitors(query: VisitorSearch): Promise<ConversationRecord[]> {
    const { trusted } = this.#connection.base;
    const term = query.term.trim();
    const email = term.includes('@') ? term.toLowerCase() : undefined;
    const visitorIds = new Set<string>([term]);
    if (email) {
      const users = await this.#models.users
        .find({ email: trusted({ $in: [...new Set([term, email])] }) })
        .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
        .limit(query.limit)
        .lean<Array<{ visitorId: string }>>();
      for (const user of users) visitorIds.add(user.visitorId);
    }
    const filter: Record<string, unknown> = {
      $or: [
        { _id: term },
        { visitorId: trusted({ $in: [...visitorIds] }) },
        // On the index: a case-sensitive prefix of the folded name.
        { visitorNameKey: trusted({ $regex: `^${escapeRegex(nameKey(term))}` }) },
        // Conversations from before search have no key: the index finds those (null), then their names are read.
        { visitorNameKey: null, visitorName: trusted({ $regex: `^${escapeRegex(term)}`, $options: 'i' }) },
      ],
    };
    if (query.inboxes !== '*') filter.inbox = trusted({ $in: [...query.inboxes] });
    const updatedAt = { ...(query.before ? { $lt: query.before } : {}), ...(query.since ? { $gte: query.since } : {}) };
    if (Object.keys(updatedAt).length > 0) filter.updatedAt = trusted(updatedAt);
    const docs = await this.#models.conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ updatedAt: -1, _id: -1 })
      .limit(query.limit)
      .lean<ConversationDoc[]>();
    return docs.map(toConversationRecord);
  }

  async conversationsByIds(ids: readonly string[]): Promise<ConversationRecord[]> {
    if (ids.length === 0) return [];
    const docs = await this.#models.conversations
      .find({ _id: this.#connection.base.trusted({ $in: [...ids] }) })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .lean<ConversationDoc[]>();
    return docs.map(toConversationRecord);
  }

  async #find(filter: Record<string, unknown>, limit: number): Promise<ChatMessage[]> {
    const docs = await this.#models.messages
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ timestamp: -1, _id: -1 })
      .limit(limit)
      .lean<MessageDoc[]>();
    return docs.map(toChatMessage);
  }
}
