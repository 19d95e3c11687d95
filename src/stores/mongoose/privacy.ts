import type { Connection } from 'mongoose';
import type { ChatMessage, EraseMode } from '../../protocol.js';
import type { PendingDeletion, VisitorActivity } from '../types.js';
import { isDuplicateKey } from './message-log.js';
import { toChatMessage, type ChatModels, type DeletionDoc, type LeaseDoc, type MessageDoc, type operationOptions, type VisitorDoc } from './schemas.js';

/**
 * The privacy side of the MongoDB store (see `PrivacyStore`): visitors' activity and erasure
 * marks (`chat_visitors`), their messages found by sender, tombstones, the retention deletes and
 * the sweep's lease (`chat_leases`). Every query runs on an index; deletes take ids a page at a time.
 */
export class MongoPrivacy {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #ops: ReturnType<typeof operationOptions>;

  constructor(connection: Connection, models: ChatModels, ops: ReturnType<typeof operationOptions>) {
    this.#connection = connection;
    this.#models = models;
    this.#ops = ops;
  }

  async visitorActivity(visitorId: string): Promise<VisitorActivity | null> {
    const doc = await this.#models.visitors.findOne({ _id: visitorId }).setOptions({ sanitizeFilter: true, ...this.#ops.read() }).lean<VisitorDoc>();
    return doc
      ? { lastSeenAt: doc.lastSeenAt ? new Date(doc.lastSeenAt) : null, erasedAt: doc.erasedAt ? new Date(doc.erasedAt) : null, erasing: doc.erasing ?? null }
      : null;
  }

  async visitorSeen(visitorId: string, at: Date): Promise<void> {
    // Only when they were last seen: an erasure, begun or done, is not undone by a tab that connects.
    await this.#upsertVisitor(visitorId, { lastSeenAt: at });
  }

  async markErased(visitorId: string, at: Date, erasing: EraseMode | null): Promise<void> {
    await this.#upsertVisitor(visitorId, erasing ? { erasedAt: at, erasing } : { lastSeenAt: null, erasing: null });
  }

  async inactiveVisitors(before: Date, limit: number): Promise<string[]> {
    return this.#visitorIds({ lastSeenAt: this.#connection.base.trusted({ $lt: before }) }, { lastSeenAt: 1 }, limit);
  }

  async unfinishedErasures(before: Date, limit: number): Promise<Array<{ visitorId: string; mode: EraseMode }>> {
    const { trusted } = this.#connection.base;
    const docs = await this.#visitors({ erasing: trusted({ $in: ['delete', 'anonymize'] }), erasedAt: trusted({ $lt: before }) }, { erasing: 1, erasedAt: 1 }, limit);
    return docs.map((doc) => ({ visitorId: doc._id, mode: doc.erasing! }));
  }

  async #visitorIds(filter: Record<string, unknown>, sort: Record<string, 1>, limit: number): Promise<string[]> {
    return (await this.#visitors(filter, sort, limit)).map((doc) => doc._id);
  }

