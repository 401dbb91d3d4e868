// "Is it frozen at this instant, by which window, until when, and what comes next": pure, over the parsed
// windows (windows.ts) and the zone arithmetic (zone.ts). The functions enforce with it and
// `runbook freeze status` answers with it, so both say the same.
import { crossesMidnight, type FreezeWindow, type RecurringWindow } from './windows.js';
import { clockChangeBetween, instantsOf, localMs, wallClock } from './zone.js';

/** One occurrence of a window: when it starts and ends, as instants. */
export interface Occurrence {
  window: FreezeWindow;
  start: number;
  end: number;
}

/** A window as answers show it. */
export interface WindowView {
  index: number;
  kind: FreezeWindow['kind'];
  window: string;
  reason: string;
  start: string;
  end: string;
}

export interface FreezeStatus {
  at: string;
  frozen: boolean;
  /** The windows in force at `at`. */
  active: WindowView[];
  /** When the freeze lifts: the last end among the active windows and any that continue them without a gap. */
  until?: string;
  /**
   * True when windows still continue the freeze at `until`, where the search for its end stopped (a daily
   * 00:00-24:00 window never lifts): the freeze lasts at least until then, and no next window is named.
   */
  untilAtLeast?: true;
  /** The next window to start after `at` (after `until` when frozen); absent when none is declared ahead. */
  next?: WindowView;
  /** How many windows are declared. */
  declared: number;
}

const DAY = 86_400_000;

/** The occurrence of `window` in force at `at`, if any. */
export function occurrenceAt(window: FreezeWindow, at: number): Occurrence | undefined {
  if (window.kind === 'one-off')
    return window.start <= at && at < window.end
      ? { window, start: window.start, end: window.end }
      : undefined;
  // In force when the wall clock shows a listed day from START on (to END, or on past midnight when the window
  // crosses it), or, for a window that crosses midnight, the day after a listed one before END.
  const clock = wallClock(at, window.zone);
  const crosses = crossesMidnight(window);
  const { year, month, day, minutes } = clock;
  let startDay: number;
  if (window.days.includes(clock.weekday) && minutes >= window.start && (crosses || minutes < window.end))
    startDay = day;
  else if (crosses && window.days.includes((clock.weekday + 6) % 7) && minutes < window.end)
    startDay = day - 1;
  else return undefined;
  const starts = instantsOf(localMs(year, month, startDay, window.start), window.zone);
  const ends = instantsOf(localMs(year, month, startDay, endMinutes(window)), window.zone);
  // In an hour a fall-back repeats, the wall clock shows a time twice: the occurrence is the one around `at`.
  const start = starts.filter((instant) => instant <= at).at(-1) ?? (starts[0] as number);
  const end = ends.find((instant) => instant > at) ?? (ends.at(-1) as number);
  return { window, start, end: cutAtClockChange(window, starts, start, end) };
}

/** The first occurrence of `window` that starts after `after`. */
export function nextOccurrence(window: FreezeWindow, after: number): Occurrence | undefined {
  if (window.kind === 'one-off')
    return window.start > after ? { window, start: window.start, end: window.end } : undefined;
  const today = wallClock(after, window.zone);
  let best: Occurrence | undefined;
  // From yesterday: a window across midnight that a fall-back sets the clock back into starts again today.
  for (let offset = -1; offset <= 7; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    if (!window.days.includes(date.getUTCDay())) continue;
    for (const found of startsOn(window, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()))
      if (found.start > after && (!best || found.start < best.start)) best = found;
  }
  return best;
}

/**
 * The occurrences of a recurring window that starts on a local date: one on most days; two when its start is
 * in the hour a fall-back repeats; and, when its end is in that hour, one that starts as the clock goes back
 * into the window (it is in force again while the clock shows the repeated minutes before END).
 */
