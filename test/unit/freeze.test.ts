import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../shared/errors.js';
import {
  FrozenError,
  freezeWindows,
  lenientFreezeGuard,
  refuseDuringFreeze,
} from '../../shared/freeze/guard.js';
import { freezeStatus } from '../../shared/freeze/status.js';
import { FreezeWindowError, parseFreezeWindows } from '../../shared/freeze/windows.js';
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
    ['a recurring start after its end', 'weekdays 09:45-09:25 UTC', 0, 'end', /ends before it starts/],
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

describe('refuseDuringFreeze', () => {
  const windows = parseFreezeWindows(TRADING);
  const frozenAt = at('2026-03-06T14:30:00Z');

  function recorder() {
    const warnings: string[] = [];
    const counted: string[] = [];
    return {
      warnings,
      counted,
      deps: {
        logger: { warn: (message: string) => warnings.push(message) },
        metrics: { addMetric: (name: string) => counted.push(name) },
      },
    };
  }

  it('refuses with a 409 naming the window and when the freeze lifts, logged and counted', () => {
    // Prepare
    const { deps, warnings, counted } = recorder();
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
    expect(warnings[0]).toMatch(/refused a drain/);
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
