import { html, type TemplateResult } from 'lit/html.js';
import { linkify } from './linkify.js';

/** Message text as text, with http, https and mailto links made clickable (and nothing else). */
export function renderText(message: string): Array<TemplateResult | string> {
  return linkify(message).map((part) =>
    part.href ? html`<a href=${part.href} target="_blank" rel="noopener noreferrer nofollow">${breakable(part.text)}</a>` : part.text,
  );
}

/**
 * A link's text with line-break opportunities after its separators, so a long one wraps between
 * its parts. (Split with a captured separator rather than a lookbehind, which older Safari cannot
 * parse at all.)
 */
function breakable(text: string): Array<TemplateResult | string> {
  return text.split(/([/?&=#])/).map((piece, i) => (i % 2 === 1 ? html`${piece}<wbr />` : piece));
}