function startsOn(window: RecurringWindow, year: number, month: number, day: number): Occurrence[] {
  const starts = instantsOf(localMs(year, month, day, window.start), window.zone);
  const ends = instantsOf(localMs(year, month, day, endMinutes(window)), window.zone);
  const found = starts.flatMap((start) => {
    const end = ends.find((instant) => instant > start);
    return end === undefined ? [] : [{ window, start, end: cutAtClockChange(window, starts, start, end) }];
  });
  const [first, second] = ends;
  if (first !== undefined && second !== undefined) {
    const back = clockChangeBetween(first, second, window.zone);
    if (
      occurrenceAt(window, back) &&
      !occurrenceAt(window, back - 1) &&
      !found.some((item) => item.start === back)
    )
      found.push({ window, start: back, end: second });
  }
  return found;
}

/**
 * START in the hour a fall-back repeats (01:30 on a night the clock goes from 02:00 back to 01:00): the occurrence
 * from START's first instant ends at the change, where the clock shows a time before START again; the window is
 * in force again when the clock shows START the second time (the occurrence from START's second instant).
 */
function cutAtClockChange(window: RecurringWindow, starts: number[], start: number, end: number): number {
  const [first, second] = starts;
  if (first === undefined || second === undefined || start !== first) return end;
  const back = clockChangeBetween(first, second, window.zone);
  return back < second ? Math.min(end, back) : end;
}

/** A recurring window's end in minutes after the local midnight of its start day: past 1440 when it crosses. */
const endMinutes = (window: RecurringWindow) => window.end + (crossesMidnight(window) ? 1440 : 0);

/** The windows in force at `at`. */
export const activeAt = (windows: readonly FreezeWindow[], at: number): Occurrence[] =>
  windows.flatMap((window) => occurrenceAt(window, at) ?? []);

/** The earliest window to start after `after`. */
export function nextWindow(windows: readonly FreezeWindow[], after: number): Occurrence | undefined {
  let best: Occurrence | undefined;
  for (const window of windows) {
    const found = nextOccurrence(window, after);
    if (found && (!best || found.start < best.start)) best = found;
  }
  return best;
}

/**
 * When a freeze in force at `at` lifts: windows that start as another ends continue it. The search is bounded;
 * `open` says it stopped while windows still continue the freeze (it lasts at least until `until`).
 */
export function frozenUntil(
  windows: readonly FreezeWindow[],
  active: readonly Occurrence[],
): { until: number; open: boolean } {
  let until = Math.max(...active.map((item) => item.end));
  // Bounded: each round moves `until` to a later end, and no more windows exist than are declared per day.
  for (let round = 0; round < 2 * windows.length * 8; round++) {
    const continuing = activeAt(windows, until);
    if (continuing.length === 0) return { until, open: false };
    const later = Math.max(...continuing.map((item) => item.end));
    if (later <= until || later - until > 90 * DAY) break;
    until = later;
  }
  return { until, open: activeAt(windows, until).some((item) => item.end > until) };
}

export const viewOf = (occurrence: Occurrence): WindowView => ({
  index: occurrence.window.index,
  kind: occurrence.window.kind,
  window: occurrence.window.text,
  reason: occurrence.window.reason,
  start: new Date(occurrence.start).toISOString(),
  end: new Date(occurrence.end).toISOString(),
});

/**
 * The whole answer for an instant: what is frozen, until when, and the next window.
 *
 * @example
 * const windows = parseFreezeWindows('weekdays 09:25-09:45 America/New_York the 09:35 trading run');
 * freezeStatus(windows, new Date('2026-03-06T14:30:00Z'));
 * // { frozen: true, until: '2026-03-06T14:45:00.000Z', active: [{ index: 0, … }], next: { start: '2026-03-09T13:25:00.000Z', … } }
 */
export function freezeStatus(windows: readonly FreezeWindow[], at: Date): FreezeStatus {
  const time = at.getTime();
  const active = activeAt(windows, time);
  const lifts = active.length > 0 ? frozenUntil(windows, active) : undefined;
  // A freeze whose end was not found has no known "next": the windows after it are the same freeze.
  const next = lifts?.open ? undefined : nextWindow(windows, lifts?.until ?? time);
  return {
    at: at.toISOString(),
    frozen: active.length > 0,
    active: active.map(viewOf),
    ...(lifts !== undefined ? { until: new Date(lifts.until).toISOString() } : {}),
    ...(lifts?.open ? { untilAtLeast: true as const } : {}),
    ...(next ? { next: viewOf(next) } : {}),
    declared: windows.length,
  };
}
