import { escapeRegex } from '../escape-regex.js';
import type { ConversationService } from '../conversations/service.js';
import { uploaderOf } from '../files/records.js';
import type { ChatMessage, EraseMode, ErasedCounts } from '../protocol.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import { threadKey } from '../stores/conversation-rules.js';
import type { ChatStore, ConversationChange, ConversationRecord, UserRecord } from '../stores/types.js';

/** The name an anonymised conversation shows for its visitor. */
export const ERASED_VISITOR_NAME = 'Erased visitor';
/** What replaces the visitor's name, email and phone in the team's messages and notes. */
const ERASED_MENTION = '[erased]';
/** Messages read or changed per round trip. */
const PAGE = 200;
const DELETE_ATTEMPTS = 5;
/** An erasure begun this long ago and not finished was cut short (none takes this long). */
const UNFINISHED_ERASURE_MS = 10 * 60 * 1000;
/** Beyond the storage timeout, for clocks of different nodes. */
const LATE_WRITE_MARGIN_MS = 5000;

const ANONYMOUS_VISITOR = /^v_[A-Za-z0-9_-]{22}$/;
const HOST_USER = /^user:.{1,128}$/s;

/** Whether `visitorId` is one the chat gives out: an anonymous `v_…` id, or `user:<id>`. */
export function isVisitorId(visitorId: unknown): visitorId is string {
  return typeof visitorId === 'string' && (ANONYMOUS_VISITOR.test(visitorId) || HOST_USER.test(visitorId));
}

/** Every message of a thread, a page at a time, oldest first. */
export async function* threadPages(store: ChatStore, room: string): AsyncGenerator<ChatMessage[]> {
  let after = 0;
  for (;;) {
    const page = await store.listMessages({ room, after, limit: PAGE });
    if (page.messages.length > 0) yield page.messages;
    if (!page.hasMore || page.messages.length === 0) return;
    after = page.messages.at(-1)!.seq;
  }
}

/** What a deleted conversation took with it. */
export interface DeletedConversation {
  deleted: boolean;
  messages: number;
  files: number;
}

/**
 * Erasing a visitor (`chat.privacy.eraseVisitor`), and deleting a conversation whole (by its
 * visitor, by erasure, by retention). Each step is safe to repeat and to run on two nodes at
 * once: the visitor is marked erased first, so their tokens stop working and every later step
 * can be run again by a retry; their details go last, since the other steps need them to find
 * what names the visitor.
 */
export class Erasure {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService | undefined;

