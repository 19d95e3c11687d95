import { html, nothing, type TemplateResult } from 'lit';
import type { ConversationRating, ConversationSummary } from '../../src/protocol.js';
import type { OperatorClient } from '../clients/operator-client.js';
import type { InboxStrings } from './strings.js';

/** Five stars, as many filled as the score. */
function stars(score: number): string {
  const filled = Math.max(0, Math.min(5, Math.round(score)));
  return '★'.repeat(filled) + '☆'.repeat(5 - filled);
}

/** The visitor's rating of the conversation's last resolution, in the thread's header: stars, "4/5" and their comment. */
export function renderRating(text: InboxStrings, rating: ConversationRating | null | undefined): TemplateResult | typeof nothing {
  if (!rating) return nothing;
  return html`<p part="rating" class="rating">
    <span class="score" role="img" aria-label=${text.rated(rating.score)}><span class="stars">${stars(rating.score)}</span> ${rating.score}/5</span>
    ${rating.comment ? html`<q>${rating.comment}</q>` : nothing}
  </p>`;
}

/** The rating in a line of the list: a small badge (the line's own label says the rating in words). */
export function ratingBadge(text: InboxStrings, rating: ConversationRating | null | undefined): TemplateResult | typeof nothing {
  if (!rating) return nothing;
  return html`<span part="rating-badge" class="rating-badge" role="img" aria-label=${text.rated(rating.score)}>★ ${rating.score}/5</span>`;
}

/** With ratings on: resolving without asking the visitor for one, beside Resolve. */
export function renderResolveWithoutRating(
  text: InboxStrings,
  client: OperatorClient,
  summary: ConversationSummary | undefined,
  act: (action: () => Promise<unknown>) => Promise<void>,
): TemplateResult | typeof nothing {
  if (!client.me?.ratings || !summary || summary.status === 'resolved') return nothing;
  return html`<button type="button" class="action" @click=${() => act(() => client.setStatus('resolved', { skipRating: true }))}>
    ${text.resolveWithoutRating}
  </button>`;
}
