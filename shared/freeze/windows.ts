// The freeze windows a stack declares (template parameter FreezeWindows, env FREEZE_WINDOWS), in a line syntax
// a person writes in a parameter file or samconfig.toml without escaping JSON. Windows are separated by `;`
// (or new lines); each is one of:
//
//   DAYS HH:MM-HH:MM ZONE [reason]     recurring, in wall-clock time of ZONE (an IANA name, DST applied)
//       weekdays 09:25-09:45 America/New_York the 09:35 trading run
//       mon,wed,fri 16:00-16:30 Europe/London; daily 23:00-24:00 UTC nightly batch
//   START/END reason                   one-off: ISO-8601 instants with a zone offset (Z or +01:00)
//       2026-12-24T12:00Z/2026-12-28T08:00Z year-end close
//
//       weekdays 22:00-02:00 America/New_York overnight batch
//
// DAYS: daily, weekdays, weekends, or a comma list of mon..sun and ranges (mon-fri). 24:00 ends a window at
// midnight. A window whose end is before its start crosses midnight: it starts on each listed day and ends the
// next day ("fri 22:00-02:00" is Friday 22:00 to Saturday 02:00, though Saturday is not listed) — how an
// on-call engineer says it, and no second half whose days must be shifted by hand. Every window has an end: a
// window without one, an unknown zone, or a start equal to its end (empty, or 24 hours?) is refused, naming
// its index and field.
import { isTimeZone } from './zone.js';

interface WindowBase {
  /** Its place in FREEZE_WINDOWS, from 0: how errors and answers name it. */
  index: number;
  /** The window as written. */
  text: string;
  reason: string;
}

export interface RecurringWindow extends WindowBase {
  kind: 'recurring';
  /** Weekdays, 0 (Sunday) to 6, in the zone's calendar. */
  days: number[];
  /**
   * Minutes after local midnight; `end` may be 1440 (24:00). An `end` before `start` crosses midnight: it is
   * on the day after the listed one (see crossesMidnight).
   */
  start: number;
  end: number;
  zone: string;
}

export interface OneOffWindow extends WindowBase {
  kind: 'one-off';
  /** Epoch ms. */
  start: number;
  end: number;
}

export type FreezeWindow = RecurringWindow | OneOffWindow;

/** A window that cannot be enforced as written: which one, which part of it, and what is wrong. */
export class FreezeWindowError extends Error {
  readonly index: number;
  readonly part: string;
  /** What is wrong, and the window as written, without its place (`[1].end: `). */
  readonly problem: string;
  constructor(index: number, part: string, problem: string, text: string) {
    super(`[${index}].${part}: ${problem} (in "${text}")`);
    this.name = 'FreezeWindowError';
    this.index = index;
    this.part = part;
    this.problem = `${problem} (in "${text}")`;
  }
}

export const MAX_WINDOWS = 20;
/** A one-off window longer than this is a standing policy, not a freeze: it must be written as recurring. */
export const MAX_ONE_OFF_DAYS = 90;
const MAX_REASON = 200;

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_SETS: Record<string, number[]> = {
  daily: [0, 1, 2, 3, 4, 5, 6],
  weekdays: [1, 2, 3, 4, 5],
  weekends: [0, 6],
};
// An instant must carry its offset: "2026-12-24T12:00" alone would mean a different moment in each zone.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const TIMES = /^(\d{1,2}):(\d{2})(?:[-\u2013](\d{1,2}):(\d{2}))?$/;

/** Parses FREEZE_WINDOWS. Absent or blank: no windows. Throws FreezeWindowError for the first bad window. */
export function parseFreezeWindows(text: string | undefined): FreezeWindow[] {
  const { windows, problems } = readFreezeWindows(text);
  if (problems[0]) throw problems[0];
  return windows;
}

/**
 * Every window of FREEZE_WINDOWS read: the good ones, and a FreezeWindowError for each bad one (its first
 * mistake), so that whoever fixes the setting sees them all at once rather than one per deploy.
 */
export function readFreezeWindows(text: string | undefined): {
  windows: FreezeWindow[];
  problems: FreezeWindowError[];
} {
  const entries = (text ?? '')
    .split(/[;\n]/)
    .map((entry) => entry.trim())
    .filter(Boolean);
  const windows: FreezeWindow[] = [];
  const problems: FreezeWindowError[] = [];
  entries.slice(0, MAX_WINDOWS).forEach((entry, index) => {
    try {
      windows.push(/^\d/.test(entry) ? oneOff(entry, index) : recurring(entry, index));
    } catch (error) {
      if (!(error instanceof FreezeWindowError)) throw error;
      problems.push(error);
    }
  });
  if (entries.length > MAX_WINDOWS)
    problems.push(
      new FreezeWindowError(
        MAX_WINDOWS,
        'text',
        `at most ${MAX_WINDOWS} windows`,
        entries[MAX_WINDOWS] ?? '',
      ),
    );
  return { windows, problems };
}

