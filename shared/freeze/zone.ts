// Wall-clock time in an IANA time zone, with the runtime's own tz database (Intl.DateTimeFormat): no
// dependency, and the zone rules Lambda's Node ships with. A freeze window is written in wall-clock time of its
// zone ("09:25-09:45 America/New_York" is 13:25Z in summer, 14:25Z in winter), so the two questions here are
// "what does the wall clock say at this instant" and "at which instant does the wall clock say this".

const MINUTE = 60_000;
const DAY = 86_400_000;

/** What a wall clock in a zone shows at an instant. `weekday` is 0 (Sunday) to 6, as Date#getUTCDay. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  weekday: number;
  /** Minutes since local midnight, 0 to 1439. */
  minutes: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let found = formats.get(zone);
  if (!found) {
    // hourCycle h23: midnight is 00, never 24 (the en-US default with hour12:false says 24 on some runtimes).
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formats.set(zone, found);
  }
  return found;
}

/** Whether the runtime knows the zone (an IANA name such as "America/New_York", or "UTC"). */
export function isTimeZone(zone: string): boolean {
  try {
    format(zone);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `at` (to the minute). Throws RangeError for an unknown zone. */
export function wallClock(at: number, zone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of format(zone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0 } = parts;
  return {
    year,
    month,
    day,
    weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay(),
    minutes: hour * 60 + minute,
  };
}

/** The wall clock read as if it were UTC, in ms: comparable with localMs(). */
const asUtc = (clock: WallClock) => Date.UTC(clock.year, clock.month - 1, clock.day) + clock.minutes * MINUTE;

/** A local date and time (minutes from 1440 on fall on the next day), as ms "as if UTC". */
export const localMs = (year: number, month: number, day: number, minutes: number) =>
  Date.UTC(year, month - 1, day) + minutes * MINUTE;

/** The zone's offset from UTC at `at`, in ms (to the minute). */
const offsetOf = (at: number, zone: string) => asUtc(wallClock(at, zone)) - Math.floor(at / MINUTE) * MINUTE;

/**
 * The instant in (from, to] at which the zone's clock was last changed (whole minutes): where a fall-back sets
 * it back, between the two instants instantsOf() finds for a time in the repeated hour.
 */
export function clockChangeBetween(from: number, to: number, zone: string): number {
  const offset = offsetOf(to, zone);
  let before = from;
  let after = to;
  while (after - before > MINUTE) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
    if (offsetOf(middle, zone) === offset) after = middle;
    else before = middle;
  }
  return after;
}

/**
 * The instants at which the zone's wall clock shows `local` (ms as if UTC, whole minutes), earliest first:
 * one on most days, two in the hour a fall-back repeats, and in a spring-forward gap (a time that never shows)
 * the first instant after the gap, when the clock jumps past it.
 */
export function instantsOf(local: number, zone: string): number[] {
  const offsetAt = (at: number) => offsetOf(at, zone);
  // A zone changes its offset at most once within a day on either side of any instant.
  const offsets = new Set([offsetAt(local - DAY), offsetAt(local + DAY), offsetAt(local)]);
  const found = [...offsets]
    .map((offset) => local - offset)
    .filter((at) => asUtc(wallClock(at, zone)) === local)
    .sort((a, b) => a - b);
  if (found.length > 0) return [...new Set(found)];
  // In the gap: the clock jumps from before `local` to after it; the jump is the instant wanted.
  let before = local - Math.max(...offsets);
  let after = local - Math.min(...offsets);
  while (after - before > MINUTE) {
    const middle = before + Math.floor((after - before) / 2 / MINUTE) * MINUTE;
    if (asUtc(wallClock(middle, zone)) < local) before = middle;
    else after = middle;
  }
  return [after];
}
