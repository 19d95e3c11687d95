import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { ChatError } from '../../server/errors.js';
import { KeyedQueue } from '../../server/keyed-queue.js';
import { SharedAttempts } from '../../server/shared-attempts.js';
import { COUNTS_VERSION_KEY, countChanges, inboxCountsOf, messageKey, nameKey, nextVersion, threadKey } from '../conversation-rules.js';
import type {
  AppendOptions,
  ConversationAppendResult,
  ConversationChange,
  ConversationChangesQuery,
  ConversationMessageDraft,
  ConversationPage,
  ConversationQuery,
  ConversationRecord,
  ConversationTarget,
  InboxCounts,
} from '../types.js';
import { isDuplicateKey, type MongoMessageLog } from './message-log.js';
import {
  toConversationRecord,
  toLastMessageDoc,
  type ChatModels,
  type ConversationDoc,
  type CountDoc,
  type operationOptions,
} from './schemas.js';

/** Attempts at taking a seq before the conversation is answered as busy. */
const MAX_DRAWS = 4;

type Changed = NonNullable<ConversationAppendResult['changed']>;
/** What taking a seq found: the conversation with the seq taken, the seq its first attempt took, or neither. */
type Drawn = { doc: ConversationDoc; changed: Changed } | { repeat: ConversationDoc } | 'missing' | 'changed meanwhile';

const UNCHANGED: Changed = { created: false, reopened: false };
const TAKEN_OVER: Changed = { created: false, reopened: false, takenOver: true };

/**
 * Support conversations in MongoDB: one per (inbox, visitor), each the counter of its own two
 * threads (its messages and its notes), changed by compare-and-set on a version, with the tab
 * counts of each inbox kept beside them (`chat_counts`).
 *
 * A message the visitor can see costs two round trips: the conversation's update takes the seq
 * and folds the message into the summary (last message, unread, status, version) in one step,
 * then the message is inserted. A third comes only when the message changes what the first could
 * not compute: the wait that a visitor's message starts, the read mark that an operator's reply
 * moves (both need the seq), or the counts of a conversation that a message created or reopened.
 */
export class MongoConversations {
  readonly #connection: Connection;
  readonly #models: ChatModels;
  readonly #messageLog: MongoMessageLog;
  readonly #ops: ReturnType<typeof operationOptions>;
  /** A conversation's seqs are taken one at a time in this process (see MongoMessageLog's `#draws`). */
  readonly #draws = new KeyedQueue();
  readonly #attempts = new SharedAttempts<ConversationAppendResult | null>((result) => result && { ...result, duplicate: true, changed: null });

  constructor(connection: Connection, models: ChatModels, messageLog: MongoMessageLog, ops: ReturnType<typeof operationOptions>) {
    this.#connection = connection;
    this.#models = models;
    this.#messageLog = messageLog;
    this.#ops = ops;
  }

  /** Stores a conversation message; the same message sent twice at once from this process is stored by one attempt. */
  append(target: ConversationTarget, draft: ConversationMessageDraft, options: AppendOptions = {}): Promise<ConversationAppendResult | null> {
    const where = 'conversationId' in target ? target.conversationId : `${target.inbox}\u0000${target.visitor.id}`;
    const key = `${where}\u0000${draft.note ? 'note' : ''}\u0000${messageKey(draft.sender.id, draft.clientId)}`;
    return this.#attempts.run(key, () => this.#append(target, draft, options));
  }

