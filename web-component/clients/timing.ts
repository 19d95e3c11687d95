// Timings the visitor's client and the operators' client share, so both ends of a conversation
// behave alike: a typing indicator must outlast the other side's refresh interval.

/** Messages in a page of older history. */
export const HISTORY_PAGE = 30;
/** While someone keeps typing, `typing: true` goes out again at most this often. */
export const TYPING_REFRESH_MS = 2_000;
/** How long a typing indicator shows without a refresh. */
export const TYPING_SHOWN_MS = 6_000;
/** How long a hole may stay before it is fetched: messages from two nodes can pass each other. */
export const GAP_GRACE_MS = 500;
