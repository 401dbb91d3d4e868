// The kill switch on the action skeleton: what its record step writes and counts, that it never fails after
// acting, and which alarms it acts on (exact names only, where the rollback also takes prefixes).
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { alarmRequest, withAction } from '../../functions/killswitch/doors.js';
import { disable, enable, type KillSwitchDeps } from '../../functions/killswitch/killswitch.js';
import { killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { isRollbackAlarm } from '../../functions/rollback/alarm.js';
import { DependencyError, ValidationError } from '../../shared/errors.js';
import { isListedAlarm } from '../../shared/triggers/alarm.js';
import type { AlarmInvocation } from '../../shared/triggers/index.js';
import { fakeLedger, memoryLedger, silentLogger } from './support/ledger.js';

const scheduler = mockClient(SchedulerClient);
const GROUP = 'trading-workload';
const NOW = new Date('2026-11-22T03:10:00.000Z');
const origin = { door: 'direct' as const, actor: 'cli:alice@laptop', correlationId: 'req-1' };
const request = (fields: Record<string, unknown>) =>
  killSwitchRequestSchema.parse({ reason: 'orders rejected since 03:02', ...fields });

function schedule(name: string, State: 'ENABLED' | 'DISABLED' = 'ENABLED'): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Name: name,
    GroupName: GROUP,
    ScheduleExpression: 'rate(5 minutes)',
    State,
    FlexibleTimeWindow: { Mode: 'OFF' },
    LastModificationDate: new Date('2026-06-01T00:00:00.000Z'),
    Target: {
      Arn: 'arn:aws:lambda:us-east-1:123456789012:function:trading',
      RoleArn: 'arn:aws:iam::1:role/r',
    },
  };
}

function deps(ledger: KillSwitchDeps['ledger']) {
  const metrics = { addMetric: vi.fn() };
  const logger = silentLogger();
  const value: KillSwitchDeps = {
    scheduler: new SchedulerClient({}),
    lambda: new LambdaClient({}),
    ledger,
    logger,
    metrics,
    now: () => NOW,
    config: { scheduleGroups: [GROUP], ratePerSecond: 1000, concurrency: 2 },
    clock: { now: () => 0, sleep: async () => undefined },
  };
  return { value, metrics, logger };
}

const daily = [{ name: 'daily', group: GROUP }];

beforeEach(() => scheduler.reset());

describe('the kill switch’s record step', () => {
  it('counts what a disable changed, failed and conflicted, and its latency; a dry run only its latency', async () => {
    // Prepare
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const real = deps(fakeLedger());
    const dry = deps(fakeLedger());

    // Act
    await disable(real.value, request({ action: 'disable', schedules: daily }), origin);
    await disable(dry.value, request({ action: 'disable', schedules: daily, dryRun: true }), origin);

    // Assess
    const named = (spy: typeof real.metrics.addMetric) => spy.mock.calls.map((call) => [call[0], call[2]]);
    expect(named(real.metrics.addMetric)).toEqual([
      ['SchedulesDisabled', 1],
      ['ScheduleFailures', 0],
      ['ScheduleConflicts', 0],
      ['KillSwitchLatencyMs', expect.any(Number)],
    ]);
    expect(named(dry.metrics.addMetric)).toEqual([['KillSwitchLatencyMs', expect.any(Number)]]);
  });

  it('closes a finished enable with a marker written after the run’s record, under its own id', async () => {
    // Prepare
    const ledger = memoryLedger(NOW);
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const off = await disable(deps(ledger).value, request({ action: 'disable', schedules: daily }), origin);
    scheduler.on(GetScheduleCommand).resolves(schedule('daily', 'DISABLED'));

    // Act
    const on = await enable(
      deps(ledger).value,
      request({ action: 'enable', restoreId: off.restoreId }),
      origin,
    );

    // Assess
    const [run, marker] = ledger.records.slice(-2);
    expect(run).toMatchObject({ action: 'schedules.enable', auditId: on.auditId, outcome: 'succeeded' });
    expect(marker).toMatchObject({ action: 'schedules.killswitch', details: { state: 'closed' } });
    expect(marker?.auditId).not.toBe(on.auditId);
    expect(on).toMatchObject({ closed: true, changed: true });
  });

  it('never fails after acting: a run record the ledger refuses is stated in the answer, with its undo', async () => {
    // Prepare: the marker and snapshot are written; the run's record after the writes is refused.
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const ledger = fakeLedger();
    ledger.record.mockImplementation(async (entry, auditId) => {
      if (entry.action === 'schedules.disable') throw new Error('ledger refused the record');
      return { ...entry, auditId: String(auditId), at: '', expiresAt: 0, notified: true };
    });
    const d = deps(ledger);

    // Act
    const result = await disable(d.value, request({ action: 'disable', schedules: daily }), origin);

    // Assess
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(1);
    expect(result).toMatchObject({
      changed: true,
      counts: { disabled: 1 },
      notified: false,
      unrecorded: 'the change was made but not recorded: ledger refused the record',
    });
    expect(result.undo).toBe(
      `runbook schedules enable --restore-id ${result.restoreId} --reason 'undo kill switch ${result.restoreId}'`,
    );
  });

  it('records an act that failed as a failed run, then answers the error', async () => {
    // Prepare: the snapshot cannot be written (nothing disabled yet).
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    const ledger = fakeLedger();
    ledger.record.mockImplementation(async (entry, auditId) => {
      if (entry.action === 'schedules.snapshot') throw new Error('throughput exceeded');
      return { ...entry, auditId: String(auditId), at: '', expiresAt: 0, notified: true };
    });

    // Act
    const attempt = disable(deps(ledger).value, request({ action: 'disable', schedules: daily }), origin);

    // Assess
    await expect(attempt).rejects.toThrow('throughput exceeded');
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
    // The refused snapshot part is attempted once; the failed run is recorded under the plan's auditId.
    const written = ledger.record.mock.calls.map(([entry, auditId]) => [
      entry.action,
      entry.outcome,
      auditId,
    ]);
    expect(written).toEqual([
      ['schedules.killswitch', 'succeeded', undefined],
      ['schedules.snapshot', 'succeeded', undefined],
      ['schedules.disable', 'failed', expect.stringMatching(/^\d{8}T/)],
    ]);
    expect(ledger.record.mock.calls[2]?.[0].details).toMatchObject({
      results: [],
      error: 'throughput exceeded',
    });
  });
});

