import { describe, expect, it } from 'vitest';
import { parseScheduleRef, progressBar, scheduleRequest, statusQuery } from '../../cli/schedules.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';

describe('runbook schedules: the request it builds', () => {
  it('sends only the options given, with schedules as GROUP/NAME or NAME', () => {
    // Act
    const request = scheduleRequest(
      'disable',
      {
        schedule: ['trading-workload/daily', 'weekly'],
        function: 'trading',
        throttle: true,
        reason: 'orders rejected',
        'dry-run': true,
      },
      'cli:alice@laptop',
    );

    // Assess
    expect(request).toEqual({
      actor: 'cli:alice@laptop',
      action: 'disable',
      schedules: [{ group: 'trading-workload', name: 'daily' }, { name: 'weekly' }],
      functionName: 'trading',
      throttle: true,
      reason: 'orders rejected',
      dryRun: true,
    });
    expect(parseScheduleRef('g/n')).toEqual({ group: 'g', name: 'n' });
  });

  it('sends a Scheduler ARN given for --schedule whole, and the function names the group/name inside it', () => {
    // Act
    const arn = 'arn:aws:scheduler:us-east-1:123456789012:schedule/trading-workload/daily';
    const ref = parseScheduleRef(arn);
    const refused = killSwitchRequestSchema.safeParse({
      action: 'disable',
      schedules: [ref],
      reason: 'runaway',
    });
    const group = killSwitchRequestSchema.safeParse({
      action: 'disable',
      group: 'arn:aws:scheduler:us-east-1:123456789012:schedule-group/trading-workload',
      all: true,
      reason: 'runaway',
    });

    // Assess
    expect(ref).toEqual({ name: arn });
    expect(refused.error?.issues.map((issue) => issue.message)).toEqual([
      'expected a schedule name (letters, digits, - _ and ., 1 to 64), not an ARN: trading-workload/daily',
    ]);
    expect(group.error?.issues.map((issue) => issue.message)).toEqual([
      'expected a schedule group name (1 to 64 characters), not an ARN: trading-workload',
    ]);
  });

  it('keeps an empty --name-prefix so the function can refuse it by name', () => {
    // Act
    const request = scheduleRequest('disable', { group: 'default', 'name-prefix': '' }, 'cli:a@b');

    // Assess
    expect(request).toEqual({ actor: 'cli:a@b', action: 'disable', group: 'default', namePrefix: '' });
  });

  it('asks for one run’s full list a page at a time: --audit-id and --page, in the request and the query', () => {
    // Act
    const request = scheduleRequest(
      'status',
      { 'audit-id': '20261122T031001123Z-3fa9c2d1', page: '2' },
      'cli:a@b',
    );

    // Assess
    expect(request).toEqual({
      actor: 'cli:a@b',
      action: 'status',
      auditId: '20261122T031001123Z-3fa9c2d1',
      page: 2,
    });
    expect(statusQuery(request)).toEqual({ auditId: '20261122T031001123Z-3fa9c2d1', page: '2' });
  });

  it('draws a bar of the work done', () => {
    // Act
    const bar = progressBar({ phase: 'write', done: 250, total: 500 }, 10);

    // Assess
    expect(bar).toBe('\r[#####-----] 250/500 writing');
  });
});
