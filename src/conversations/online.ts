import { OnlineCounter } from '../cluster/online-counter.js';
import { channels } from '../server/channels.js';
import type { ChatContext } from '../server/context.js';
import type { OperatorSocketData } from '../server/socket-data.js';
import type { TeamView } from '../protocol.js';
import type { ConversationRecord } from '../stores/types.js';

const MAX_KNOWN_ONLINE = 100_000;
/** How many of the team visitors see by name: a row of faces, not a staff list. */
const TEAM_MEMBERS_SHOWN = 5;

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

  /** Operators of `inbox` online now, on every node (best effort), and the first few by name. */
  async team(inbox: string): Promise<TeamView> {
    const { count, data } = await this.#operators.people([channels.inboxOperators(inbox), channels.inboxOperators('*')]);
    const members = (data as unknown as OperatorSocketData[])
      .map(({ senderId, name, avatarUrl }) => ({ id: senderId, name, ...(avatarUrl ? { avatarUrl } : {}) }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
      .slice(0, TEAM_MEMBERS_SHOWN);
    return { online: count, members };
  }

  /** Whether the conversation's visitor is known to be online here, without asking the other nodes. */
  knows(conversationId: string): boolean {
    return this.#visitorOnline.has(conversationId);
  }

  /** The conversations among `records` whose visitor has a socket in them, on any node: one request for all. */
  async visitors(records: readonly ConversationRecord[]): Promise<Set<string>> {
    const channelOf = (record: ConversationRecord) => channels.conversationVisitor(record.inbox, record.visitorId);
    const occupied = await this.#visitors.occupied(records.map(channelOf));
    return new Set(records.filter((record) => occupied.has(channelOf(record))).map((record) => record.id));
  }

  /** Whether the conversation's visitor has a socket in it on any node, asked afresh. */
  async visitorConnected(record: Pick<ConversationRecord, 'inbox' | 'visitorId'>): Promise<boolean> {
    return (await this.#visitors.count([channels.conversationVisitor(record.inbox, record.visitorId)])) > 0;
  }

  /**
   * Records what a node learned of a visitor's presence and tells this node's operators who have
   * the conversation open (volatile: the next summary says it again); says whether it changed.
   */
  setVisitor(conversationId: string, online: boolean, lastSeenAt?: Date): boolean {
    if (this.#visitorOnline.has(conversationId) === online) return false;
    // Bounded: a node that went away never says its visitors left, and the set is only a hint.
    if (online && this.#visitorOnline.size >= MAX_KNOWN_ONLINE) this.#visitorOnline.clear();
    if (online) this.#visitorOnline.add(conversationId);
    else this.#visitorOnline.delete(conversationId);
    this.#ctx
      .operatorNamespace()
      .local.to(channels.openConversation(conversationId))
      .volatile.emit('visitor', { conversationId, online, ...(lastSeenAt ? { lastSeenAt: lastSeenAt.toISOString() } : {}) });
    return true;
  }
}
