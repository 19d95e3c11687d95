import type { Connection } from 'mongoose';
import type { ChatMessage } from '../../protocol.js';
import { searchWords } from '../conversation-rules.js';
import type { ConversationRecord, MessageSearch, VisitorSearch } from '../types.js';
import { toChatMessage, toConversationRecord, type ChatModels, type ConversationDoc, type MessageDoc, type operationOptions } from './schemas.js';

/**
 * Errors that say the server has no text search (the jongodb emulator answers 238, NotImplemented;
 * a server whose text index is missing, 27; a proxy or another engine without the operator, 115 or
 * 2 with a message about `$text`). Anything else (a timeout, a failover) is not a reason to stop
 * using the index.
 */
function meansNoTextSearch(error: unknown): boolean {
  const { code, message } = error as { code?: number; message?: string };
  return code === 238 || code === 27 || code === 115 || (code === 2 && /\$text|text index/i.test(message ?? ''));
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Search in MongoDB. Messages are found on the text index over conversations' visible messages
 * (`message_text`, partial on `inbox`, which only they carry), each word required and matched
 * whole in any language (no stemming). On a server without `$text` (the emulator) the first
 * search finds out, says so once, and every search after is a case-insensitive scan for each word
 * as any part of a word: correct, and as fast as reading the inboxes' messages newest first.
 * Visitors are found by id and email on indexes, and by the start of their name by a scan of the
 * conversations (far fewer than messages).
 */
export class MongoSearch {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #ops: ReturnType<typeof operationOptions>;
  readonly #warn: (message: string) => void;
  #textSearch = true;

  constructor(connection: Connection, models: ChatModels, ops: ReturnType<typeof operationOptions>, warn: (message: string) => void) {
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
    this.#models.messages.collection
      .createIndex({ message: 'text' }, { name: 'message_text', default_language: 'none', partialFilterExpression: { inbox: { $exists: true } } })
      .catch((error: unknown) => {
        this.#warn(`parley-chat: could not create the search index on ${this.#models.messages.collection.collectionName}: ${(error as Error).message}`);
      });
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
    if (this.#textSearch) {
      try {
        // Each word quoted: every one must be there (unquoted words would match any of them).
        const search = words.map((word) => `"${word}"`).join(' ');
        return await this.#find({ ...filter, $text: trusted({ $search: search, $caseSensitive: false }) }, query.limit);
      } catch (error) {
        if (!meansNoTextSearch(error)) throw error;
        this.#textSearch = false;
        this.#warn('parley-chat: this MongoDB server has no text search ($text); search scans messages instead, which slows down as they grow');
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
        { visitorName: trusted({ $regex: `^${escapeRegex(term)}`, $options: 'i' }) },
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
