import type { ConversationService } from '../conversations/service.js';
import { ChatError } from '../server/errors.js';
import type { ResolvedOptions } from '../server/resolve-options.js';
import type { ConversationRecord } from '../stores/types.js';

/** The assistant from the host's code (`chat.assistant`). */
export interface AssistantApi {
  /** Hands the conversation to the team, as the assistant would: the team sees `reason` and `summary`. */
  handoff(conversationId: string, handoff: { reason: string; summary?: string }): Promise<ConversationRecord>;
  /** Gives the conversation back to the assistant, after a handoff. */
  resume(conversationId: string): Promise<ConversationRecord>;
}

/** The team's business hours from the host's code (`chat.hours`): always open without the `hours` option. */
export interface HoursApi {
  /** Whether the team is in at `date` (now by default). */
  isOpen(date?: Date): boolean;
  /** When the team is next in from `date` (now by default): `date` itself while it is in; null if not within three weeks. */
  nextOpening(date?: Date): Date | null;
}

export function createAssistantApi(service: ConversationService | undefined): AssistantApi {
  const assistant = () => {
    if (!service?.assistant) throw new ChatError('NOT_FOUND', 'This chat has no assistant: pass the `assistant` option');
    return service.assistant;
  };
  const id = (conversationId: unknown) => {
    if (typeof conversationId !== 'string' || !conversationId) throw new ChatError('VALIDATION', 'conversationId must be a conversation id');
    return conversationId;
  };
  return {
    handoff: (conversationId, handoff) =>
      assistant().handoff(id(conversationId), { reason: String(handoff?.reason ?? 'host'), summary: handoff?.summary }, 'host'),
    resume: (conversationId) => assistant().resume(id(conversationId)),
  };
}

export function createHoursApi(options: ResolvedOptions): HoursApi {
  const { hours } = options;
  return {
    isOpen: (date) => hours?.isOpen(date) ?? true,
    nextOpening: (date = new Date()) => (hours ? hours.nextOpening(date) : date),
  };
}
