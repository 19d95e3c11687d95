/**
 * `text` as a regular expression that matches exactly it. Free of server and DOM code: the
 * server (search, erasure, routes) and the browser elements (search excerpts) share it.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
