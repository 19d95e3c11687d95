export interface TextPart {
  text: string;
  /** Set only for http, https and mailto links. */
  href?: string;
}

const CANDIDATE = /\b(?:https?:\/\/|mailto:)[^\s<>"']+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?)\]}]+$/;
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/**
 * Splits message text into plain text and links. Only http, https and mailto URLs become links;
 * everything else (`javascript:` included) stays text, and text is always rendered as text.
 */
export function linkify(message: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of message.matchAll(CANDIDATE)) {
    const raw = match[0].replace(TRAILING_PUNCTUATION, '');
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      continue;
    }
    if (!SAFE_PROTOCOLS.has(url.protocol)) continue;
    if (match.index > last) parts.push({ text: message.slice(last, match.index) });
    parts.push({ text: raw, href: url.href });
    last = match.index + raw.length;
  }
  if (last < message.length) parts.push({ text: message.slice(last) });
  return parts;
}
