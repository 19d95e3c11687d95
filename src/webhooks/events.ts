import type { ChatMessage, ConversationRating, ConversationSummary } from '../protocol.js';
import type { ChatWebhooks } from './webhooks.js';

// What each change of the chat publishes, and the id of each event: made from what happened, so
// that a retry of the change (a resent message, a repeated resolve) writes the same event again
// and the receiver never gets one thing twice under two ids.

/**
 * A message stored in a conversation: `conversation.created` with its first message, and
 * `message.created` (an assistant's reply once it ended: see `replyEnded`).
 */
export async function conversationMessagePublished(webhooks: ChatWebhooks, message: ChatMessage, conversation: ConversationSummary): Promise<void> {
  await Promise.all([
    message.seq === 1 ? webhooks.publish('conversation.created', `conversation.created:${conversation.id}`, { conversation }) : undefined,
    message.status === 'streaming' ? undefined : webhooks.publish('message.created', `message.created:${message.id}`, { message, conversation }),
  ]);
}

/** A message stored in a public room. */
export function roomMessagePublished(webhooks: ChatWebhooks, message: ChatMessage): Promise<void> {
  return webhooks.publish('message.created', `message.created:${message.id}`, { message });
}

/** A conversation resolved: each resolution is its own event (`resolvedAt` names it). */
export async function resolutionPublished(webhooks: ChatWebhooks, conversation: ConversationSummary, resolvedAt: Date): Promise<void> {
  await webhooks.publish('conversation.resolved', `conversation.resolved:${conversation.id}:${resolvedAt.getTime()}`, { conversation });
}

/** A visitor rated a resolution: one rating per resolution, so the resolution names the event. */
export async function ratingPublished(webhooks: ChatWebhooks, conversation: ConversationSummary, rating: ConversationRating): Promise<void> {
  await webhooks.publish('rating.created', `rating.created:${conversation.id}:${Date.parse(rating.resolvedAt)}`, { rating, conversation });
}
