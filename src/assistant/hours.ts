/** A day of the week, as `hours.weekly` names them. */
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface HoursOptions {
  /** The team's time zone, an IANA name such as `Europe/Oslo`. */
  timeZone: string;
  /** When the team is in, week after week: `{ days: ['mon', 'tue'], from: '09:00', to: '17:00' }`. */
  weekly: ReadonlyArray<{ days: readonly Weekday[]; from: string; to: string }>;
  /** Days the team is out whatever the week says, as `YYYY-MM-DD` in the team's time zone. */
  closed?: readonly string[];
  /** What visitors are told outside hours, instead of the built-in "We're away" line. */
  awayMessage?: string;
}

const WEEKDAYS: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** How far ahead `nextOpening` looks: three weeks covers any week with a day open and a holiday or two. */
const LOOK_AHEAD_DAYS = 21;

interface Opening {
  days: ReadonlySet<Weekday>;
  /** Minutes after local midnight. */
  from: number;
  to: number;
}

/** A local day and time in the team's time zone. */
interface LocalTime {
  date: string;
  weekday: Weekday;
  minutes: number;
}

/**
 * The team's business hours in its own time zone: whether it is in at a moment, and when it is
 * next in. Daylight saving time is the time zone's: 09:00 is 09:00 local all year.
 */
export class BusinessHours {
  readonly timeZone: string;
  readonly awayMessage: string | undefined;
  readonly #openings: Opening[];
  readonly #closed: ReadonlySet<string>;
  readonly #format: Intl.DateTimeFormat;

  constructor(options: HoursOptions) {
    const { timeZone, weekly, closed = [], awayMessage } = options ?? ({} as HoursOptions);
    try {
      this.#format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        weekday: 'short',
      });
    } catch {
      throw new TypeError(`parley-chat: hours.timeZone must be an IANA time zone such as 'Europe/Oslo', not ${JSON.stringify(timeZone)}`);
    }
    if (!Array.isArray(weekly) || weekly.length === 0) {
      throw new TypeError("parley-chat: hours.weekly lists when the team is in, e.g. [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }]");
    }
    this.#openings = weekly.map((opening, i) => {
      const where = `hours.weekly[${i}]`;
      const days = opening?.days;
      if (!Array.isArray(days) || days.length === 0 || days.some((day) => !WEEKDAYS.includes(day))) {
        throw new TypeError(`parley-chat: ${where}.days must list days as ${WEEKDAYS.join(', ')}`);
      }
      const from = minutesOf(opening.from, `${where}.from`);
      const to = minutesOf(opening.to, `${where}.to`);
      if (to <= from) throw new TypeError(`parley-chat: ${where} must end after it starts (${opening.from}–${opening.to}); split a night across two days`);
      return { days: new Set(days), from, to };
    });
    if (!Array.isArray(closed) || closed.some((day) => typeof day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(day))) {
      throw new TypeError("parley-chat: hours.closed lists dates as 'YYYY-MM-DD'");
    }
    if (awayMessage !== undefined && typeof awayMessage !== 'string') throw new TypeError('parley-chat: hours.awayMessage must be a string');
    this.timeZone = timeZone;
    this.awayMessage = awayMessage;
    this.#closed = new Set(closed);
  }

  /** Whether the team is in at `date` (now by default). */
  isOpen(date: Date = new Date()): boolean {
    const local = this.#local(date.getTime());
    return !this.#closed.has(local.date) && this.#openings.some(({ days, from, to }) => days.has(local.weekday) && local.minutes >= from && local.minutes < to);
  }

  /**
   * The first moment from `date` on (now by default) when the team is in: `date` itself while it
   * is; null when the hours open on no day in the next three weeks.
   */
  nextOpening(date: Date = new Date()): Date | null {
    if (this.isOpen(date)) return date;
    const now = date.getTime();
    let best: number | null = null;
    // Local noon of each day ahead: well inside the day, whatever daylight saving does.
    const today = this.#local(now);
    const noon = now + (12 * 60 - today.minutes) * MINUTE_MS;
    for (let ahead = 0; ahead < LOOK_AHEAD_DAYS && best === null; ahead++) {
      const day = this.#local(noon + ahead * DAY_MS);
      if (this.#closed.has(day.date)) continue;
      for (const { days, from } of this.#openings) {
        if (!days.has(day.weekday)) continue;
        const start = this.#instant(day.date, from);
        if (start > now && (best === null || start < best)) best = start;
      }
    }
    return best === null ? null : new Date(best);
  }

  #local(time: number): LocalTime {
    const parts: Record<string, string> = {};
    for (const { type, value } of this.#format.formatToParts(time)) parts[type] = value;
    return {
      date: `${parts.year}-${parts.month}-${parts.day}`,
      weekday: parts.weekday!.slice(0, 3).toLowerCase() as Weekday,
      minutes: Number(parts.hour) * 60 + Number(parts.minute),
    };
  }

  /** The moment a local date and time (minutes after midnight) happen in the team's time zone. */
  #instant(date: string, minutes: number): number {
    const [year, month, day] = date.split('-').map(Number) as [number, number, number];
    const wall = Date.UTC(year, month - 1, day, 0, minutes);
    // The zone's offset at a guess, then at the corrected guess (they differ across a change of offset).
    let time = wall - this.#offset(wall);
    time = wall - this.#offset(time);
    return time;
  }

  /** How far the zone's clocks are ahead of UTC at `time`. */
  #offset(time: number): number {
    const local = this.#local(time);
    const [year, month, day] = local.date.split('-').map(Number) as [number, number, number];
    return Date.UTC(year, month - 1, day, 0, local.minutes) - Math.floor(time / MINUTE_MS) * MINUTE_MS;
  }
}

function minutesOf(time: unknown, where: string): number {
  const match = typeof time === 'string' ? /^(\d{2}):(\d{2})$/.exec(time) : null;
  const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
  if (!match || Number(match[2]) > 59 || minutes > 24 * 60) throw new TypeError(`parley-chat: ${where} must be a time as 'HH:MM' (00:00 to 24:00)`);
  return minutes;
}
