import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, SettingError } from '../../shared/errors.js';
import {
  FrozenError,
  freezeWindows,
  lenientFreezeGuard,
  refuseDuringFreeze,
} from '../../shared/freeze/guard.js';
import { freezeStatus } from '../../shared/freeze/status.js';
import {
  crossesMidnight,
  FreezeWindowError,
  parseFreezeWindows,
  type RecurringWindow,
  readFreezeWindows,
} from '../../shared/freeze/windows.js';
import { instantsOf, localMs, wallClock } from '../../shared/freeze/zone.js';

const TRADING = 'weekdays 09:25-09:45 America/New_York the 09:35 trading run';
const at = (iso: string) => new Date(iso);
const statusAt = (windows: string, iso: string) => freezeStatus(parseFreezeWindows(windows), at(iso));

describe('freeze windows: parsing', () => {
  it('reads recurring and one-off windows separated by ; or new lines, with their reasons', () => {
    // Act
    const windows = parseFreezeWindows(
      `${TRADING};\n2026-12-24T12:00Z/2026-12-28T08:00+01:00 year-end close\nmon,wed-fri 16:00-24:00 Europe/London`,
    );
    // Assess
    expect(windows).toEqual([
      expect.objectContaining({
        kind: 'recurring',
        index: 0,
        days: [1, 2, 3, 4, 5],
        start: 565,
        end: 585,
        zone: 'America/New_York',
        reason: 'the 09:35 trading run',
      }),
      expect.objectContaining({
        kind: 'one-off',
        index: 1,
        start: Date.parse('2026-12-24T12:00Z'),
        end: Date.parse('2026-12-28T07:00Z'),
        reason: 'year-end close',
      }),
      expect.objectContaining({ index: 2, days: [1, 3, 4, 5], start: 960, end: 1440, zone: 'Europe/London' }),
    ]);
  });

  it('accepts the en dash of "09:25–09:45" and no windows at all', () => {
    expect(parseFreezeWindows('weekdays 09:25\u201309:45 UTC')[0]).toMatchObject({ start: 565, end: 585 });
    expect(parseFreezeWindows('')).toEqual([]);
    expect(parseFreezeWindows(undefined)).toEqual([]);
    expect(parseFreezeWindows(' ; \n ')).toEqual([]);
  });

  it('reads a window whose end is before its start as crossing midnight, and keeps 24:00 as an end', () => {
    // Act
    const [overnight, late, toMidnight] = parseFreezeWindows(
      'weekdays 22:00-02:00 America/New_York overnight batch; daily 23:30-00:30 UTC; daily 22:00-24:00 UTC',
    );
    // Assess
    expect(overnight).toMatchObject({
      days: [1, 2, 3, 4, 5],
      start: 1320,
      end: 120,
      reason: 'overnight batch',
    });
    expect(crossesMidnight(overnight as RecurringWindow)).toBe(true);
    expect(crossesMidnight(late as RecurringWindow)).toBe(true);
    expect(toMidnight).toMatchObject({ start: 1320, end: 1440 });
    expect(crossesMidnight(toMidnight as RecurringWindow)).toBe(false);
  });

  it('lets a range wrap the end of the week', () => {
    expect(parseFreezeWindows('fri-mon 10:00-11:00 UTC')[0]).toMatchObject({ days: [0, 1, 5, 6] });
  });

  const invalid: [string, string, number, string, RegExp][] = [
    ['a recurring freeze with no end', 'weekdays 09:25 America/New_York', 0, 'end', /no end/],
    ['a one-off freeze with no end', '2026-12-24T12:00Z/ year-end close', 0, 'end', /no end/],
    ['a one-off freeze with only a start', '2026-12-24T12:00Z year-end close', 0, 'end', /no end/],
    [
      'an unknown time zone',
      'weekdays 09:25-09:45 Mars/Olympus',
      0,
      'zone',
      /unknown time zone "Mars\/Olympus"/,
    ],
    ['a missing time zone', 'weekdays 09:25-09:45', 0, 'zone', /expected a time zone/],
    [
      'a recurring window that ends when it starts',
      'weekdays 09:25-09:25 UTC',
      0,
      'end',
      /ends when it starts: empty or 24 hours\?/,
    ],
    ['a window from midnight to midnight as 00:00', 'daily 00:00-00:00 UTC', 0, 'end', /empty or 24 hours/],
    [
      'a one-off start after its end',
      '2026-12-28T08:00Z/2026-12-24T12:00Z close',
      0,
      'end',
      /not after the start/,
    ],
    ['an instant without its offset', '2026-12-24T12:00/2026-12-28T08:00Z close', 0, 'start', /offset/],
    ['unknown days', 'someday 09:25-09:45 UTC', 0, 'days', /weekdays/],
    ['hours that are not times', 'weekdays 9.25-9.45 UTC', 0, 'start', /HH:MM-HH:MM/],
    ['a minute past 24:00', 'daily 23:00-24:01 UTC', 0, 'end', /not a time of day/],
    ['a one-off without a reason', '2026-12-24T12:00Z/2026-12-28T08:00Z', 0, 'reason', /needs a reason/],
    [
      'a one-off longer than 90 days',
      '2026-01-01T00:00Z/2026-12-31T00:00Z close',
      0,
      'end',
      /at most 90 days/,
    ],
    ['the second window of two', 'daily 01:00-02:00 UTC; weekdays 09:25 UTC', 1, 'end', /no end/],
  ];

  it.each(invalid)('refuses %s, naming the index and the field', (_, text, index, part, message) => {
    // Act
    const error = (() => {
      try {
        parseFreezeWindows(text);
      } catch (caught) {
        return caught;
      }
    })();
    // Assess
    expect(error).toBeInstanceOf(FreezeWindowError);
    expect(error).toMatchObject({ index, part });
    expect((error as Error).message).toMatch(new RegExp(`^\\[${index}\\]\\.${part}: `));
    expect((error as Error).message).toMatch(message);
  });

  it('turns a bad window into a ConfigurationError naming FREEZE_WINDOWS[index].field', () => {
    expect(() => freezeWindows({ FREEZE_WINDOWS: `${TRADING}; 2026-12-24T12:00Z/ close` })).toThrow(
      ConfigurationError,
    );
    expect(() => freezeWindows({ FREEZE_WINDOWS: `${TRADING}; 2026-12-24T12:00Z/ close` })).toThrow(
      /^FREEZE_WINDOWS\[1\]\.end: the window has no end/,
    );
    expect(freezeWindows({})).toEqual([]);
  });

  it('names every bad window and its field at once, not only the first (a window with no end, an unknown zone, a bad day, 25:00)', () => {
    // Prepare
    const text = [
      TRADING,
      '2026-12-24T12:00Z/ no end',
      'daily 01:00-02:00 Mars/Olympus',
      'funday 01:00-02:00 UTC',
      'daily 25:00-26:00 UTC',
    ].join('; ');

    // Act
    const { windows, problems } = readFreezeWindows(text);
    const thrown = (() => {
      try {
        freezeWindows({ FREEZE_WINDOWS: text });
      } catch (caught) {
        return caught as SettingError;
      }
    })();

    // Assess
    expect(windows.map((window) => window.index)).toEqual([0]);
    expect(problems.map((problem) => [problem.index, problem.part])).toEqual([
      [1, 'end'],
      [2, 'zone'],
      [3, 'days'],
      [4, 'start'],
    ]);
    expect(thrown).toBeInstanceOf(SettingError);
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect(thrown?.fields).toEqual([
      'FREEZE_WINDOWS[1].end',
      'FREEZE_WINDOWS[2].zone',
      'FREEZE_WINDOWS[3].days',
      'FREEZE_WINDOWS[4].start',
    ]);
    expect(thrown?.expose).toBe(true);
    expect(thrown?.statusCode).toBe(500);
    for (const field of thrown?.fields ?? []) expect(thrown?.message).toContain(`${field}: `);
  });

  it('refuses more than 20 windows', () => {
    const many = Array.from({ length: 21 }, () => 'daily 01:00-02:00 UTC').join(';');
    expect(() => parseFreezeWindows(many)).toThrow(/at most 20 windows/);
  });
});

