import { OnlineCounter } from '../cluster/online-counter.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import type { ConversationRecord } from '../stores/types.js';

/**
 * Who is online in support conversations, across nodes: the operators of each inbox (the team
 * the visitor is told about), and each conversation's visitor (shown to the operators).
 */
export class ConversationsOnline {
  readonly #ctx: ChatContext;
  readonly #operators: OnlineCounter;
  readonly #visitors: OnlineCounter;
  /**
   * Conversations whose visitor is online, as this node learned it (from its own sockets and
   * from the other nodes); a visitor who left is dropped, so it only holds who is here now.
   */
  readonly #visitorOnline = new Set<string>();

  constructor(ctx: ChatContext) {
    this.#ctx = ctx;
    this.#operators = new OnlineCounter(() => ctx.operatorNamespace(), (data) => data.operatorId, ctx.deadlines);
    this.#visitors = new OnlineCounter(() => ctx.visitorNamespace(), (data) => data.visitorId, ctx.deadlines);
  }

  /** Operators of `inbox` online now, on every node (best effort). */
  team(inbox: string): Promise<number> {
    return this.#operators.count([channels.inboxOperators(inbox), channels.inboxOperators('*')]);
  }

  /** Whether the conversation's visitor is known to be online here, without asking the other nodes. */
  knows(conversationId: string): boolean {
    return this.#visitorOnline.has(conversationId);
  }

  /** Whether the conversation's visitor is online: known here, or with a socket in it on any node. */
  async visitor(record: ConversationRecord): Promise<boolean> {
    return this.#visitorOnline.has(record.id) || this.visitorConnected(record);
  }

  /** Whether the conversation's visitor has a socket in it on any node, asked afresh. */
  async visitorConnected(record: ConversationRecord): Promise<boolean> {
    return (await this.#visitors.count([channels.conversationVisitor(record.inbox, record.visitorId)])) > 0;
  }

  /** Records what a node learned of a visitor's presence and tells the operators watching; says whether it changed. */
  setVisitor(conversationId: string, online: boolean): boolean {
    if (this.#visitorOnline.has(conversationId) === online) return false;
    if (online) this.#visitorOnline.add(conversationId);
    else this.#visitorOnline.delete(conversationId);
    this.#ctx.operatorNamespace().local.to(channels.openConversation(conversationId)).emit('visitor', { conversationId, online });
    return true;
  }
}