  constructor(ctx: ChatContext, service: ConversationService | undefined) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /** The ids the visitor's messages carry: their visitor id, and in public rooms their public one. */
  senderIds(visitorId: string): string[] {
    return [...new Set([visitorId, this.#ctx.tokens.publicId(visitorId)])];
  }

  async eraseVisitor(visitorId: string, mode: EraseMode): Promise<ErasedCounts> {
    const { store } = this.#ctx;
    const counts: ErasedCounts = { messages: 0, conversations: 0, files: 0, users: 0, consents: 0 };
    const erasedAt = new Date();
    await store.markErased(visitorId, erasedAt, mode);
    this.#forget(visitorId);
    const user = await store.getUser(visitorId);
    await this.#eraseTraces(visitorId, mode, user, counts);
    // A tab whose handshake was under way when the erasure began may have connected, and written,
    // since: it is told too, and what it wrote goes the same way.
    this.#forget(visitorId);
    await this.#eraseTraces(visitorId, mode, user, counts);
    counts.consents = await store.deleteConsents(visitorId);
    counts.users = await store.deleteUser(visitorId);
    await store.markErased(visitorId, erasedAt, null);
    return counts;
  }

  /**
   * Finishes what failures cut short: erasures begun over ten minutes ago and not finished, and
   * conversations whose deletion began and whose messages may remain. Resolves how many it took up.
   */
  async finishInterrupted(): Promise<number> {
    const { store, options } = this.#ctx;
    // Each on its own: one that fails again is reported, and the next sweep tries it again.
    const each = async <T>(items: T[], finish: (item: T) => Promise<unknown>) => {
      for (const item of items) await finish(item).catch((error: unknown) => this.#ctx.report(error));
    };
    const erasures = await store.unfinishedErasures(new Date(Date.now() - UNFINISHED_ERASURE_MS), PAGE);
    await each(erasures, ({ visitorId, mode }) => this.eraseVisitor(visitorId, mode));
    // A message that took its seq just before its conversation went may land up to a write's timeout later.
    const deletions = await store.pendingDeletions(new Date(Date.now() - options.limits.storageTimeoutMs - LATE_WRITE_MARGIN_MS), PAGE);
    await each(deletions, async ({ conversationId, inbox }) => {
      if (!(await store.getConversation(conversationId))) await this.#deleteThreads({ id: conversationId, inbox });
      await store.endDeletion(conversationId);
    });
    return erasures.length + deletions.length;
  }

  /** Their conversations (deleted or anonymised), what they wrote in rooms, and their files. */
  async #eraseTraces(visitorId: string, mode: EraseMode, user: UserRecord | null, counts: ErasedCounts): Promise<void> {
    const conversations = await this.#ctx.store.visitorConversations(visitorId);
    const mentions = mentionPattern(user, conversations);
    for (const record of conversations) {
      const removed = mode === 'delete' ? await this.deleteConversation(record) : await this.#anonymize(record, mentions);
      counts.messages += removed.messages;
      counts.files += removed.files;
      if (removed.deleted) counts.conversations++;
    }
    const found = await this.#eraseWrittenBy(this.senderIds(visitorId));
    counts.messages += found.messages;
    counts.files += found.files;
    counts.files += await this.#removeFiles(async () => (await this.#ctx.files?.uploadedBy(uploaderOf({ visitorId }), PAGE))?.map((record) => record.id) ?? []);
  }

  /**
   * Deletes a conversation whole and tells the inbox's operators and the visitor's tabs. The
   * conversation goes first (a message sent meanwhile then starts a new one, never lands in a
   * conversation half deleted), then its messages, notes and files; the deletion is noted before,
   * so that one cut short is finished (see `finishInterrupted`). `stillDue` (retention) is asked
   * of the conversation as it is at each attempt: one that changed so as not to be due is kept.
   */
  async deleteConversation(record: ConversationRecord, stillDue?: (current: ConversationRecord) => boolean): Promise<DeletedConversation> {
    const { store } = this.#ctx;
    this.#service?.assistant?.stop(record);
    await store.beginDeletion({ conversationId: record.id, inbox: record.inbox, at: new Date() });
    let current: ConversationRecord | null = record;
    let deleted = false;
    for (let attempt = 0; attempt < DELETE_ATTEMPTS && current && !deleted; attempt++) {
      if (stillDue && !stillDue(current)) break;
      deleted = await store.deleteConversation(current);
      if (!deleted) current = await store.getConversation(record.id);
    }
    if (current && !deleted) {
      // Still there, and nothing of it deleted: no longer due, or too busy to catch still.
      await store.endDeletion(record.id);
      if (stillDue && !stillDue(current)) return { deleted: false, messages: 0, files: 0 };
      throw new ChatError('STORAGE_UNAVAILABLE', 'This conversation is busy; try again', { retryable: true });
    }
    const removed = await this.#deleteThreads(record);
    if (deleted) {
      this.#ctx.operatorNamespace().to([channels.inboxOperators(record.inbox), channels.inboxOperators('*')]).emit('conversationDeleted', { conversationId: record.id, inbox: record.inbox });
      this.#ctx.visitorNamespace().to(channels.conversationVisitor(record.inbox, record.visitorId)).emit('conversationDeleted', { inbox: record.inbox });
      this.#service?.conversationDeleted(record);
    }
    // The noted deletion stays until no message can land late in it (see `finishInterrupted`).
    return { deleted, ...removed };
  }

  /** A deleted conversation's messages and notes, with their files (first, so a failure leaves the messages that name them). */
  async #deleteThreads(conversation: { id: string; inbox: string }): Promise<{ messages: number; files: number }> {
    const { store } = this.#ctx;
    let messages = 0;
    let files = 0;
    for (const notes of [false, true]) {
      const room = threadKey(conversation, notes);
      for await (const page of threadPages(store, room)) {
        messages += page.filter((message) => !message.erased).length;
        files += await this.#removeFiles(filesOf(page));
      }
      await store.deleteThread(room);
    }
    return { messages, files };
  }

  /**
   * Keeps a conversation for the team without its visitor: their messages become tombstones, the
   * team's words that name them lose the name, and the conversation forgets who it was with.
   */
  async #anonymize(record: ConversationRecord, mentions: RegExp | null): Promise<DeletedConversation> {
    const { store } = this.#ctx;
    this.#service?.assistant?.stop(record);
    let messages = 0;
    let files = 0;
    for (const notes of [false, true]) {
      for await (const page of threadPages(store, threadKey(record, notes))) {
        const theirs = notes ? [] : page.filter((message) => message.sender.role === 'visitor' && !message.erased);
        files += await this.#removeFiles(filesOf(theirs));
        const erased = await store.eraseMessages(theirs.map((message) => message.id));
        messages += erased;
        if (theirs.length > 0) this.#tellErased(theirs);
        for (const message of page) {
          if (theirs.includes(message) || !mentions) continue;
          const text = message.message.replace(mentions, ERASED_MENTION);
          if (text !== message.message) await store.rewriteMessage(message.id, text);
        }
      }
    }
    const anonymised = await this.#change(record.id, (current): ConversationChange | null => {
      if (current.visitorId !== record.visitorId) return null;
      const last = current.lastMessage;
      return {
        visitorId: `erased:${current.id}`,
        visitorName: ERASED_VISITOR_NAME,
        visitorLastSeenAt: null,
        visitorReadSeq: 0,
        // Its summary is the assistant's account of what they said; its reason may name them too.
        // What they wrote with their rating is theirs; the score stays for the team's figures.
        rating: current.rating && { ...current.rating, comment: null },
        handoff: current.handoff && { reason: mentions ? current.handoff.reason.replace(mentions, ERASED_MENTION) : current.handoff.reason, by: current.handoff.by, at: current.handoff.at },
        ...(last?.sender.role === 'visitor' ? { lastMessage: tombstoneOf(last) } : {}),
        ...(last && last.sender.role !== 'visitor' && mentions ? { lastMessage: { ...last, message: last.message.replace(mentions, ERASED_MENTION) } } : {}),
      };
    });
    return { deleted: anonymised, messages, files };
  }

  /** Tombstones for what `senderIds` wrote that is still there; its files deleted first. */
  async #eraseWrittenBy(senderIds: string[]): Promise<{ messages: number; files: number }> {
    const { store } = this.#ctx;
    let messages = 0;
    let files = 0;
    let after: string | undefined;
    for (;;) {
      // Paged by id, not by what is left: a page another node erased first is passed, not taken for the end.
      const page = await store.messagesBySender(senderIds, after, PAGE);
      if (page.length === 0) break;
      files += await this.#removeFiles(filesOf(page));
      messages += await store.eraseMessages(page.map((message) => message.id));
      this.#tellErased(page);
      if (page.length < PAGE) break;
      after = page.at(-1)!.id;
    }
    return { messages, files };
  }

  /** Clients showing these messages drop their text: in rooms, and operators with the conversation open. */
  #tellErased(messages: ChatMessage[]): void {
    const byRoom = new Map<string, number[]>();
    for (const message of messages) byRoom.set(message.room, [...(byRoom.get(message.room) ?? []), message.seq]);
    for (const [room, seqs] of byRoom) {
      const [, conversationId] = room.split('/');
      if (conversationId === undefined) this.#ctx.visitorNamespace().to(channels.room(room)).emit('erased', { room, seqs });
      else this.#ctx.operatorNamespace().to(channels.openConversation(conversationId)).emit('erased', { conversationId, seqs });
    }
  }

  /** The visitor's tabs, on every node: told to forget everything, then disconnected. */
  #forget(visitorId: string): void {
    const namespace = this.#ctx.visitorNamespace();
    namespace.to(channels.visitor(visitorId)).emit('forgotten');
    namespace.in(channels.visitor(visitorId)).disconnectSockets(true);
  }

  /** Deletes the files `next` lists until it lists none; resolves how many. */
  async #removeFiles(next: string[] | (() => Promise<string[]>)): Promise<number> {
    const files = this.#ctx.files;
    if (!files) return 0;
    let removed = 0;
    for (;;) {
      const ids = typeof next === 'function' ? await next() : next;
      for (const id of ids) await files.remove(id);
      removed += ids.length;
      if (typeof next !== 'function' || ids.length < PAGE) return removed;
    }
  }

  async #change(id: string, compute: (current: ConversationRecord) => ConversationChange | null): Promise<boolean> {
    if (this.#service) {
      let changed = false;
      await this.#service.change(id, (current) => {
        const change = compute(current);
        changed = change !== null;
        return change;
      });
      return changed;
    }
    const { store } = this.#ctx;
    for (let attempt = 0; attempt < DELETE_ATTEMPTS; attempt++) {
      const current = await store.getConversation(id);
      const change = current && compute(current);
      if (!current || !change) return false;
      if (await store.updateConversation(id, current.version, change)) return true;
    }
    throw new ChatError('STORAGE_UNAVAILABLE', 'This conversation is busy; try again', { retryable: true });
  }
}

function filesOf(messages: ChatMessage[]): string[] {
  return messages.flatMap((message) => message.files?.map((file) => file.id) ?? []);
}

function tombstoneOf(message: ChatMessage): ChatMessage {
  const { files: _files, citations: _citations, status: _status, ...rest } = message;
  return { ...rest, message: '', sender: { id: '', name: '', role: message.sender.role }, erased: true };
}

/**
 * What names the visitor in the team's words: their name (as a whole word), email and phone, and
 * the names their conversations showed. Null when there is nothing to look for.
 */
function mentionPattern(user: UserRecord | null, conversations: ConversationRecord[]): RegExp | null {
  const names = [user?.name, ...conversations.map((record) => record.visitorName)].filter((name): name is string => !!name && name.trim().length >= 2);
  const exact = [user?.email, user?.phone].filter((value): value is string => !!value);
  const escape = (text: string) => escapeRegex(text.trim());
  const parts = [
    ...[...new Set(names)].map((name) => `(?<![\\p{L}\\p{N}])${escape(name)}(?![\\p{L}\\p{N}])`),
    ...[...new Set(exact)].map(escape),
  ];
  return parts.length ? new RegExp(parts.join('|'), 'giu') : null;
}