describe('freeze windows: the zone arithmetic', () => {
  it('reads the wall clock of a zone, summer and winter', () => {
    expect(wallClock(Date.parse('2026-07-01T13:35Z'), 'America/New_York')).toEqual({
      year: 2026,
      month: 7,
      day: 1,
      weekday: 3,
      minutes: 9 * 60 + 35,
    });
    expect(wallClock(Date.parse('2026-01-05T14:35Z'), 'America/New_York').minutes).toBe(9 * 60 + 35);
  });

  it('finds a time the fall-back repeats twice, and the end of the gap for one spring-forward skips', () => {
    // 2026-11-01: New York goes from 02:00 EDT back to 01:00 EST at 06:00Z.
    expect(instantsOf(localMs(2026, 11, 1, 90), 'America/New_York')).toEqual([
      Date.parse('2026-11-01T05:30Z'),
      Date.parse('2026-11-01T06:30Z'),
    ]);
    // 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z; 02:30 never shows.
    expect(instantsOf(localMs(2026, 3, 8, 150), 'America/New_York')).toEqual([
      Date.parse('2026-03-08T07:00Z'),
    ]);
  });
});

describe('freeze status', () => {
  it('is frozen during the trading window in winter time, by that window, until its end', () => {
    // Act: Friday 2026-03-06 09:30 EST
    const status = statusAt(TRADING, '2026-03-06T14:30:00Z');
    // Assess
    expect(status).toMatchObject({
      frozen: true,
      until: '2026-03-06T14:45:00.000Z',
      active: [{ index: 0, reason: 'the 09:35 trading run', start: '2026-03-06T14:25:00.000Z' }],
      next: { start: '2026-03-09T13:25:00.000Z', end: '2026-03-09T13:45:00.000Z' },
    });
  });

  it('follows the wall clock across the DST change: the Monday after, the window is an hour earlier in UTC', () => {
    // Monday 2026-03-09, the day after New York moved to EDT.
    expect(statusAt(TRADING, '2026-03-09T13:30:00Z')).toMatchObject({
      frozen: true,
      until: '2026-03-09T13:45:00.000Z',
    });
    expect(statusAt(TRADING, '2026-03-09T14:30:00Z')).toMatchObject({
      frozen: false,
      next: { start: '2026-03-10T13:25:00.000Z' },
    });
  });

  it('on the spring-forward day, a daily window spanning the gap lasts an hour less', () => {
    // daily 01:30-03:30 New York on 2026-03-08: 06:30Z (EST) to 07:30Z (EDT).
    const status = statusAt('daily 01:30-03:30 America/New_York', '2026-03-08T07:10:00Z');
    expect(status).toMatchObject({
      frozen: true,
      until: '2026-03-08T07:30:00.000Z',
      active: [{ start: '2026-03-08T06:30:00.000Z' }],
    });
  });

  it('on the fall-back day, a window inside the repeated hour happens twice', () => {
    const windows = 'daily 01:15-01:45 America/New_York';
    expect(statusAt(windows, '2026-11-01T05:30:00Z')).toMatchObject({
      frozen: true,
      until: '2026-11-01T05:45:00.000Z',
      next: { start: '2026-11-01T06:15:00.000Z', end: '2026-11-01T06:45:00.000Z' },
    });
    expect(statusAt(windows, '2026-11-01T06:30:00Z')).toMatchObject({
      frozen: true,
      until: '2026-11-01T06:45:00.000Z',
      active: [{ start: '2026-11-01T06:15:00.000Z' }],
    });
    expect(statusAt(windows, '2026-11-01T05:50:00Z').frozen).toBe(false);
  });

  it('on the fall-back night, a window that starts in the repeated hour lifts as the clock goes back before its start', () => {
    // London, 25 Oct 2026: 02:00 BST becomes 01:00 GMT. At 01:59 BST (00:59Z) Sunday's window is in force; at
    // 01:00Z the clock shows 01:00, before 01:01, and at 01:01Z it shows 01:01 again (found by fast-check).
    const windows = 'sun 01:01-00:00 Europe/London';
    expect(statusAt(windows, '2026-10-24T23:30:00Z')).toMatchObject({
      frozen: false,
      next: { start: '2026-10-25T00:01:00.000Z', end: '2026-10-25T01:00:00.000Z' },
    });
    expect(statusAt(windows, '2026-10-25T00:59:00Z')).toMatchObject({
      frozen: true,
      until: '2026-10-25T01:00:00.000Z',
      active: [{ start: '2026-10-25T00:01:00.000Z', end: '2026-10-25T01:00:00.000Z' }],
      next: { start: '2026-10-25T01:01:00.000Z', end: '2026-10-26T00:00:00.000Z' },
    });
    expect(statusAt(windows, '2026-10-25T01:00:30Z').frozen).toBe(false);
    expect(statusAt(windows, '2026-10-25T01:01:00Z')).toMatchObject({
      frozen: true,
      until: '2026-10-26T00:00:00.000Z',
    });
  });

  it('a window wholly inside the spring-forward gap does not happen that day', () => {
    const status = statusAt('daily 02:15-02:45 America/New_York', '2026-03-08T05:00:00Z');
    expect(status).toMatchObject({ frozen: false, next: { start: '2026-03-09T06:15:00.000Z' } });
  });

  it('a one-off window freezes from its start to its end, and is the next window before it', () => {
    const windows = '2026-12-24T12:00Z/2026-12-28T08:00Z year-end close';
    expect(statusAt(windows, '2026-12-20T00:00:00Z')).toMatchObject({
      frozen: false,
      next: { kind: 'one-off', reason: 'year-end close', start: '2026-12-24T12:00:00.000Z' },
    });
    expect(statusAt(windows, '2026-12-24T12:00:00Z')).toMatchObject({
      frozen: true,
      until: '2026-12-28T08:00:00.000Z',
    });
    const after = statusAt(windows, '2026-12-28T08:00:00Z');
    expect(after.frozen).toBe(false);
    expect(after.next).toBeUndefined();
  });

  it('windows that overlap or follow each other freeze until the last of them ends', () => {
    const windows =
      'daily 09:00-10:00 UTC; daily 10:00-10:30 UTC; 2026-06-01T09:30Z/2026-06-01T12:00Z migration';
    expect(statusAt(windows, '2026-06-01T09:15:00Z')).toMatchObject({
      frozen: true,
      until: '2026-06-01T12:00:00.000Z',
    });
    expect(statusAt(windows, '2026-06-02T09:15:00Z')).toMatchObject({
      frozen: true,
      until: '2026-06-02T10:30:00.000Z',
    });
  });

  it('a freeze that never lifts (daily 00:00-24:00) is frozen until at least the end of the search, with no next window', () => {
    // Act
    const standing = statusAt('daily 00:00-24:00 Asia/Tokyo holiday freeze', '2026-11-28T12:38:00Z');
    const weekend = statusAt('weekends 00:00-24:00 Asia/Tokyo weekend', '2026-11-28T12:38:00Z');

    // Assess
    expect(standing).toMatchObject({ frozen: true, untilAtLeast: true });
    expect(standing.next).toBeUndefined();
    expect(Date.parse(standing.until as string)).toBeGreaterThan(Date.parse('2026-12-10T00:00:00Z'));
    expect(new FrozenError('a drain of q', standing).message).toContain(
      `is refused until at least ${standing.until} by window [0]`,
    );
    // Saturday and Sunday in Tokyo meet without a gap: the freeze lifts at Monday 00:00 JST, and is not open.
    expect(weekend).toMatchObject({ frozen: true, until: '2026-11-29T15:00:00.000Z' });
    expect(weekend.untilAtLeast).toBeUndefined();
    expect(weekend.next).toMatchObject({ start: '2026-12-04T15:00:00.000Z' });
  });

  it('a window across midnight freezes from its listed day to the next morning, though that day is not listed', () => {
    const windows = 'fri 22:00-02:00 America/New_York overnight batch';
    // Friday 2026-03-06 22:30 EST, then Saturday 01:30: the same occurrence, until Saturday 02:00 EST.
    for (const iso of ['2026-03-07T03:30:00Z', '2026-03-07T06:30:00Z'])
      expect(statusAt(windows, iso), iso).toMatchObject({
        frozen: true,
        until: '2026-03-07T07:00:00.000Z',
        active: [{ index: 0, start: '2026-03-07T03:00:00.000Z', end: '2026-03-07T07:00:00.000Z' }],
        next: { start: '2026-03-14T02:00:00.000Z', end: '2026-03-14T06:00:00.000Z' },
      });
    // Saturday 02:00 (it has ended), Saturday 22:30 (Saturday is not listed), Friday 21:59.
    for (const iso of ['2026-03-07T07:00:00Z', '2026-03-08T03:30:00Z', '2026-03-07T02:59:00Z'])
      expect(statusAt(windows, iso).frozen, iso).toBe(false);
    // Before it, it is the next window.
    expect(statusAt(windows, '2026-03-06T20:00:00Z').next).toMatchObject({
      start: '2026-03-07T03:00:00.000Z',
      end: '2026-03-07T07:00:00.000Z',
    });
  });

  it('weekdays across midnight: Saturday morning belongs to Friday night, Monday morning to no one', () => {
    const windows = 'weekdays 22:00-02:00 America/New_York overnight batch';
    expect(statusAt(windows, '2026-06-06T05:00:00Z')).toMatchObject({
      frozen: true,
      until: '2026-06-06T06:00:00.000Z',
    });
    expect(statusAt(windows, '2026-06-08T05:00:00Z')).toMatchObject({
      frozen: false,
      next: { start: '2026-06-09T02:00:00.000Z', end: '2026-06-09T06:00:00.000Z' },
    });
  });

  it('a daily window across midnight crosses the year too, and meets the next one without a gap', () => {
    expect(statusAt('daily 23:30-00:30 UTC', '2026-12-31T23:45:00Z')).toMatchObject({
      frozen: true,
      until: '2027-01-01T00:30:00.000Z',
      next: { start: '2027-01-01T23:30:00.000Z' },
    });
    // 20:00-08:00 and 08:00-09:00: one freeze from 20:00 to 09:00 the next day.
    expect(statusAt('daily 20:00-08:00 UTC; daily 08:00-09:00 UTC', '2026-06-01T21:00:00Z')).toMatchObject({
      frozen: true,
      until: '2026-06-02T09:00:00.000Z',
    });
  });

  it('on the spring-forward night, a window across midnight ending in the gap ends when the clock jumps', () => {
    // 2026-03-08: New York's 02:00 EST is 03:00 EDT at 07:00Z; 02:30 never shows.
    const status = statusAt('sat 22:00-02:30 America/New_York overnight', '2026-03-08T06:30:00Z');
    expect(status).toMatchObject({
      frozen: true,
      until: '2026-03-08T07:00:00.000Z',
      active: [{ start: '2026-03-08T03:00:00.000Z', end: '2026-03-08T07:00:00.000Z' }],
    });
    expect(statusAt('sat 22:00-02:30 America/New_York', '2026-03-08T07:00:00Z').frozen).toBe(false);
  });

  it('on the fall-back night, a window across midnight lasts an hour longer, and one ending in the repeated hour shows it twice', () => {
    // 2026-11-01: New York's 02:00 EDT is 01:00 EST at 06:00Z.
    expect(statusAt('sat 22:00-03:00 America/New_York', '2026-11-01T06:30:00Z')).toMatchObject({
      frozen: true,
      until: '2026-11-01T08:00:00.000Z',
      active: [{ start: '2026-11-01T02:00:00.000Z', end: '2026-11-01T08:00:00.000Z' }],
    });
    // 22:00-01:30: the clock shows 01:00-01:30 twice, and the window is in force both times.
    const windows = 'sat 22:00-01:30 America/New_York';
    expect(statusAt(windows, '2026-11-01T05:15:00Z')).toMatchObject({
      frozen: true,
      until: '2026-11-01T05:30:00.000Z',
    });
    expect(statusAt(windows, '2026-11-01T05:45:00Z')).toMatchObject({
      frozen: false,
      next: { start: '2026-11-01T06:00:00.000Z', end: '2026-11-01T06:30:00.000Z' },
    });
    expect(statusAt(windows, '2026-11-01T06:15:00Z')).toMatchObject({
      frozen: true,
      until: '2026-11-01T06:30:00.000Z',
    });
  });

  it('with no windows, nothing is frozen and nothing is next', () => {
    expect(statusAt('', '2026-06-01T09:15:00Z')).toEqual({
      at: '2026-06-01T09:15:00.000Z',
      frozen: false,
      active: [],
      declared: 0,
    });
  });

  it('property: frozen means until is later; not frozen means the next window starts later', () => {
    const windows = parseFreezeWindows(
      `${TRADING}; daily 01:30-03:30 America/New_York; sat 22:00-24:00 Australia/Lord_Howe; mon-fri 00:00-00:30 Asia/Kolkata`,
    );
    fc.assert(
      fc.property(fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2028-01-01') }), (time) => {
        const status = freezeStatus(windows, new Date(time));
        if (status.frozen) expect(Date.parse(status.until as string)).toBeGreaterThan(time);
        expect(status.next).toBeDefined();
        expect(Date.parse(status.next?.start as string)).toBeGreaterThan(time);
        expect(Date.parse(status.next?.end as string)).toBeGreaterThan(
          Date.parse(status.next?.start as string),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('freeze status against a brute-force oracle', () => {
  const ZONES = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Sydney', 'Asia/Kolkata'];
  const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
  const MINUTE = 60_000;
  const hhmm = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

  // The oracle's own wall clock (not zone.ts): the minute of the week, Sunday 00:00 being 0.
  const clocks = new Map<string, Intl.DateTimeFormat>();
  function wallMinuteOfWeek(at: number, zone: string): number {
    const clock =
      clocks.get(zone) ??
      new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        weekday: 'short',
        hour: 'numeric',
        minute: 'numeric',
        hourCycle: 'h23',
      });
    clocks.set(zone, clock);
    const parts = Object.fromEntries(clock.formatToParts(at).map((part) => [part.type, part.value]));
    const day = DAYS.indexOf(String(parts.weekday).toLowerCase());
    return day * 1440 + Number(parts.hour) * 60 + Number(parts.minute);
  }
  // The walks below ask it for every minute of up to ten days. Asked once per quarter hour of UTC instead (the
  // minutes within one follow on): every change of UTC offset in ZONES, 2026-2028, falls on a whole UTC hour, so
  // an offset never changes inside a quarter hour. A fifteenth of Intl's work, and the same answers.
  const QUARTER = 15 * MINUTE;
  const quarters = new Map<string, number>();
  function minuteOfWeek(at: number, zone: string): number {
    const quarter = Math.floor(at / QUARTER) * QUARTER;
    const key = `${zone} ${quarter}`;
    let first = quarters.get(key);
    if (first === undefined) {
      if (quarters.size >= 100_000) quarters.clear();
      first = wallMinuteOfWeek(quarter, zone);
      quarters.set(key, first);
    }
    return (first + Math.floor((at - quarter) / MINUTE)) % 10_080;
  }

  // Walks the local minutes each listed day's occurrence covers, from START on to END (the next day's when it
  // is not after START), marking them in a table of the week's minutes.
  function oracle(windows: RecurringWindow[]): (at: number) => boolean {
    const tables = windows.map((window) => {
      const table = new Uint8Array(7 * 1440);
      const length = window.end > window.start ? window.end - window.start : window.end + 1440 - window.start;
      for (const day of window.days)
        for (let minute = 0; minute < length; minute++)
          table[(day * 1440 + window.start + minute) % 10080] = 1;
      return table;
    });
    return (at) => windows.some((window, i) => tables[i]?.[minuteOfWeek(at, window.zone)] === 1);
  }

  const window = fc
    .record({
      days: fc.subarray(DAYS, { minLength: 1 }),
      start: fc.integer({ min: 0, max: 1439 }),
      end: fc.integer({ min: 0, max: 1440 }),
      zone: fc.constantFrom(...ZONES),
    })
    .filter(({ start, end }) => start !== end)
    .map(({ days, start, end, zone }) => `${days.join(',')} ${hhmm(start)}-${hhmm(end)} ${zone}`);
  // Instants anywhere in two years, and near the 2026 DST nights of New York, London and Sydney.
  const transitions = [
    '2026-03-08T07:00Z',
    '2026-11-01T06:00Z',
    '2026-03-29T01:00Z',
    '2026-10-25T01:00Z',
    '2026-04-04T16:00Z',
    '2026-10-03T16:00Z',
  ].map(Date.parse);
  const instant = fc.oneof(
    fc.integer({ min: Date.parse('2026-01-01'), max: Date.parse('2028-01-01') }),
    fc
      .tuple(fc.constantFrom(...transitions), fc.integer({ min: -36 * 60, max: 36 * 60 }))
      .map(([transition, minutes]) => transition + minutes * MINUTE),
  );

  it("the oracle's quarter-hour clock is Intl's, minute by minute, through every zone's DST nights", () => {
    for (const transition of transitions)
      for (let at = transition - 3 * 60 * MINUTE; at <= transition + 3 * 60 * MINUTE; at += MINUTE)
        for (const zone of ZONES) expect(minuteOfWeek(at, zone)).toBe(wallMinuteOfWeek(at, zone));
  });

  it('property: frozen at t is what the wall clock says, and until is the first instant the freeze lifts', () => {
    fc.assert(
      fc.property(fc.array(window, { minLength: 1, maxLength: 3 }), instant, (texts, at) => {
        // Prepare
        const windows = parseFreezeWindows(texts.join('; ')) as RecurringWindow[];
        const frozen = oracle(windows);
        // Act
        const status = freezeStatus(windows, new Date(at));
        // Assess
        expect(status.frozen).toBe(frozen(at));
        if (!status.frozen) return;
        // Walk the minutes after `at` to the first in which no window is in force (a freeze that never lifts
        // within ten days is standing: the status then only promises a later, still frozen, instant).
        let lifts = Math.floor(at / MINUTE) * MINUTE + MINUTE;
        while (frozen(lifts) && lifts - at < 10 * 1440 * MINUTE) lifts += MINUTE;
        const until = Date.parse(status.until as string);
        if (!frozen(lifts)) expect(new Date(until).toISOString()).toBe(new Date(lifts).toISOString());
        else expect(frozen(until - 1)).toBe(true);
        expect(until).toBeGreaterThan(at);
        // "At least" exactly when the freeze still holds at `until`: the search stopped, not the freeze.
        expect(status.untilAtLeast === true).toBe(frozen(until));
      }),
      { numRuns: 400 },
    );
  });

  it('property: the next window starts after t, in force as it starts, and is the first freeze ahead', () => {
    fc.assert(
      fc.property(window, instant, (text, at) => {
        const windows = parseFreezeWindows(text) as RecurringWindow[];
        const frozen = oracle(windows);
        const status = freezeStatus(windows, new Date(at));
        const start = Date.parse(status.next?.start as string);
        expect(start).toBeGreaterThan(Date.parse(status.until ?? status.at));
        expect(frozen(start)).toBe(true);
        expect(Date.parse(status.next?.end as string)).toBeGreaterThan(start);
        // The next window is the first minute after `at` (or after `until`) in which one is in force.
        const from = Date.parse(status.until ?? status.at);
        if (frozen(from)) return; // a standing freeze: nothing is next after it
        let begins = Math.floor(from / MINUTE) * MINUTE + MINUTE;
        while (!frozen(begins) && begins < start) begins += MINUTE;
        expect(new Date(start).toISOString()).toBe(new Date(begins).toISOString());
      }),
      { numRuns: 200 },
    );
  });
});

describe('refuseDuringFreeze', () => {
  const windows = parseFreezeWindows(TRADING);
  const frozenAt = at('2026-03-06T14:30:00Z');

  function recorder() {
    const warnings: string[] = [];
    const infos: string[] = [];
    const counted: string[] = [];
    return {
      warnings,
      infos,
      counted,
      deps: {
        logger: {
          warn: (message: string) => warnings.push(message),
          info: (message: string) => infos.push(message),
        },
        metrics: { addMetric: (name: string) => counted.push(name) },
      },
    };
  }

  it('refuses with a 409 naming the window and when the freeze lifts, logged and counted', () => {
    // Prepare
    const { deps, warnings, infos, counted } = recorder();
    // Act
    const act = () => refuseDuringFreeze({ windows }, frozenAt, 'a drain of orders-dlq', deps);
    // Assess
    expect(act).toThrow(FrozenError);
    expect(act).toThrow(
      /a drain of orders-dlq is refused until 2026-03-06T14:45:00.000Z by window \[0\] "weekdays 09:25-09:45 America\/New_York the 09:35 trading run"/,
    );
    expect(
      (() => {
        try {
          act();
        } catch (error) {
          return error;
        }
      })(),
    ).toMatchObject({ statusCode: 409, code: 'Conflict' });
    expect(infos[0]).toMatch(/refused a drain/);
    expect(warnings).toEqual([]);
    expect(counted).toContain('FreezeRefusals');
  });

  it('lets the change through outside the windows, and through a freeze with an approval', () => {
    const { deps, counted } = recorder();
    expect(refuseDuringFreeze({ windows }, at('2026-03-06T15:00:00Z'), 'a drain', deps).frozen).toBe(false);
    const approved = { windows, override: { approvalId: 'apr-1', approvedBy: ['alice', 'bob'] } };
    expect(refuseDuringFreeze(approved, frozenAt, 'a drain', deps).frozen).toBe(true);
    expect(counted).toEqual([]);
  });

  it('a lenient guard keeps a malformed window as its problem, and refuses every change it is asked about with it', () => {
    // Prepare
    const { deps } = recorder();
    const guard = lenientFreezeGuard({ FREEZE_WINDOWS: 'daily 09:00-10:00 Mars/Olympus' });

    // Act + Assess
    expect(guard.windows).toEqual([]);
    expect(() => refuseDuringFreeze(guard, at('2026-03-06T03:00:00Z'), 'a rotation', deps)).toThrow(
      /^FREEZE_WINDOWS\[0\]\.zone: unknown time zone/,
    );
    expect(() => refuseDuringFreeze(guard, at('2026-03-06T03:00:00Z'), 'a rotation', deps)).toThrow(
      ConfigurationError,
    );
  });
});
