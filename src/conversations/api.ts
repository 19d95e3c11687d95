import { z } from 'zod';
import type {
  Assignee,
  ChatMessage,
  ConversationCounts,
  ConversationStatus,
  ConversationSummary,
  ConversationVisitor,
  SearchHit,
} from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import type { InboxScope } from './inbox-list.js';
import { searchConversations } from './search.js';
import type { ConversationService } from './service.js';
import { parsePayload } from '../server/payloads.js';

export interface ConversationListQuery {
  /** One inbox; without it, all of them. */
  inbox?: string;
  /** @default 'open' */
  status?: ConversationStatus;
  /** An operator's id, `null` for unassigned; without it, any. */
  assignee?: string | null;
  /** The `version` of the previous page's last conversation. */
  before?: number;
  /** @default limits.pageSize */
  limit?: number;
}

export interface ConversationSend {
  message: string;
  /** Makes a retry safe: the same clientId from the same sender is stored once. */
  clientId: string;
  /** Who writes, by your id and the display name visitors see: an operator, or a bot. */
  as: { id: string; name: string };
  /** A note, which only operators see. */
  note?: boolean;
}

/**
 * Support conversations from the host's own code: a bot, a Slack bridge, a back office. Calls act
 * with every inbox in reach and publish exactly what the same operator action over the socket
 * does (events to operators and the visitor, hooks). Errors are `ChatError`s.
 *
 * @example
 * const { conversations } = await chat.conversations.list({ inbox: 'support', assignee: null });
 * for (const conversation of conversations) {
 *   await chat.conversations.send(conversation.id, {
 *     message: 'Thanks for writing! Someone will be with you shortly.',
 *     clientId: `welcome-${conversation.id}`,
 *     as: { id: 'bot', name: 'Shop bot' },
 *   });
 * }
 */
export interface ConversationsApi {
  list(query?: ConversationListQuery): Promise<{
    conversations: ConversationSummary[];
    hasMore: boolean;
    version: number;
    counts: ConversationCounts;
  }>;
  /** What changed after `since` (a `version` from `list` or `changes`), oldest first. */
  changes(since: number, inbox?: string): Promise<{ conversations: ConversationSummary[]; hasMore: boolean; version: number }>;
  /** The conversation and its visitor's details, or null. */
  get(id: string): Promise<{ conversation: ConversationSummary; visitor: ConversationVisitor } | null>;
  /** A page of its messages (or notes), oldest first: the latest, `before` a seq, or `after` one. */
  messages(
    id: string,
    query?: { before?: number; after?: number; limit?: number; notes?: boolean },
  ): Promise<{ messages: ChatMessage[]; hasMore: boolean }>;
  send(id: string, send: ConversationSend): Promise<ChatMessage>;
  /** Assigns to `to` (null: nobody); with `expected`, only if it is still assigned to that id (else `CONFLICT`). */
  assign(id: string, to: Assignee | null, expected?: string | null): Promise<ConversationSummary>;
  /**
   * Finds conversations in every inbox: by message text (every word), by visitor name, email or
   * id, or by conversation id; newest first, one hit per conversation. `before` and `since`
   * (Dates or ISO 8601) bound the hits' times; for the next page send the same query with the answer's `cursor`.
   */
  search(query: {
    text?: string;
    visitor?: string;
    inbox?: string;
    status?: ConversationStatus;
    before?: Date | string;
    since?: Date | string;
    limit?: number;
    /** The previous page's `cursor`. */
    cursor?: string;
  }): Promise<{ conversations: SearchHit[]; hasMore: boolean; cursor: string | null }>;
  /** Resolves or reopens; with ratings on, `skipRating` resolves without asking the visitor to rate. */
  setStatus(id: string, status: ConversationStatus, options?: { skipRating?: boolean }): Promise<ConversationSummary>;
}

const EVERY_INBOX: InboxScope = { inboxes: '*' };

export function createConversationsApi(ctx: ChatContext, service: ConversationService | undefined): ConversationsApi {
  const required = (): ConversationService => {
    if (!service) {
      throw new TypeError('parley-chat: chat.conversations needs support conversations: pass `operators: { identify }` to createChatServer()');
    }
    return service;
  };
  const ops = ctx.payloads.operators;
  const { limits } = ctx.options;
  const id = z.string().min(1).max(64);
  const person = z.object({ id: z.string().min(1).max(128), name: z.string().trim().min(1).max(100) });

  return {
    async list(query = {}) {
      const parsed = parsePayload(ops.inbox, { inbox: query.inbox, status: query.status, before: query.before, limit: query.limit });
      const assignee = query.assignee === undefined ? undefined : parsePayload(z.string().min(1).max(128).nullable(), query.assignee);
      return required().inboxes.list(EVERY_INBOX, {
        inbox: parsed.inbox,
        status: parsed.status ?? 'open',
        assigneeId: assignee,
        before: parsed.before,
        limit: parsed.limit ?? limits.pageSize,
      });
    },
    async changes(since, inbox) {
      const parsed = parsePayload(ops.changes, { since, inbox });
      return required().inboxes.changes(EVERY_INBOX, parsed.since, parsed.inbox);
    },
    async get(conversationId) {
      const record = await ctx.store.getConversation(parsePayload(id, conversationId));
      if (!record) return null;
      const visitor = await required().visitorDetails(record);
      return { conversation: required().summary(record, visitor.online), visitor };
    },
    async messages(conversationId, query = {}) {
      const record = await required().get(EVERY_INBOX, parsePayload(id, conversationId));
      const page = z.object({
        before: z.number().int().min(1).optional(),
        after: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(limits.catchUpLimit).optional(),
      });
      const { before, after, limit } = parsePayload(page, query);
      return required().messages(
        record,
        { ...(before === undefined ? {} : { before }), ...(after === undefined ? {} : { after }), limit: limit ?? limits.pageSize },
        query.notes === true,
      );
    },
    async send(conversationId, send) {
      const { message, clientId, note } = parsePayload(ops.message, { conversationId, ...send });
      const as = parsePayload(person, send?.as);
      return (await required().posts.operator(conversationId, '*', { message, clientId, note, as })).message;
    },
    async assign(conversationId, to, expected) {
      const assignee = to === null ? null : parsePayload(person, to);
      const expectedId = expected === undefined ? undefined : parsePayload(z.string().min(1).max(128).nullable(), expected);
      const updated = await required().assign(EVERY_INBOX, parsePayload(id, conversationId), assignee, expectedId);
      return required().summary(updated);
    },
    async search(query) {
      // An invalid Date is refused as the string it prints, not thrown at.
      const iso = (value: unknown) => (value instanceof Date ? (Number.isNaN(value.getTime()) ? String(value) : value.toISOString()) : value);
      const parsed = parsePayload(ops.search, { ...query, before: iso(query?.before), since: iso(query?.since) });
      return searchConversations(ctx, required(), EVERY_INBOX, parsed);
    },
    async setStatus(conversationId, status, options = {}) {
      const parsed = parsePayload(ops.status, { conversationId, status, skipRating: options.skipRating });
      return required().summary(await required().setStatus(EVERY_INBOX, parsed.conversationId, parsed.status, parsed.skipRating));
    },
  };
}
