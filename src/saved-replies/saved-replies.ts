import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { RepliesPayload, SavedReply } from '../protocol.js';
import type { InboxScope } from '../conversations/inbox-list.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import { parsePayload } from '../server/payloads.js';
import type { SavedReplyRecord, SavedReplyStore } from './store.js';

/** Replies one scope (an inbox or every inbox, the team's or one operator's) may hold. */
export const MAX_REPLIES_PER_SCOPE = 500;
/** Replies one list answers with, at most. */
const MAX_LISTED = 1000;

export interface SavedReplyInput {
  /** Changes the reply with this id; without it, a new one. */
  id?: string;
  shortcut: string;
  text: string;
  /** The inbox it is for. @default null: every inbox (for a change: as it was) */
  inbox?: string | null;
  /** An operator's id for their personal reply. @default null: the team's (for a change: as it was) */
  owner?: string | null;
}

/**
 * Saved replies from the host's own code: seed the team's, import them, or manage them from an
 * admin page. Errors are `ChatError`s (`VALIDATION`, `CONFLICT` for a shortcut its scope already
 * has, `NOT_FOUND`).
 *
 * @example
 * await chat.replies.save({ shortcut: 'hello', text: 'Hi {{visitor.name}}, I am {{operator.name}}. How can I help?' });
 */
export interface SavedRepliesApi {
  /** The team's replies usable in `inbox` (without it, all of them), and `owner`'s personal ones; by shortcut. */
  list(inbox?: string, options?: { owner?: string }): Promise<SavedReply[]>;
  save(reply: SavedReplyInput): Promise<SavedReply>;
  /** False when there was no such reply. */
  remove(id: string): Promise<boolean>;
}

const needsOperators = async (): Promise<never> => {
  throw new TypeError('parley-chat: chat.replies needs support conversations: pass `operators: { identify }` to createChatServer()');
};

/** `chat.replies` of a chat without support conversations. */
export const REPLIES_WITHOUT_OPERATORS: SavedRepliesApi = { list: needsOperators, save: needsOperators, remove: needsOperators };

/** Who acts: the host's code may do anything; an operator what `identify` allows. */
type Actor = { operatorId: string; scope: InboxScope; manageTeam: boolean } | 'host';

/**
 * The team's saved replies, shared by `chat.replies` and the operators' `replies` event: the
 * checks of who may see and change which, a bound per scope, and saves that a retry repeats
 * safely (the same shortcut and text in the same scope is the reply saved before).
 */
export class SavedReplies {
  readonly #ctx: ChatContext;
  readonly #store: SavedReplyStore;
  readonly #checkInbox: (inbox: string) => void;

  /** `checkInbox` refuses an inbox the chat does not have (see `operators.inboxes`). */
  constructor(ctx: ChatContext, store: SavedReplyStore, checkInbox: (inbox: string) => void) {
    this.#ctx = ctx;
    this.#store = store;
    this.#checkInbox = checkInbox;
  }

  init(): Promise<void> {
    return this.#store.init();
  }

  async list(actor: Actor, inbox?: string | undefined, owner?: string): Promise<SavedReply[]> {
    const inboxes = actor === 'host' ? (inbox === undefined ? '*' : [inbox]) : this.#readable(actor, inbox);
    const records = await this.#store.list({ inboxes, owner: actor === 'host' ? owner : actor.operatorId, limit: MAX_LISTED });
    return records.map(publicReply);
  }

