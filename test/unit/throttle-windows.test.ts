import { describe, expect, it } from 'vitest';
import { functionNameOf } from '../../shared/arn.js';
import type { AuditRecord } from '../../shared/audit.js';
import {
  insideWindow,
  THROTTLE_ACTION,
  throttleTarget,
  UNTHROTTLE_ACTION,
  windowsFrom,
} from '../../shared/throttle-windows.js';

function record(
  action: string,
  at: string,
  restoreId: string,
  extra: Partial<AuditRecord> = {},
): AuditRecord {
  return {
    action,
    at,
    actor: 'oncall',
    reason: 'incident',
    target: 'function:trading',
    request: {},
    before: {},
    after: {},
    dryRun: false,
    outcome: 'succeeded',
    correlationId: 'c',
    auditId: `${at}-${action}`,
    expiresAt: 0,
    details: { restoreId, functionName: 'trading' },
    ...extra,
  };
}

describe('throttle windows', () => {
  it('pairs a throttle with its restore, and leaves an unrestored one open', () => {
    // Prepare
    const records = [
      record(UNTHROTTLE_ACTION, '2026-11-22T10:00:00.000Z', 'r1'),
      record(THROTTLE_ACTION, '2026-11-22T09:00:00.000Z', 'r1'),
      record(THROTTLE_ACTION, '2026-11-22T12:00:00.000Z', 'r2'),
    ];

    // Act
    const windows = windowsFrom(records);

    // Assess
    expect(windows).toEqual([
      {
        functionName: 'trading',
        restoreId: 'r1',
        from: '2026-11-22T09:00:00.000Z',
        to: '2026-11-22T10:00:00.000Z',
      },
      { functionName: 'trading', restoreId: 'r2', from: '2026-11-22T12:00:00.000Z' },
    ]);
    expect(insideWindow(windows, '2026-11-22T09:30:00.000Z')?.restoreId).toBe('r1');
    expect(insideWindow(windows, '2026-11-22T11:00:00.000Z')).toBeUndefined();
    expect(insideWindow(windows, new Date('2026-11-23T00:00:00.000Z'))?.restoreId).toBe('r2');
  });

  it('ignores dry runs and failed throttles', () => {
    const windows = windowsFrom([
      record(THROTTLE_ACTION, '2026-11-22T09:00:00.000Z', 'r1', { dryRun: true }),
      record(THROTTLE_ACTION, '2026-11-22T09:00:00.000Z', 'r2', { outcome: 'failed' }),
    ]);
    expect(windows).toEqual([]);
  });

  it.each([
    ['trading', 'trading'],
    ['trading:live', 'trading'],
    ['arn:aws:lambda:us-east-1:123456789012:function:trading:live', 'trading'],
  ])('names the function of %s as %s', (input, name) => {
    expect(functionNameOf(input)).toBe(name);
    expect(throttleTarget(input)).toBe(`function:${name}`);
  });
});
