/**
 * Wall-clock arithmetic in an automated email's time zone (SPEC A4): delays, send windows and
 * recurrence are stated in local time ("3 days later", "Mon 15:00 → Tue 09:00", "monthly"), so
 * they are computed on local wall times and converted to instants last, which keeps them right
 * across daylight-saving changes. Only Intl is used: no time-zone database is bundled.
 */

export interface Wall {
  y: number;
  /** 1-12 */
  mo: number;
  d: number;
  h: number;
  mi: number;
}

export type DelayUnit = 'minutes' | 'hours' | 'days' | 'weeks' | 'years';
export interface Delay {
  value: number;
  unit: DelayUnit;
}

/**
 * Weekdays 0 (Sunday) to 6. `days` form: the window opens on each of the days at `from` and
 * closes at `to` the same day, or the next day when `to` is not after `from` (15:00 → 09:00).
 * `span` form: one weekly stretch, e.g. Monday 09:00 → Wednesday 17:00. Both ends are
 * inclusive to the minute, as the original describes ("09:00 is still inside, 09:01 is not").
 */
export type SendWindow =
  | { days: number[]; from: string; to: string }
  | { fromDay: number; from: string; toDay: number; to: string };

export type Recurrence = 'daily' | 'weekly' | 'monthly';

const WEEK = 7 * 24 * 60;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time of an instant in a zone (seconds dropped). */
export function wallOf(at: Date, timeZone: string): Wall {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { y: p.year!, mo: p.month!, d: p.day!, h: p.hour!, mi: p.minute! };
}

const wallMs = (w: Wall) => Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi);
const normalise = (ms: number): Wall => {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes() };
};
export const weekdayOf = (w: Wall): number => new Date(wallMs(w)).getUTCDay();

/** Offset of the zone from UTC at an instant, in ms. */
function offsetAt(ms: number, timeZone: string): number {
  return wallMs(wallOf(new Date(ms), timeZone)) - Math.floor(ms / 60_000) * 60_000;
}

/**
 * The instant a wall time names. A wall time skipped by a spring-forward change maps to the
 * first instant after the gap; one repeated by a fall-back change maps to its first occurrence.
 */
export function instantOf(w: Wall, timeZone: string): Date {
  const guess = wallMs(w);
  const candidates = [offsetAt(guess - 36 * 3_600_000, timeZone), offsetAt(guess, timeZone), offsetAt(guess + 36 * 3_600_000, timeZone)];
  const exact = candidates.map((o) => guess - o).filter((t) => wallMs(wallOf(new Date(t), timeZone)) === guess);
  if (exact.length) return new Date(Math.min(...exact));
  // In a gap the wall time does not exist: the first minute whose wall time is past it.
  let t = guess - Math.max(...candidates);
  const end = guess - Math.min(...candidates);
  while (t < end && wallMs(wallOf(new Date(t), timeZone)) < guess) t += 60_000;
  return new Date(t);
}

export function addWallMinutes(w: Wall, minutes: number): Wall {
  return normalise(wallMs(w) + minutes * 60_000);
}

/** Calendar months, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29). */
export function addWallMonths(w: Wall, months: number): Wall {
  const first = new Date(Date.UTC(w.y, w.mo - 1 + months, 1));
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return { y: first.getUTCFullYear(), mo: first.getUTCMonth() + 1, d: Math.min(w.d, lastDay), h: w.h, mi: w.mi };
}

/** Minutes and hours are elapsed time; days, weeks and years keep the wall-clock time. */
export function addDelay(at: Date, delay: Delay | null | undefined, timeZone: string): Date {
  if (!delay || delay.value === 0) return at;
  const seconds = at.getTime() % 60_000;
  switch (delay.unit) {
    case 'minutes':
      return new Date(at.getTime() + delay.value * 60_000);
    case 'hours':
      return new Date(at.getTime() + delay.value * 3_600_000);
    case 'days':
    case 'weeks': {
      const days = delay.unit === 'days' ? delay.value : delay.value * 7;
      return new Date(instantOf(addWallMinutes(wallOf(at, timeZone), days * 1440), timeZone).getTime() + seconds);
    }
    case 'years':
      return new Date(instantOf(addWallMonths(wallOf(at, timeZone), delay.value * 12), timeZone).getTime() + seconds);
  }
}

export function nextRecurrence(at: Date, recurrence: Recurrence, timeZone: string): Date {
  const w = wallOf(at, timeZone);
  const next =
    recurrence === 'daily' ? addWallMinutes(w, 1440) : recurrence === 'weekly' ? addWallMinutes(w, 7 * 1440) : addWallMonths(w, 1);
  return instantOf(next, timeZone);
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
};

/** The window as half-open stretches of minutes-of-week [start, end); end may pass the week's end. */
export function windowIntervals(window: SendWindow): Array<[number, number]> {
  if ('days' in window) {
    const from = minutesOf(window.from);
    const to = minutesOf(window.to) + 1;
    const length = to > from ? to - from : to - from + 1440;
    return [...new Set(window.days)].map((day) => [day * 1440 + from, day * 1440 + from + length]);
  }
  const start = window.fromDay * 1440 + minutesOf(window.from);
  let end = window.toDay * 1440 + minutesOf(window.to) + 1;
  if (end <= start) end += WEEK;
  return [[start, end]];
}

/**
 * The first instant at or after `at` inside the window (SPEC A4): `at` itself when inside,
 * otherwise the next opening. Computed on wall time, so a window stays 09:00-17:00 local in
 * summer and winter.
 */
export function nextOpening(at: Date, window: SendWindow | null | undefined, timeZone: string): Date {
  if (!window) return at;
  const intervals = windowIntervals(window);
  if (intervals.length === 0) return at;
  const w = wallOf(at, timeZone);
  const m = weekdayOf(w) * 1440 + w.h * 60 + w.mi;
  let wait = Infinity;
  for (const [s, e] of intervals) {
    for (const shifted of [m, m + WEEK, m - WEEK]) if (shifted >= s && shifted < e) return at;
    wait = Math.min(wait, (((s - m) % WEEK) + WEEK) % WEEK);
  }
  return instantOf(addWallMinutes(w, wait), timeZone);
}

/** Whether an instant is inside the window (no window: always). */
export const insideWindow = (at: Date, window: SendWindow | null | undefined, timeZone: string): boolean =>
  nextOpening(at, window, timeZone).getTime() === at.getTime();

export const minuteOf = (at: Date): string => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString().slice(0, 16);
export const ceilToMinute = (at: Date): Date => new Date(Math.ceil(at.getTime() / 60_000) * 60_000);