  /**
   * Saves a new reply, or with `id` changes one; for a change, `inbox` or `owner` left undefined
   * stay as they are (a new reply is the team's, for every inbox, unless they say otherwise).
   */
  async save(
    actor: Actor,
    input: { id?: string | undefined; shortcut: string; text: string; inbox: string | null | undefined; owner: string | null | undefined },
  ): Promise<SavedReply> {
    const now = new Date();
    if (input.id !== undefined) {
      const current = await this.#store.get(input.id);
      if (!current || !this.#mayChangeQuietly(actor, current)) throw new ChatError('NOT_FOUND', 'There is no such saved reply');
      const scope = { inbox: input.inbox === undefined ? current.inbox : input.inbox, owner: input.owner === undefined ? current.owner : input.owner };
      this.#checkScope(actor, scope);
      if (current.inbox !== scope.inbox || current.owner !== scope.owner) await this.#roomFor(scope);
      const record: SavedReplyRecord = { ...current, ...scope, shortcut: input.shortcut, text: input.text, updatedAt: now };
      const replaced = await this.#store.replace(record);
      if (replaced === null) throw new ChatError('NOT_FOUND', 'There is no such saved reply');
      if (!replaced) throw taken(input.shortcut);
      return publicReply(record);
    }
    const wanted = { shortcut: input.shortcut, text: input.text, inbox: input.inbox ?? null, owner: input.owner ?? null };
    this.#checkScope(actor, wanted);
    const existing = await this.#store.byShortcut(wanted);
    // The same reply saved again (a retry whose answer was lost) is the one saved before.
    if (existing) {
      if (existing.text === wanted.text) return publicReply(existing);
      throw taken(wanted.shortcut);
    }
    await this.#roomFor(wanted);
    const record: SavedReplyRecord = { id: randomBytes(9).toString('base64url'), ...wanted, createdAt: now, updatedAt: now };
    if (await this.#store.insert(record)) return publicReply(record);
    // Saved meanwhile by someone else, or by a retry of this save.
    const raced = await this.#store.byShortcut(wanted);
    if (raced?.text === wanted.text) return publicReply(raced);
    throw taken(wanted.shortcut);
  }

  /** The scope a reply is saved into: an inbox the chat has, and one the actor may manage. */
  #checkScope(actor: Actor, scope: Pick<SavedReplyRecord, 'inbox' | 'owner'>): void {
    if (scope.inbox !== null) this.#checkInbox(scope.inbox);
    this.#mayChange(actor, scope);
  }

  async remove(actor: Actor, id: string): Promise<boolean> {
    const current = await this.#store.get(id);
    if (!current) return false;
    if (!this.#mayChangeQuietly(actor, current)) {
      // Another operator's personal reply is not there for this one; the team's needs the permission.
      if (current.owner !== null || actor === 'host' || !this.#mayRead(actor, current.inbox)) return false;
      this.#mayChange(actor, current);
    }
    return this.#store.remove(id);
  }

  /** The operators' `replies` event: every action answers with their list, as `list` gives it. */
  async operatorEvent(actor: Exclude<Actor, 'host'>, payload: unknown): Promise<{ replies: SavedReply[]; reply?: SavedReply }> {
    const request = parsePayload(this.#ctx.payloads.operators.replies, payload) as RepliesPayload;
    if (request.action === 'list') return { replies: await this.list(actor, request.inbox) };
    if (request.action === 'remove') {
      if (!(await this.remove(actor, request.id))) throw new ChatError('NOT_FOUND', 'There is no such saved reply');
      return { replies: await this.list(actor) };
    }
    const reply = await this.save(actor, {
      id: request.id,
      shortcut: request.shortcut,
      text: request.text,
      inbox: request.inbox,
      // Changing a reply without saying whose it is keeps it whose it was.
      owner: request.personal === undefined ? (request.id === undefined ? null : undefined) : request.personal ? actor.operatorId : null,
    });
    return { reply, replies: await this.list(actor) };
  }

  api(): SavedRepliesApi {
    const ops = this.#ctx.payloads.operators;
    const owner = z.string().min(1).max(128);
    return {
      list: async (inbox, options = {}) => {
        const parsed = parsePayload(ops.replies, { action: 'list', inbox }) as { inbox?: string };
        return this.list('host', parsed.inbox, options.owner === undefined ? undefined : parsePayload(owner, options.owner));
      },
      save: async (input) => {
        const parsed = parsePayload(ops.replies, { action: 'save', id: input?.id, shortcut: input?.shortcut, text: input?.text, inbox: input?.inbox }) as Extract<RepliesPayload, { action: 'save' }>;
        const by = input.owner === undefined || input.owner === null ? input.owner : parsePayload(owner, input.owner);
        return this.save('host', { id: parsed.id, shortcut: parsed.shortcut, text: parsed.text, inbox: parsed.inbox, owner: by });
      },
      remove: async (id) => {
        const parsed = parsePayload(ops.replies, { action: 'remove', id }) as { id: string };
        return this.remove('host', parsed.id);
      },
    };
  }

  #readable(actor: Exclude<Actor, 'host'>, inbox?: string): readonly string[] | '*' {
    if (inbox === undefined) return actor.scope.inboxes;
    if (!this.#mayRead(actor, inbox)) throw new ChatError('FORBIDDEN', `You may not read the inbox "${inbox}"`);
    return [inbox];
  }

  #mayRead(actor: Exclude<Actor, 'host'>, inbox: string | null): boolean {
    return inbox === null || actor.scope.inboxes === '*' || actor.scope.inboxes.includes(inbox);
  }

  /** Refuses, with the reason, a change of a reply (or into a scope) the actor may not make. */
  #mayChange(actor: Actor, reply: Pick<SavedReplyRecord, 'inbox' | 'owner'>): void {
    if (actor === 'host') return;
    if (!this.#mayRead(actor, reply.inbox)) throw new ChatError('FORBIDDEN', `You may not read the inbox "${reply.inbox}"`);
    if (reply.owner === null && !actor.manageTeam) throw new ChatError('FORBIDDEN', "Managing the team's saved replies needs the replies permission");
  }

  #mayChangeQuietly(actor: Actor, reply: SavedReplyRecord): boolean {
    if (actor === 'host') return true;
    if (reply.owner !== null) return reply.owner === actor.operatorId;
    return actor.manageTeam && this.#mayRead(actor, reply.inbox);
  }

  async #roomFor(scope: Pick<SavedReplyRecord, 'inbox' | 'owner'>): Promise<void> {
    if ((await this.#store.count(scope)) >= MAX_REPLIES_PER_SCOPE) {
      throw new ChatError('VALIDATION', `A scope holds at most ${MAX_REPLIES_PER_SCOPE} saved replies`, { fields: { shortcut: 'Remove a reply you no longer use first' } });
    }
  }
}

function taken(shortcut: string): ChatError {
  return new ChatError('CONFLICT', `There is already a saved reply /${shortcut} here`);
}

function publicReply(record: SavedReplyRecord): SavedReply {
  return { id: record.id, shortcut: record.shortcut, text: record.text, inbox: record.inbox, owner: record.owner, updatedAt: record.updatedAt.toISOString() };
}
