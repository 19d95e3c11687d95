import type { ChatFile, ChatMessage, ConversationHandler, Sender } from '../protocol.js';
import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import { SharedAttempts } from '../server/shared-attempts.js';
import type { Visitor } from '../server/options.js';
import type { ConversationAppendResult, ConversationRecord, ConversationTarget } from '../stores/types.js';
import type { ConversationService, OperatorPost } from './service.js';
import { asNote } from './views.js';
import { conversationMessagePublished } from '../webhooks/events.js';

/** How a message is sent: the socket that sent it (its other tabs get it live), and whether it is a retry. */
export interface PostOptions {
  /** The sending socket, which has the message in its ack: it is not sent the broadcast. */
  exceptSocket?: string | undefined;
  /** The client says it sent this message before: the store looks for it first. */
  retry?: boolean | undefined;
  /** Files the message sends, claimed for it (see `ChatFiles.claim`). */
  files?: ChatFile[] | undefined;
}

/**
 * Messages into support conversations, from visitors, operators and the host's code. Each is
 * stored through the store's one call that takes its seq and folds it into the conversation,
 * inside the conversation's queue (so that this node broadcasts in seq order), and then
 * delivered, published and told to the hooks.
 *
 * What follows storing is idempotent, and a retry does it again: a retry of a message that is
 * stored already delivers it and publishes its conversation once more (clients keep messages by
 * id and conversations by version, so nothing shows twice), so a first attempt that stored the
 * message and then failed (a failover, this node killed) is finished by the retry. The hooks of
 * a message run on the call that stored it, which may be a retry finishing a first attempt's work.
 * Identical sends in flight on this node share one attempt.
 */
export class ConversationPosts {
  readonly #ctx: ChatContext;
  readonly #service: ConversationService;
  /** Sends in flight on this node, by conversation, sender and clientId. */
  readonly #attempts = new SharedAttempts<PostResult>((result) => ({ ...result, duplicate: true, changed: null }));

  constructor(ctx: ChatContext, service: ConversationService) {
    this.#ctx = ctx;
    this.#service = service;
  }

  /**
   * A visitor's message: their first creates their conversation, one on a resolved conversation
   * reopens it. `expect` is what this visitor last saw of their conversation, for the store.
   */
  visitor(
    visitor: Visitor,
    target: {
      inbox: string;
      known?: { id: string; status: 'open' | 'resolved' } | null | undefined;
      /** Who answers the conversation if this message opens it. */
      handler?: ConversationHandler | undefined;
    },
    text: string,
    clientId: string,
    options: PostOptions = {},
  ): Promise<PostResult> {
    const sender: Sender = { id: visitor.id, name: visitor.name, role: 'visitor' };
    const { inbox, known, handler } = target;
    const expect = known === undefined ? undefined : known === null ? 'new' : known.status;
    const where: ConversationTarget = { inbox, visitor: { id: visitor.id, name: visitor.name }, expect, handler };
    // The conversation's own queue when it is known, as for the operators' messages.
    return this.#post(known?.id ?? `${inbox}\u0000${visitor.id}`, where, { sender, text, clientId }, options);
  }

  /**
   * An operator's (or the host's bot's) message or note, with the same idempotency as visitors',
   * to a conversation in one of `inboxes` (else NOT_FOUND, as for one that does not exist).
   */
  operator(conversationId: string, inboxes: readonly string[] | '*', post: OperatorPost, options: PostOptions = {}): Promise<PostResult> {
    const sender: Sender = { id: this.#service.senderId(post.as.id), name: post.as.name, role: 'operator' };
    const note = post.note === true;
    return this.#post(conversationId, { conversationId, inboxes }, { sender, text: post.message, clientId: post.clientId, note }, options);
  }

  /**
   * The start of an assistant's reply, `streaming` and empty: it takes its seq now, so messages
   * sent while it streams come after it. `clientId` names what it answers, so one visitor message
   * gets one reply, however many nodes or retries try.
   */
  assistantReply(conversationId: string, sender: Sender, clientId: string): Promise<PostResult> {
    return this.#post(conversationId, { conversationId }, { sender, text: '', clientId, status: 'streaming' }, {});
  }

  /** One attempt per identical send in flight; the queue of the conversation (by inbox and visitor) around it. */
  #post(queueKey: string, where: ConversationTarget, draft: Draft, options: PostOptions): Promise<PostResult> {
    const key = `${queueKey}\u0000${draft.note ? 'note' : ''}\u0000${draft.sender.id}\u0000${draft.clientId}`;
    const { threadQueue, options: chatOptions } = this.#ctx;
    return this.#attempts.run(key, () =>
      threadQueue.run(queueKey, () => this.#store(where, draft, options), { deadline: Date.now() + chatOptions.limits.storageTimeoutMs }),
    );
  }

  async #store(where: ConversationTarget, draft: Draft, options: PostOptions): Promise<PostResult> {
    const stored = await this.#ctx.store.appendToConversation(
      where,
      { sender: draft.sender, message: draft.text, clientId: draft.clientId, timestamp: new Date(), note: draft.note, status: draft.status, files: options.files },
      { retry: options.retry === true },
    );
    if (!stored) throw new ChatError('NOT_FOUND', 'There is no such conversation');
    const result = toResult(stored, draft.note === true);
    // A repeat is delivered again only when the client says it is a retry: its first attempt may
    // have stored it and failed before delivering it. Two sends at once are simply one.
    if (result.duplicate && options.retry !== true) return result;
    if (draft.note) {
      this.#service.deliverNote(result.conversation, result.message, options.exceptSocket);
      return result;
    }
    this.#service.delivered(result, options.exceptSocket);
    // Written before the answer: an acknowledged message has its events in the outbox.
    const { webhooks } = this.#ctx;
    if (webhooks) await conversationMessagePublished(webhooks, result.message, this.#service.summary(result.conversation));
    return result;
  }
}

interface Draft {
  sender: Sender;
  text: string;
  clientId: string;
  note?: boolean;
  status?: 'streaming';
}

export interface PostResult {
  message: ChatMessage;
  conversation: ConversationRecord;
  /** The message was stored before (by an earlier attempt): it was delivered again, and no hook ran. */
  duplicate: boolean;
  /** What the message did, on the call that stored it; null for a duplicate. */
  changed: ConversationAppendResult['changed'];
}

function toResult(stored: ConversationAppendResult, note: boolean): PostResult {
  return {
    message: note ? asNote(stored.message) : stored.message,
    conversation: stored.conversation,
    duplicate: stored.duplicate,
    changed: stored.changed,
  };
}