function oneOff(text: string, index: number): OneOffWindow {
  const fail = (part: string, problem: string) => new FreezeWindowError(index, part, problem, text);
  const [span = '', ...words] = text.split(/\s+/);
  const [startText = '', endText, ...extra] = span.split('/');
  if (extra.length > 0) throw fail('end', 'expected START/END, two instants');
  const start = instant(startText, () =>
    fail('start', 'expected an ISO-8601 instant with its offset, e.g. 2026-12-24T12:00Z'),
  );
  if (!endText)
    throw fail('end', 'the window has no end: write START/END (every freeze ends; renew it if it must last)');
  const end = instant(endText, () =>
    fail('end', 'expected an ISO-8601 instant with its offset, e.g. 2026-12-28T08:00Z'),
  );
  if (start >= end) throw fail('end', `${endText} is not after the start ${startText}`);
  if (end - start > MAX_ONE_OFF_DAYS * 86_400_000)
    throw fail(
      'end',
      `a one-off window lasts at most ${MAX_ONE_OFF_DAYS} days; write a standing freeze as recurring`,
    );
  const reason = words.join(' ');
  if (reason.length < 3) throw fail('reason', 'a one-off window needs a reason after its instants');
  if (reason.length > MAX_REASON) throw fail('reason', `at most ${MAX_REASON} characters`);
  return { kind: 'one-off', index, text, start, end, reason };
}

function instant(text: string, fail: () => Error): number {
  const at = INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw fail();
  return at;
}

function recurring(text: string, index: number): RecurringWindow {
  const fail = (part: string, problem: string) => new FreezeWindowError(index, part, problem, text);
  const [daysText = '', timesText, zone, ...words] = text.split(/\s+/);
  const days = parseDays(daysText, () =>
    fail('days', `expected daily, weekdays, weekends or days such as mon-fri or mon,wed (got "${daysText}")`),
  );
  const times = TIMES.exec(timesText ?? '');
  if (!times) throw fail('start', "expected the window's hours as HH:MM-HH:MM after the days");
  const start = minutes(times[1], times[2]);
  if (start === undefined || start >= 1440)
    throw fail('start', `${times[1]}:${times[2]} is not a time of day`);
  if (times[3] === undefined)
    throw fail('end', 'the window has no end: write HH:MM-HH:MM (every freeze ends)');
  const end = minutes(times[3], times[4]);
  if (end === undefined)
    throw fail('end', `${times[3]}:${times[4]} is not a time of day (24:00 is midnight)`);
  if (start === end)
    throw fail(
      'end',
      `${timesText} ends when it starts: empty or 24 hours? write 00:00-24:00 for a whole day, or a shorter window`,
    );
  if (!zone) throw fail('zone', 'expected a time zone after the hours, e.g. America/New_York or UTC');
  if (!isTimeZone(zone))
    throw fail('zone', `unknown time zone "${zone}" (expected an IANA name such as Europe/London)`);
  const reason = words.join(' ') || `recurring freeze ${daysText} ${timesText} ${zone}`;
  if (reason.length > MAX_REASON) throw fail('reason', `at most ${MAX_REASON} characters`);
  return { kind: 'recurring', index, text, days, start, end, zone, reason };
}

/** Whether a recurring window ends on the day after it starts ("22:00-02:00"). */
export const crossesMidnight = (window: Pick<RecurringWindow, 'start' | 'end'>): boolean =>
  window.end < window.start;

function minutes(hours: string | undefined, mins: string | undefined): number | undefined {
  const h = Number(hours);
  const m = Number(mins);
  if (m > 59 || h > 24 || (h === 24 && m > 0)) return undefined;
  return h * 60 + m;
}

function parseDays(text: string, fail: () => Error): number[] {
  const lower = text.toLowerCase();
  const set = DAY_SETS[lower];
  if (set) return set;
  const days = new Set<number>();
  for (const item of lower.split(',')) {
    const [from, to, extra] = item.split('-').map((name) => DAY_NAMES.indexOf(name));
    if (from === undefined || from < 0 || extra !== undefined || (to !== undefined && to < 0)) throw fail();
    // A range may wrap the week's end: fri-mon is fri, sat, sun, mon.
    for (let day = from; ; day = (day + 1) % 7) {
      days.add(day);
      if (to === undefined || day === to) break;
    }
  }
  return [...days].sort();
}
