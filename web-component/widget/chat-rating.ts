import type { html, nothing, TemplateResult } from 'lit/html.js';
import type { ChatClient } from '../clients/chat-client.js';
import { resolveStringTable } from '../shared/strings.js';
import { RATING_STRINGS, type RatingStrings } from './rating-strings.js';
import type { PanelSettings } from './settings.js';

// The rating a visitor is asked for when the team resolves their conversation (with the chat's
// `ratings` on): a question, 1 to 5 stars, an optional comment and Send, then a thank-you. A file
// of its own (`chat-rating.js`) that the window loads once a conversation asks for a rating: most
// visitors never download it. It renders with the window's own lit-html, handed over.

/** The window's lit-html. */
export interface Lit {
  html: typeof html;
  nothing: typeof nothing;
}

/** What the view reads of the window, as it is now. */
export interface RatingHost {
  /** None once the window let its connection go (a second widget took the chat over). */
  readonly client: ChatClient | undefined;
  readonly settings: PanelSettings;
}

/** The window's piece of ratings. */
export interface RatingView {
  /**
   * Above the composer: while the resolved conversation waits for its rating, the question with
   * its scores, comment and Send; once sent, the thank-you (until the conversation reopens).
   */
  panel(): TemplateResult | symbol;
}

const SCORES = [1, 2, 3, 4, 5];
const MAX_COMMENT = 1000;

const CSS = `
.rating-area{flex:0 1 auto;min-height:0;max-height:70%;overflow-y:auto}
.rating{display:grid;gap:2px;padding:8px 16px 10px;border-top:1px solid var(--_border);font-size:14px}
.rating fieldset{min-width:0;margin:0;padding:0;border:none}
.rating legend{padding:0;margin-bottom:2px;font-weight:600;white-space:pre-line}
/* The first star's outline lines up with the question and the comment, not its padding box. */
.stars{display:flex;flex-wrap:wrap;gap:2px;align-items:center;margin-inline-start:-6px}
.star{position:relative}
.star input{position:absolute;inset:0;width:100%;height:100%;margin:0;padding:0;opacity:0;cursor:pointer}
.stars label{display:grid;place-items:center;width:40px;height:40px;border-radius:8px;color:var(--_muted);transition:color .15s}
.star:hover label{background:var(--_bubble)}
.stars svg{width:28px;height:28px;fill:none;stroke:currentColor;stroke-width:1.6;stroke-linejoin:round}
.stars .on{color:var(--_accent)}
.stars .on svg{fill:currentColor}
.stars input:focus-visible+label{outline:3px solid var(--_accent);outline-offset:0}
.rating-choice{margin:0 0 0 8px;color:var(--_muted);font-size:13px}
.rating-comment{margin-top:4px;font-size:13px;font-weight:600}
.rating .actions{align-items:flex-end;gap:8px}
/* Grows with the comment (to its max-height) rather than scroll a one-row box mid-line. */
.rating textarea{field-sizing:content;max-height:96px}
.rating .primary{flex:0 0 auto}
/* Disabled until a score is chosen, told as the composer's Send tells it (not by fading). */
.rating .primary:disabled{border:1px solid var(--_border);background:var(--_bubble);color:var(--_muted);cursor:default}
.rating-area .notice{padding-block:8px}
.rating-area .notice:empty{display:none}
@media (pointer:coarse),(max-width:480px){.stars{margin-inline-start:-8px}.stars label{width:44px;height:44px}.rating textarea{min-height:44px}}
@media (prefers-reduced-motion:reduce){.stars label{transition:none}}
`;

/**
 * The view of the window rendering into `container`: `host` says what the window is now,
 * `rerender` renders it again and resolves once that is on screen.
 */
export function createRatingView({ html, nothing }: Lit, container: HTMLElement, host: () => RatingHost, rerender: () => Promise<void>): RatingView {
  const root = container.getRootNode() as ShadowRoot;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(CSS);
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];

  const strings = (): RatingStrings => {
    const { settings } = host();
    return resolveStringTable('', { en: RATING_STRINGS }, 'en', { ...settings.pack, ...settings.strings } as Partial<RatingStrings>);
  };

  /** The score chosen, 1 to 5; 0 before one is. */
  let score = 0;
  let comment = '';
  /** Sending: Send waits (aria-disabled, so the focus on it stays). */
  let busy = false;
  let error = '';
  /** The thank-you, once the chat took the rating (or had one already). */
  let thanks = '';

  const star = html`<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="M12 2.8l2.8 5.8 6.3.9-4.6 4.4 1.1 6.3L12 17.2l-5.6 3 1.1-6.3-4.6-4.4 6.3-.9z" /></svg>`;

  const send = async (event: Event) => {
    event.preventDefault();
    const client = host().client;
    if (!client || busy || !score) return;
    busy = true;
    error = '';
    await rerender();
    const text = comment.trim();
    const ack = await client.ask('rate', { inbox: host().settings.inbox, score, ...(text ? { comment: text } : {}) });
    busy = false;
    if (ack?.ok) {
      client.conversation = ack.conversation;
      thanks = strings().ratingThanks;
    } else if (ack?.error.code === 'CONFLICT') {
      // Rated already, in another tab: nothing is left to ask.
      thanks = strings().ratingAlready;
    } else {
      error = strings().ratingFailed;
      return rerender();
    }
    await rerender();
    // The form is gone: the message box is where the visitor goes on from.
    container.querySelector<HTMLElement>('#message-input')?.focus();
  };

  const renderForm = (text: RatingStrings, ask: string) => html`<form part="rating" class="rating" @submit=${send}>
    <fieldset>
      <legend id="rating-ask">${ask}</legend>
      <div class="stars">
        ${SCORES.map(
          (value) => html`<span class="star"
            ><input
              type="radio"
              name="rating-score"
              id="rating-${value}"
              .value=${String(value)}
              .checked=${score === value}
              @change=${() => {
                score = value;
                error = '';
                void rerender();
              }}
            /><label part="rating-score" for="rating-${value}" class=${value <= score ? 'on' : ''}
              >${star}<span class="visually-hidden">${text.ratingScore(value)}</span></label
            ></span
          >`,
        )}
        <span class="rating-choice" aria-hidden="true">${score ? text.ratingScore(score) : ''}</span>
      </div>
    </fieldset>
    <label class="rating-comment" for="rating-comment">${text.ratingComment}</label>
    <div class="actions">
      <textarea
        part="rating-comment"
        id="rating-comment"
        rows="1"
        maxlength=${MAX_COMMENT}
        .value=${comment}
        @input=${(event: Event) => (comment = (event.target as HTMLTextAreaElement).value)}
      ></textarea>
      <button part="rating-send" class="primary" type="submit" ?disabled=${!score} aria-disabled=${busy ? 'true' : 'false'}>${text.ratingSend}</button>
    </div>
    ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
  </form>`;

  return {
    panel() {
      const conversation = host().client?.conversation;
      const rating = conversation?.status === 'resolved' ? conversation.rating : undefined;
      if (!rating?.asked) {
        // Reopened (or never asked): the next resolution asks afresh.
        score = 0;
        comment = '';
        error = thanks = '';
        return nothing;
      }
      const text = strings();
      // The page's own question, else the chat's, else the language's.
      const ask = host().settings.strings.ratingAsk || rating.ask || text.ratingAsk;
      return html`<div class="rating-area">
        ${rating.score === null && !thanks ? renderForm(text, ask) : nothing}
        <p part="rating-thanks" class="notice" role="status">${thanks}</p>
      </div>`;
    },
  };
}
