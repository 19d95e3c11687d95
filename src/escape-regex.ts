/** `text` as a regular expression that matches exactly it (search, erasure, routes). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