describe('failed dependencies', () => {
  it('a listing that fails stops the disable before any write, as a DependencyError naming the call', async () => {
    // Prepare
    scheduler.on(GetScheduleGroupCommand).resolves({ Name: GROUP });
    scheduler.on(ListSchedulesCommand).rejects(
      Object.assign(new Error('not authorized to perform scheduler:ListSchedules'), {
        name: 'AccessDeniedException',
      }),
    );
    const ledger = fakeLedger();

    // Act
    const attempt = disable(
      deps(ledger).value,
      request({ action: 'disable', group: GROUP, all: true }),
      origin,
    );

    // Assess
    await expect(attempt).rejects.toThrow(DependencyError);
    await expect(attempt).rejects.toThrow(
      `Scheduler ListSchedules of group ${GROUP} failed: AccessDeniedException: not authorized`,
    );
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
    expect(ledger.record).not.toHaveBeenCalled();
  });
});

describe('one rule for alarms', () => {
  it('matches exact names, and prefixes written name-* only where the setting allows them', () => {
    expect(isListedAlarm('trading-errors', ['trading-errors'], { prefixes: false })).toBe(true);
    expect(isListedAlarm('trading-errors-2', ['trading-*'], { prefixes: false })).toBe(false);
    expect(isListedAlarm('trading-*', ['trading-*'], { prefixes: false })).toBe(true);
    expect(isListedAlarm('trading-errors-2', ['trading-*'], { prefixes: true })).toBe(true);
    expect(isRollbackAlarm('trading-errors-2', ['trading-*'])).toBe(true);
  });

  it('the kill switch acts only on an exact KILLSWITCH_ALARMS name in ALARM, and only disables', () => {
    // Prepare
    const invocation = (AlarmName: string, NewStateValue: 'ALARM' | 'OK' = 'ALARM'): AlarmInvocation => ({
      door: 'alarm',
      actor: `alarm:${AlarmName}`,
      correlationId: 'm-1',
      payload: undefined,
      alarm: {
        AlarmName,
        NewStateValue,
        NewStateReason: 'Threshold Crossed',
        StateChangeTime: '2026-11-22T03:01:10.123+0000',
        Trigger: { Dimensions: [] },
      },
    });
    const config = { alarms: ['runaway', 'jobs-*'], scheduleGroups: [GROUP] };
    const logger = { info: vi.fn() };

    // Act
    const listed = alarmRequest(invocation('runaway'), config, logger);
    const byPrefix = alarmRequest(invocation('jobs-errors'), config, logger);
    const ok = alarmRequest(invocation('runaway', 'OK'), config, logger);

    // Assess
    expect(listed).toEqual({
      payload: { action: 'disable', all: true, reason: 'runaway: Threshold Crossed' },
    });
    expect(byPrefix).toEqual({ acknowledged: true, acted: false, alarm: 'jobs-errors', state: 'ALARM' });
    expect(ok).toEqual({ acknowledged: true, acted: false, alarm: 'runaway', state: 'OK' });
  });
});

describe('withAction', () => {
  it('refuses a body whose action is any other JSON value, naming it, without a TypeError of its own', () => {
    // Act
    const refuse = () => withAction('disable', { action: { toString: null } });

    // Assess
    expect(refuse).toThrow(ValidationError);
    expect(refuse).toThrow('action: this route disables; the body says {"toString":null}');
  });
});
