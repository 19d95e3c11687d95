/** A request target split into its path and raw query, without the WHATWG URL parser. */
export interface RequestTarget {
  /** The path as sent, e.g. `/chat/history`; never decoded or normalised. */
  path: string;
  /** Everything after the first `?`, without it; empty when there is none. */
  query: string;
}

/**
 * Splits `req.url` for route matching. The chat sees every request of the host's server before
 * the host does, so this must never throw: `new URL()` throws on targets such as `//`, `//[` or
 * `http://[::1/x`, all of which Node's HTTP parser lets through. Only origin-form targets
 * (`/path?query`, what browsers and Socket.IO clients send) can be the chat's; anything else
 * gives `undefined` and goes on to the host untouched.
 */
export function splitRequestTarget(url: string | undefined): RequestTarget | undefined {
  if (typeof url !== 'string' || url[0] !== '/' || url[1] === '/' || url[1] === '\\') return undefined;
  const end = url.indexOf('#');
  const target = end === -1 ? url : url.slice(0, end);
  const question = target.indexOf('?');
  return question === -1
    ? { path: target, query: '' }
    : { path: target.slice(0, question), query: target.slice(question + 1) };
}
