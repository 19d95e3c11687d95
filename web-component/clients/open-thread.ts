import type { AssistantActivity, ConversationVisitor } from '../../src/protocol.js';
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

  override stop(): void {
    super.stop();
    this.typing.clear();
  }
}