  async #append(
    target: ConversationTarget,
    draft: ConversationMessageDraft,
    { retry = false }: AppendOptions,
  ): Promise<ConversationAppendResult | null> {
    const key = messageKey(draft.sender.id, draft.clientId);
    const note = draft.note === true;
    if (note && !('conversationId' in target)) throw new TypeError('parley-chat: a note needs a conversation id');
    if (retry) {
      const current = await this.#findDoc(target);
      if (!current) {
        if ('conversationId' in target) return null;
      } else if ((note ? current.lastNoteKey : current.lastKey) === key) {
        const finished = await this.#store(current, draft, this.#changedBy(current, key));
        if (finished !== 'seq taken') return finished;
      } else {
        const original = await this.#messageLog.find(threadKey(toConversationRecord(current), note), draft.sender.id, draft.clientId);
        if (original) return { message: original, duplicate: true, conversation: toConversationRecord(current), changed: null };
      }
    }
    for (let attempt = 1; attempt <= MAX_DRAWS; attempt++) {
      // A seq taken twice (see MongoMessageLog.storeAt) is drawn again whatever the last one was.
      const force = attempt > 1;
      const drawn = await this.#draws.run(JSON.stringify(this.#match(target)), () =>
        note ? this.#drawNote(target as Extract<ConversationTarget, { conversationId: string }>, key, force) : this.#draw(target, draft, key, force),
      );
      if (drawn === 'missing') return null;
      if (drawn === 'changed meanwhile') continue;
      const result =
        'repeat' in drawn
          ? await this.#store(drawn.repeat, draft, this.#changedBy(drawn.repeat, key))
          : await this.#store(drawn.doc, draft, drawn.changed);
      if (result !== 'seq taken') return result;
    }
    throw new ChatError('STORAGE_UNAVAILABLE', 'This conversation is busy; try again', { retryable: true });
  }

  async find(inbox: string, visitorId: string): Promise<ConversationRecord | null> {
    const doc = await this.#findDoc({ inbox, visitorId });
    return doc ? toConversationRecord(doc) : null;
  }

  async ofVisitor(visitorId: string): Promise<ConversationRecord[]> {
    const docs = await this.#models.conversations
      .find({ visitorId })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .limit(1000)
      .lean<ConversationDoc[]>();
    return docs.map(toConversationRecord);
  }

  async get(id: string): Promise<ConversationRecord | null> {
    const doc = await this.#findDoc({ conversationId: id });
    return doc ? toConversationRecord(doc) : null;
  }

  async update(id: string, expectedVersion: number, change: ConversationChange): Promise<ConversationRecord | null> {
    const { lastMessage, ...rest } = change;
    const set: Partial<ConversationDoc> = { ...rest, updatedAt: new Date(), version: nextVersion(expectedVersion) };
    // Anonymised: the keys of the messages that created, reopened or last wrote to it name the visitor.
    if (change.visitorId !== undefined) Object.assign(set, { createdBy: null, reopenedBy: null, lastKey: null });
    if (lastMessage) set.lastMessage = toLastMessageDoc(lastMessage, new Date(lastMessage.timestamp));
    if (change.visitorName !== undefined) set.visitorNameKey = nameKey(change.visitorName);
    for (const [field, value] of Object.entries(set)) if (value === undefined) delete set[field as keyof typeof set];
    const before = await this.#models.conversations
      .findOneAndUpdate({ _id: id, version: expectedVersion }, { $set: set }, { returnDocument: 'before', sanitizeFilter: true, ...this.#ops.write() })
      .lean<ConversationDoc>();
    if (!before) return null;
    const after: ConversationDoc = { ...before, ...set };
    await this.#count(after.inbox, countChanges(before, after));
    return toConversationRecord(after);
  }

  /** See `PrivacyStore.deleteConversation`. */
  async delete(record: ConversationRecord): Promise<boolean> {
    const deleted = await this.#models.conversations.deleteOne({ _id: record.id, version: record.version }, { sanitizeFilter: true, ...this.#ops.write() });
    if (deleted.deletedCount !== 1) return false;
    // The version matched, so `record` is what was deleted.
    await this.#count(record.inbox, countChanges(record, null));
    return true;
  }

  async resolvedBefore(before: Date, limit: number): Promise<ConversationRecord[]> {
    const docs = await this.#models.conversations
      .find({ status: 'resolved', updatedAt: this.#connection.base.trusted({ $lt: before }) })
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ updatedAt: 1 })
      .limit(limit)
      .lean<ConversationDoc[]>();
    return docs.map(toConversationRecord);
  }

  async forgetLastMessages(gone: ReadonlyArray<{ conversationId: string; messageId: string }>): Promise<void> {
    if (gone.length === 0) return;
    // Not a change the inbox is told of: its list drops the text when it next reads the conversation.
    await this.#models.conversations.bulkWrite(
      gone.map(({ conversationId, messageId }) => ({
        updateOne: { filter: { _id: conversationId, 'lastMessage.id': messageId }, update: { $set: { lastMessage: null } } },
      })),
      { ordered: false, ...this.#ops.write() },
    );
  }

  async setVisitorLastSeen(id: string, at: Date): Promise<void> {
    await this.#models.conversations.updateOne({ _id: id }, { $set: { visitorLastSeenAt: at } }, { sanitizeFilter: true, ...this.#ops.write() });
  }

  async list({ inboxes, status, assigneeId, handler, before, limit }: ConversationQuery): Promise<ConversationPage> {
    const filter = this.#filter({ inboxes, status, assigneeId, handler });
    if (before !== undefined) filter.version = this.#connection.base.trusted({ $lt: before });
    const docs = await this.#models.conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ version: -1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async changes({ inboxes, since, limit }: ConversationChangesQuery) {
    const filter = this.#filter({ inboxes });
    filter.version = this.#connection.base.trusted({ $gt: since });
    const docs = await this.#models.conversations
      .find(filter)
      .setOptions({ sanitizeFilter: true, ...this.#ops.read() })
      .sort({ version: 1 })
      .limit(limit + 1)
      .lean<ConversationDoc[]>();
    return { conversations: docs.slice(0, limit).map(toConversationRecord), hasMore: docs.length > limit };
  }

  async inboxCounts(inboxes: readonly string[] | '*'): Promise<InboxCounts[]> {
    const filter = inboxes === '*' ? {} : { inbox: this.#connection.base.trusted({ $in: [...inboxes] }) };
    const docs = await this.#models.counts.find(filter).setOptions({ sanitizeFilter: true, ...this.#ops.read() }).lean<CountDoc[]>();
    const byInbox = new Map<string, Array<[string, number]>>();
    for (const doc of docs) {
      let keys = byInbox.get(doc.inbox);
      if (!keys) byInbox.set(doc.inbox, (keys = []));
      keys.push([doc.key, doc.n]);
    }
    return [...byInbox].map(([inbox, keys]) => inboxCountsOf(inbox, keys));
  }

  /**
   * Counts every inbox's conversations afresh, replacing the kept counts: when there are none yet
   * (a store from before counts were kept), and to mend counts a crash between a conversation's
   * change and its count left behind. Reads every conversation: an occasional job, not a request's.
   */
  async recount(): Promise<void> {
    const tally = new Map<string, { inbox: string; key: string; n: number }>();
    const docs = await this.#models.conversations.find({}).setOptions({ maxTimeMS: 60_000 }).lean<ConversationDoc[]>();
    for (const doc of docs) {
      for (const [key] of countChanges(null, doc)) {
        const id = `${doc.inbox}\u0000${key}`;
        const entry = tally.get(id) ?? { inbox: doc.inbox, key, n: 0 };
        entry.n++;
        tally.set(id, entry);
      }
    }
    const kept = await this.#models.counts.find({}).lean<CountDoc[]>();
    const inboxes = new Set([...[...tally.values()].map((entry) => entry.inbox), ...kept.map((doc) => doc.inbox)]);
    const operations = [
      ...[...tally].map(([_id, { inbox, key, n }]) => ({ updateOne: { filter: { _id }, update: { $set: { inbox, key, n } }, upsert: true } })),
      ...kept
        .filter((doc) => !tally.has(doc._id) && doc.key !== COUNTS_VERSION_KEY)
        .map((doc) => ({ updateOne: { filter: { _id: doc._id }, update: { $set: { n: 0 } } } })),
      // Recounted counts are newer than any before them.
      ...[...inboxes].map((inbox) => ({
        updateOne: {
          filter: { _id: `${inbox}\u0000${COUNTS_VERSION_KEY}` },
          update: { $inc: { n: 1 }, $setOnInsert: { inbox, key: COUNTS_VERSION_KEY } },
          upsert: true,
        },
      })),
    ];
    if (operations.length) await this.#models.counts.bulkWrite(operations, { writeConcern: { w: 'majority' } });
  }

  /** Whether the counts were ever kept: a store from before they were has conversations and no counts. */
  async countsMissing(): Promise<boolean> {
    const [count, conversation] = await Promise.all([
      this.#models.counts.findOne({}).lean(),
      this.#models.conversations.findOne({}).lean(),
    ]);
    return count === null && conversation !== null;
  }

  /**
   * Takes the next seq of a conversation for a message the visitor can see, folding the message
   * into the conversation in the same update (see `foldMessage` in conversation-rules.ts for the
   * rules, which the memory store applies in code). Which update fits depends on the
   * conversation: open (any, for an operator's message), none yet (the visitor's first message
   * creates it), or resolved (the visitor's message reopens it); the one `expect`ed is tried first.
   */
  async #draw(target: ConversationTarget, draft: ConversationMessageDraft, key: string, force: boolean): Promise<Drawn> {
    const { conversations } = this.#models;
    const now = new Date();
    const lastMessage = toLastMessageDoc({ ...draft, id: this.#messageLog.newId() }, draft.timestamp);
    const match = this.#match(target);
    const version = nextVersion();
    // Only over an older version: a version never goes back, whatever another node's clock said.
    const fresh = { version: this.#connection.base.trusted({ $lt: version }), ...(force ? {} : { lastKey: this.#connection.base.trusted({ $ne: key }) }) };
    const set = { lastKey: key, lastMessage, updatedAt: now, version };
    const options = () => ({ returnDocument: 'after' as const, sanitizeFilter: true, ...this.#ops.write() });
    const handler = 'handler' in target ? (target.handler ?? 'waiting') : 'waiting';

    if (draft.sender.role === 'assistant') {
      const doc = await conversations
        .findOneAndUpdate({ ...match, ...fresh }, { $inc: { seq: 1, assistantReplies: 1 }, $set: set }, options())
        .lean<ConversationDoc>();
      if (doc) return { doc, changed: UNCHANGED };
    } else if (draft.sender.role !== 'visitor') {
      // An operator's answer: a person has the conversation. Tried first where the assistant does
      // not answer it (the tab counts stay), then where it does (they move: see #store).
      const answer = { $inc: { seq: 1 }, $set: { ...set, waitingSince: null, unread: 0, handler: 'operator' } };
      const doc = await conversations
        .findOneAndUpdate({ ...match, ...fresh, handler: this.#connection.base.trusted({ $ne: 'assistant' }) }, answer, options())
        .lean<ConversationDoc>();
      if (doc) return { doc, changed: UNCHANGED };
      const taken = await conversations.findOneAndUpdate({ ...match, ...fresh, handler: 'assistant' }, answer, options()).lean<ConversationDoc>();
      if (taken) return { doc: taken, changed: TAKEN_OVER };
    } else {
      const update = { $inc: { seq: 1, unread: 1 }, $set: { ...set, visitorName: draft.sender.name, visitorNameKey: nameKey(draft.sender.name) } };
      const open = async (): Promise<Drawn | null> => {
        const doc = await conversations.findOneAndUpdate({ ...match, status: 'open', ...fresh }, update, options()).lean<ConversationDoc>();
        return doc && { doc, changed: UNCHANGED };
      };
      // Reopening: the conversation is answered as a new one would be, and the visitor waits afresh
      // from this message (unless the assistant answers).
      const reopen = async (): Promise<Drawn | null> => {
        const reopening = {
          $inc: { seq: 1, unread: 1 },
          $set: {
            ...update.$set,
            status: 'open',
            waitingSince: handler === 'assistant' ? null : draft.timestamp,
            reopenedBy: key,
            handler,
            handoff: null,
            assistantReplies: 0,
          },
        };
        const doc = await conversations.findOneAndUpdate({ ...match, status: 'resolved', ...fresh }, reopening, options()).lean<ConversationDoc>();
        return doc && { doc, changed: { created: false, reopened: true } };
      };
      const create = async (): Promise<Drawn | null> => {
        if (!('inbox' in target)) return null;
        const doc: ConversationDoc = {
          // Random and unguessable; every access is still checked against who asks.
          _id: randomBytes(12).toString('hex'),
          inbox: target.inbox,
          visitorId: target.visitor.id,
          visitorName: draft.sender.name,
          visitorNameKey: nameKey(draft.sender.name),
          status: 'open',
          assignee: null,
          lastMessage,
          unread: 1,
          visitorReadSeq: 0,
          operatorReadSeq: 0,
          waitingSince: handler === 'assistant' ? null : draft.timestamp,
          visitorLastSeenAt: null,
          unseenNotifiedSeq: 0,
          handler,
          handoff: null,
          assistantReplies: 0,
          resolvedAt: null,
          rating: null,
          createdAt: now,
          updatedAt: now,
          version,
          seq: 1,
          lastKey: key,
          notesSeq: 0,
          lastNoteKey: null,
          lastNoteId: null,
          createdBy: key,
          reopenedBy: null,
        };
        try {
          await conversations.collection.insertOne(doc as never, this.#ops.write());
          return { doc, changed: { created: true, reopened: false } };
        } catch (error) {
          // It exists: made by another first message meanwhile, or its last seq is this message's.
          if (isDuplicateKey(error)) return null;
          throw error;
        }
      };
      const expect = 'inbox' in target ? target.expect : undefined;
      const order = expect === 'new' ? [create, open, reopen] : expect === 'resolved' ? [reopen, open, create] : [open, create, reopen];
      for (const attempt of order) {
        const drawn = await attempt();
        if (drawn) return drawn;
      }
    }
    const current = await this.#findDoc(target);
    if (!current) return 'conversationId' in target ? 'missing' : 'changed meanwhile';
    if (!force && current.lastKey === key) return { repeat: current };
    // Its version is ahead of this process's clock (another node's runs ahead): catch up with it.
    nextVersion(current.version);
    return 'changed meanwhile';
  }

  /** Takes the next seq of a conversation's notes, which change nothing else. */
  async #drawNote(target: Extract<ConversationTarget, { conversationId: string }>, key: string, force: boolean): Promise<Drawn> {
    const doc = await this.#models.conversations
      .findOneAndUpdate(
        { ...this.#match(target), ...(force ? {} : { lastNoteKey: this.#connection.base.trusted({ $ne: key }) }) },
        { $inc: { notesSeq: 1 }, $set: { lastNoteKey: key, lastNoteId: this.#messageLog.newId() } },
        { returnDocument: 'after', sanitizeFilter: true, ...this.#ops.write() },
      )
      .lean<ConversationDoc>();
    if (doc) return { doc, changed: UNCHANGED };
    const current = await this.#findDoc(target);
    if (!current) return 'missing';
    return !force && current.lastNoteKey === key ? { repeat: current } : 'changed meanwhile';
  }

  /**
   * Stores the message under the seq `doc` gave it, then what the seq decides (the wait, the read
   * mark) and the counts. When another attempt stored it already, only the idempotent follow-ups
   * run, so that a retry finishes what its first attempt left undone, and `changed` is null: the
   * call that stored the message tells the hooks.
   */
  async #store(doc: ConversationDoc, draft: ConversationMessageDraft, changed: Changed): Promise<ConversationAppendResult | 'seq taken'> {
    const note = draft.note === true;
    const record = toConversationRecord(doc);
    const id = note ? doc.lastNoteId! : doc.lastMessage!.id;
    const stored = await this.#messageLog.storeAt({ ...draft, room: threadKey(record, note) }, id, note ? doc.notesSeq : doc.seq);
    if (stored === 'seq taken') return 'seq taken';
    if (note) return { ...stored, conversation: record, changed: stored.duplicate ? null : changed };
    const after = await this.#followUp(doc, draft);
    if (!stored.duplicate && changed.takenOver) {
      const { status, assignee } = doc;
      await this.#count(doc.inbox, countChanges({ status, assignee, handler: 'assistant' }, { status, assignee, handler: 'operator' }));
    }
    if (!stored.duplicate && (changed.created || changed.reopened)) {
      const before = changed.created ? null : { status: 'resolved' as const, assignee: doc.assignee, handler: doc.handler };
      await this.#count(doc.inbox, countChanges(before, { status: 'open', assignee: changed.created ? null : doc.assignee, handler: doc.handler }));
    }
    return { ...stored, conversation: toConversationRecord(after), changed: stored.duplicate ? null : changed };
  }

  /**
   * What needs the message's seq, so the update that took it could not do: a visitor's message
   * starts the wait when nobody was waiting (and the assistant does not answer); an operator's
   * marks everything up to it read. Each writes only what is still to do, and only while no later
   * message or change came.
   */
  async #followUp(doc: ConversationDoc, draft: ConversationMessageDraft): Promise<ConversationDoc> {
    const { role } = draft.sender;
    const change =
      role === 'visitor'
        ? doc.waitingSince || doc.handler === 'assistant'
          ? null
          : { waitingSince: draft.timestamp }
        : role === 'operator' && doc.operatorReadSeq < doc.seq
          ? { operatorReadSeq: doc.seq }
          : null;
    if (!change) return doc;
    const version = nextVersion(doc.version);
    const set = { ...change, updatedAt: new Date(), version };
    const done = await this.#models.conversations.updateOne(
      // Only over the conversation as the message left it: a later message or change decides for itself.
      { _id: doc._id, seq: doc.seq, version: doc.version },
      { $set: set },
      { sanitizeFilter: true, ...this.#ops.write() },
    );
    return done.modifiedCount === 1 ? { ...doc, ...set } : doc;
  }

  /**
   * Moves conversations between an inbox's tab counts, and counts the change (the counts' version).
   * The change itself is made already: should this write fail, the counts are off by it until
   * `recount()` (the store's `recountConversations`) mends them, rather than the change fail.
   */
  async #count(inbox: string, changes: Array<[key: string, change: 1 | -1]>): Promise<void> {
    if (changes.length === 0) return;
    const operations = [...changes, [COUNTS_VERSION_KEY, 1] as const].map(([key, change]) => ({
      updateOne: {
        filter: { _id: `${inbox}\u0000${key}` },
        update: { $inc: { n: change }, $setOnInsert: { inbox, key } },
        upsert: true,
      },
    }));
    await this.#models.counts.bulkWrite(operations, this.#ops.write()).catch(() => undefined);
  }

  /** What the message that took the last seq did: its first attempt wrote it down (see `ConversationDoc`). */
  #changedBy(doc: ConversationDoc, key: string): Changed {
    return { created: doc.createdBy === key, reopened: doc.reopenedBy === key };
  }

  #match(target: ConversationTarget | { inbox: string; visitorId: string }): Record<string, unknown> {
    if ('conversationId' in target) {
      const { conversationId, inboxes = '*' } = target;
      return inboxes === '*' ? { _id: conversationId } : { _id: conversationId, inbox: this.#connection.base.trusted({ $in: [...inboxes] }) };
    }
    return { inbox: target.inbox, visitorId: 'visitorId' in target ? target.visitorId : target.visitor.id };
  }

  #findDoc(target: ConversationTarget | { inbox: string; visitorId: string }): Promise<ConversationDoc | null> {
    return this.#models.conversations
      .findOne(this.#match(target))
      .setOptions({ sanitizeFilter: true, ...this.#ops.readCommitted() })
      .lean<ConversationDoc>()
      .exec();
  }

  #filter({ inboxes, status, assigneeId, handler }: Omit<ConversationQuery, 'before' | 'limit'>): Record<string, unknown> {
    const filter: Record<string, unknown> = {};
    if (inboxes !== '*') filter.inbox = this.#connection.base.trusted({ $in: [...inboxes] });
    if (status !== undefined) filter.status = status;
    if (assigneeId !== undefined) filter['assignee.id'] = assigneeId;
    // Nobody answers an unassigned conversation only while the assistant does not.
    if (assigneeId === null) filter.handler = this.#connection.base.trusted({ $ne: 'assistant' });
    if (handler !== undefined) filter.handler = handler;
    return filter;
  }
}
