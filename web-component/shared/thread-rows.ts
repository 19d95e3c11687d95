import { safeLocale } from './locale.js';

/** What grouping needs of a message: who sent it (one key per sender and kind) and when. */
export interface RowSource {
  key: string;
  /** ISO time. */
  at: string;
}

export interface ThreadRow {
  /** The day's label ("Today", "Yesterday", a date), on the first message of each day. */
  day?: string;
  /** The first of a run of one sender's messages: the name (and picture) go here. */
  first: boolean;
  /** The last of a run: the time goes here. */
  last: boolean;
}

/** Messages of one sender further apart than this start a new run. */
const RUN_GAP_MS = 5 * 60_000;

/**
 * How a thread reads: runs of one sender's messages (a name once, a time once) and a line for
 * each day, in the page's language.
 */
export function threadRows(sources: readonly RowSource[], lang: string, now = new Date()): ThreadRow[] {
  const days = sources.map((source) => dayOf(new Date(source.at)));
  const joins = (a: number, b: number) =>
    sources[a]!.key === sources[b]!.key &&
    days[a] === days[b] &&
    Math.abs(Date.parse(sources[b]!.at) - Date.parse(sources[a]!.at)) < RUN_GAP_MS;
  return sources.map((source, i) => {
    const newDay = i === 0 || days[i] !== days[i - 1];
    return {
      ...(newDay ? { day: dayLabel(new Date(source.at), lang, now) } : {}),
      first: i === 0 || !joins(i - 1, i),
      last: i === sources.length - 1 || !joins(i, i + 1),
    };
  });
}

/** The local calendar day, as a number to compare. */
function dayOf(date: Date): number {
  return date.getFullYear() * 10_000 + date.getMonth() * 100 + date.getDate();
}

/** "Today", "Yesterday", or the date, in `lang`. */
export function dayLabel(date: Date, lang: string, now = new Date()): string {
  const locale = safeLocale(lang);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  const ago = dayOf(date) === dayOf(now) ? 0 : dayOf(date) === dayOf(yesterday) ? -1 : undefined;
  if (ago !== undefined) {
    const word = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(ago, 'day');
    return word.charAt(0).toLocaleUpperCase(locale) + word.slice(1);
  }
  return date.toLocaleDateString(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  });
}

/** One or two initials for a name without a picture: "Dana Walker" → "DW". */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letter = (word: string | undefined) => (word ? Array.from(word)[0]!.toLocaleUpperCase() : '');
  return letter(words[0]) + (words.length > 1 ? letter(words.at(-1)) : '');
}
