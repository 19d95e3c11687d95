import { html, nothing, type TemplateResult } from 'lit/html.js';
import type { OutgoingMessage } from '../clients/outbox.js';
import { safeLocale } from './locale.js';

export { safeLocale };

/** A message's time as both views show it: hours and minutes as the page's language writes them ("2:35 PM", "14:35"). */
export function clockTime(iso: string, lang: string): string {
  return new Date(iso).toLocaleTimeString(safeLocale(lang), { hour: 'numeric', minute: '2-digit' });
}


/**
 * The state of a message the server has not acknowledged: sending, or why it failed, with Retry
 * when it may be (not with a file lost in a reload, which must be chosen again).
 */
export function outgoingState(
  entry: OutgoingMessage,
  text: { sending: string; failed: string; retry: string },
  retry: ((clientId: string) => void) | undefined,
): TemplateResult {
  const failed = entry.status === 'failed';
  return html`<span class="state">${failed ? `${text.failed}${entry.error ? `: ${entry.error.message}` : ''}` : text.sending}</span>
    ${failed && retry && !entry.files?.some((file) => file.lost) ? html`<button type="button" class="link" @click=${() => retry(entry.clientId)}>${text.retry}</button>` : nothing}`;
}

/** The line that starts a day in a thread, where `day` is set (see threadRows). */
export function dayLine(row: { day?: string }): TemplateResult | typeof nothing {
  return row.day ? html`<li part="day" class="day"><span>${row.day}</span></li>` : nothing;
}