  #visitors(filter: Record<string, unknown>, sort: Record<string, 1>, limit: number): Promise<VisitorDoc[]> {
    return this.#models.visitors.find(filter).setOptions({ sanitizeFilter: true, ...this.#ops.read() }).sort(sort).limit(limit).lean<VisitorDoc[]>().exec();
  }

  async messagesBySender(senderIds: readonly string[], after: string | undefined, limit: number): Promise<ChatMessage[]> {
    const { trusted, Types } = this.#connection.base;
    const filter: Record<string, unknown> = { 'sender.id': trusted({ $in: [...senderIds] }), erased: trusted({ $ne: true }) };
    if (after !== undefined && Types.ObjectId.isValid(after)) filter._id = trusted({ $gt: new Types.ObjectId(after) });
    const docs = await this.#models.messages
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<MessageDoc[]>();
    return docs.map(toChatMessage);
  }

  async eraseMessages(ids: readonly string[]): Promise<number> {
    const objectIds = this.#objectIds(ids);
    if (objectIds.length === 0) return 0;
    // One update per message, in one round trip: each tombstone's sender id is its own
    // (`erased:<id>`), since clientIds are the clients' and two erased senders may have used the
    // same one in a thread, which `{ room, sender.id, clientId }` must keep apart. The raw
    // collection: a tombstone's empty name is not a message Mongoose's schema would take.
    const result = await this.#models.messages.collection.bulkWrite(
      objectIds.map((_id) => ({
        updateOne: {
          filter: { _id, erased: { $ne: true } } as never,
          update: {
            $set: { message: '', erased: true, 'sender.id': `erased:${_id.toString()}`, 'sender.name': '' },
            $unset: { files: '', citations: '', status: '', movedAt: '' },
          } as never,
        },
      })),
      { ordered: false, ...this.#ops.write() },
    );
    return result.modifiedCount;
  }

  async rewriteMessage(id: string, message: string): Promise<void> {
    const [objectId] = this.#objectIds([id]);
    if (!objectId) return;
    await this.#models.messages.collection.updateOne({ _id: objectId } as never, { $set: { message } }, this.#ops.write());
  }

  async deleteUser(visitorId: string): Promise<number> {
    const result = await this.#models.users.deleteOne({ visitorId }, { sanitizeFilter: true, ...this.#ops.write() });
    return result.deletedCount;
  }

  async deleteConsents(visitorId: string): Promise<number> {
    const result = await this.#models.consents.deleteMany({ visitorId }, { sanitizeFilter: true, ...this.#ops.write() });
    return result.deletedCount;
  }

  async messagesBefore(before: Date, limit: number): Promise<ChatMessage[]> {
    const { trusted, Types } = this.#connection.base;
    // Message ids are made when the message is written, so the id's time is the message's: the
    // _id index finds them, and the chat keeps no index on time only for this.
    const docs = await this.#models.messages
      .find({ _id: trusted({ $lt: Types.ObjectId.createFromTime(Math.floor(before.getTime() / 1000)) }) })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<MessageDoc[]>();
    return docs.map(toChatMessage);
  }

  async deleteMessages(ids: readonly string[]): Promise<number> {
    const objectIds = this.#objectIds(ids);
    if (objectIds.length === 0) return 0;
    const result = await this.#models.messages.collection.deleteMany({ _id: { $in: objectIds } } as never, this.#ops.write());
    return result.deletedCount;
  }

  async deleteThread(room: string): Promise<number> {
    const result = await this.#models.messages.deleteMany({ room }, { sanitizeFilter: true, ...this.#ops.write() });
    return result.deletedCount;
  }

  async beginDeletion({ conversationId, inbox, at }: PendingDeletion): Promise<void> {
    await this.#models.deletions.updateOne(
      { _id: conversationId },
      { $setOnInsert: { inbox, at } },
      { upsert: true, sanitizeFilter: true, ...this.#ops.write() },
    );
  }

  async pendingDeletions(before: Date, limit: number): Promise<PendingDeletion[]> {
    const docs = await this.#models.deletions
      .find({ at: this.#connection.base.trusted({ $lt: before }) })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ at: 1 })
      .limit(limit)
      .lean<DeletionDoc[]>();
    return docs.map((doc) => ({ conversationId: doc._id, inbox: doc.inbox, at: new Date(doc.at) }));
  }

  async endDeletion(conversationId: string): Promise<void> {
    await this.#models.deletions.deleteOne({ _id: conversationId }, { sanitizeFilter: true, ...this.#ops.write() });
  }

  async lease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    try {
      // The raw collection: the filter's dates and operators are the chat's own, not a client's.
      const doc = await this.#models.leases.collection.findOneAndUpdate(
        { _id: name, $or: [{ holder }, { until: { $lte: now } }] } as never,
        { $set: { holder, until } },
        { upsert: true, returnDocument: 'after', ...this.#ops.write() },
      );
      return (doc as LeaseDoc | null)?.holder === holder;
    } catch (error) {
      // Another holder has it: the upsert found no lease to take and met theirs.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async #upsertVisitor(visitorId: string, set: Partial<Omit<VisitorDoc, '_id'>>): Promise<void> {
    await this.#models.visitors.updateOne({ _id: visitorId }, { $set: set }, { upsert: true, sanitizeFilter: true, ...this.#ops.write() });
  }

  #objectIds(ids: readonly string[]) {
    const { Types } = this.#connection.base;
    return ids.filter((id) => Types.ObjectId.isValid(id)).map((id) => new Types.ObjectId(id));
  }
}
