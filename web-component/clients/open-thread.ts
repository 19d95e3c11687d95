import type { AssistantActivity, ChatMessage, ConversationVisitor } from '../../src/protocol.js';
import type { MessageLog } from './message-log.js';
import type { Outbox } from './outbox.js';
import { Thread } from './thread.js';
import { TypingIndicators } from './typing.js';

/** The conversation an operator has open: its thread (messages, notes, outbox), its visitor, and their typing. */
export interface OpenConversation {
  id: string;
  messages: MessageLog;
  notes: MessageLog;
  visitor: ConversationVisitor | undefined;
  hasMore: boolean;
  outbox: Outbox;
  visitorTyping: boolean;
  /** What the assistant is doing in the reply it is writing here (by the reply's id). */
  activity: { id: string; activity: AssistantActivity } | undefined;
}

/** The open conversation: a thread (see thread.ts) with its visitor. */
export class OpenThread extends Thread implements OpenConversation {
  readonly id: string;
  visitor: ConversationVisitor | undefined;
  activity: { id: string; activity: AssistantActivity } | undefined;
  readonly typing: TypingIndicators;

  constructor(id: string, options: ConstructorParameters<typeof Thread>[0], change: () => void) {
    super(options);
    this.id = id;
    this.typing = new TypingIndicators(change);
  }

  get visitorTyping(): boolean {
    return this.typing.names.length > 0;
  }

  /**
   * Messages the server erased (the `erased` event): each keeps its place as a tombstone, as the
   * server now stores it, so the thread reads the same as after a reload.
   */
  eraseMessages(seqs: readonly number[]): void {
    const erased = new Set(seqs);
    this.messages.renew(this.messages.messages.filter((message) => erased.has(message.seq) && !message.erased).map(tombstoneOf));
  }

  /** Forgets what it showed, to be read again from the latest page (see OperatorClient); the outbox stays. */
  forgetMessages(): void {
    this.messages.clear();
    this.notes.clear();
    this.hasMore = false;
  }

  override stop(): void {
    super.stop();
    this.typing.clear();
  }
}

/** What the server keeps of an erased message: its place (id, seq, time, role), nothing of what it said or who. */
function tombstoneOf(message: ChatMessage): ChatMessage {
  const { files: _files, citations: _citations, status: _status, ...kept } = message;
  return { ...kept, message: '', sender: { id: '', name: '', role: message.sender.role }, erased: true };
}
