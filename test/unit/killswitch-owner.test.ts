// Whose a schedule's state is (functions/killswitch/owner.ts): the decisions a resumed disable and enable take
// about schedules people changed by hand while a kill switch was open (issue 13, point 6).
import { describe, expect, it } from 'vitest';
import type { ScheduleDefinition } from '../../functions/killswitch/definition.js';
import { enableVerdict, modifiedSince, snapshotStands } from '../../functions/killswitch/owner.js';

const MARK = '2026-11-22T03:10:00.000Z';
const KEY = 'trading/daily';
const marks = new Map([[KEY, MARK]]);
const definition = (fields: Partial<ScheduleDefinition> = {}): ScheduleDefinition => ({
  Name: 'daily',
  GroupName: 'trading',
  ScheduleExpression: 'rate(5 minutes)',
  State: 'ENABLED',
  ...fields,
});

describe('modifiedSince', () => {
  it('reads a modification more than a millisecond after the mark as someone else’s', () => {
    expect(modifiedSince('2026-11-22T03:10:00.002Z', MARK)).toBe(true);
  });

  it('reads the kill switch’s own write (at or up to a rounded millisecond after its mark) as its own', () => {
    expect(modifiedSince('2026-11-22T03:09:59.900Z', MARK)).toBe(false);
    expect(modifiedSince('2026-11-22T03:10:00.001Z', MARK)).toBe(false);
  });

  it('treats an unknown modification time as a change: the safe reading', () => {
    expect(modifiedSince(undefined, MARK)).toBe(true);
  });
});

describe('snapshotStands (a resumed disable)', () => {
  it('keeps the snapshot of a schedule the kill switch turned off and nobody touched since', () => {
    const now = definition({ State: 'DISABLED' });
    expect(snapshotStands(definition(), now, '2026-11-22T03:09:59.000Z', marks, KEY)).toBe(true);
  });

  it('snapshots anew a schedule changed after the mark, even back to the same state', () => {
    // Re-enabled by hand, then disabled by hand: the state the kill switch left, but a person's now.
    const now = definition({ State: 'DISABLED' });
    expect(snapshotStands(definition(), now, '2026-11-22T04:00:00.000Z', marks, KEY)).toBe(false);
  });

  it('keeps an unwritten schedule’s snapshot only while it is exactly as snapshotted', () => {
    const other = 'trading/other';
    expect(snapshotStands(definition(), definition(), '2026-11-22T04:00:00.000Z', marks, other)).toBe(true);
    expect(snapshotStands(definition(), definition({ State: 'DISABLED' }), undefined, marks, other)).toBe(
      false,
    );
    expect(snapshotStands(definition(), definition({ Description: 'edited' }), undefined, marks, other)).toBe(
      false,
    );
  });

  it('keeps every snapshot when no run recorded marks (a run that stopped before its record)', () => {
    expect(snapshotStands(definition(), definition({ State: 'DISABLED' }), undefined, undefined, KEY)).toBe(
      true,
    );
  });
});

describe('enableVerdict (a DISABLED schedule the snapshot had ENABLED)', () => {
  it('restores one the kill switch turned off and nobody changed since', () => {
    expect(enableVerdict('2026-11-22T03:09:59.000Z', marks, KEY)).toBe('restore');
  });

  it('leaves one changed after the kill switch turned it off', () => {
    expect(enableVerdict('2026-11-22T03:30:00.000Z', marks, KEY)).toBe('changed-since');
  });

  it('leaves one the kill switch never wrote: someone else turned it off', () => {
    expect(enableVerdict('2026-11-22T03:00:00.000Z', marks, 'trading/other')).toBe('not-changed-by-disable');
  });

  it('restores on the snapshot alone when no run recorded marks', () => {
    expect(enableVerdict('2026-11-22T03:30:00.000Z', undefined, KEY)).toBe('restore');
  });
});
