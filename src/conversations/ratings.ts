import type { ChatContext } from '../server/context.js';
import { ChatError } from '../server/errors.js';
import type { ConversationRecord } from '../stores/types.js';
import { ratingPublished } from '../webhooks/events.js';
import type { ConversationService } from './service.js';
import { ratingOf } from './views.js';

export interface RatingAnswer {
  score: number;
  comment?: string | undefined;
}

/**
 * The visitor rates the latest resolution of their conversation in `inbox` (asked when it was
 * resolved with `ratings` on). One rating per resolution, by compare-and-set on the conversation:
 * of two tabs rating at once one wins, and the other gets CONFLICT. The same rating sent again (a
 * retry after a lost acknowledgement) is answered as the first was and finishes what that one may
 * have left undone: the webhook's event, written under the same id.
 */
export async function rateConversation(
  ctx: ChatContext,
  service: ConversationService,
  visitorId: string,
  inbox: string,
  answer: RatingAnswer,
): Promise<ConversationRecord> {
  if (!ctx.options.ratings) throw new ChatError('NOT_FOUND', 'This chat does not ask for ratings');
  service.inboxes.check(inbox);
  const found = await ctx.store.findConversation(inbox, visitorId);
  if (!found) throw new ChatError('NOT_FOUND', 'You have no conversation in this inbox yet');
  const comment = answer.comment ? answer.comment : null;
  let stored = false;
  const record = await service.change(found.id, (current) => {
    stored = false;
    const asked = current.visitorId === visitorId ? current.rating : null;
    if (!asked) throw new ChatError('NOT_FOUND', 'No rating was asked for this conversation');
    if (asked.score !== null) {
      if (asked.score === answer.score && asked.comment === comment) return null;
      throw new ChatError('CONFLICT', 'You have already rated this conversation');
    }
    // Reopened since (the visitor wrote again): the question is gone until the next resolution.
    if (current.status !== 'resolved') throw new ChatError('NOT_FOUND', 'No rating is asked for this conversation now');
    stored = true;
    return { rating: { ...asked, score: answer.score, comment, at: new Date() } };
  });
  const rating = ratingOf(record)!;
  const summary = service.summary(record);
  // The hook first, on the call that stored the rating: should the webhook's write fail, the
  // visitor's retry (the same rating) writes it, and must not call the hook twice.
  const hook = ctx.options.hooks.onRating;
  if (stored && hook) ctx.runHook('onRating', () => hook({ conversation: summary, rating }));
  if (ctx.webhooks) await ratingPublished(ctx.webhooks, summary, rating);
  return record;
}
