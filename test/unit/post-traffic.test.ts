// The post-traffic hook with aws-sdk-client-mock: Succeeded only when every configured alarm exists and none
// is in ALARM; Failed on anything else; the same reporting rules as the pre-traffic hook.
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
  ThrottlingException,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type PostTrafficDeps, postTraffic } from '../../functions/post-traffic/check.js';
import { postTrafficConfigSchema } from '../../functions/post-traffic/schema.js';
import { REPORT_RESERVE_FLOOR_MS, ReportError, timeBudget } from '../../shared/lifecycle-hook.js';
import { fakeLedger, silentLogger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);

const EVENT = { DeploymentId: 'd-A1B2C3D4E', LifecycleEventHookExecutionId: 'execution-token-2' };
const ALARMS = ['trading-errors', 'trading-throttles'];

function deps(config: Partial<PostTrafficDeps['config']> = {}, budgetMs = 60_000) {
  const ledger = fakeLedger();
  const added: { name: string; value: number }[] = [];
  return {
    records: ledger.records,
    ledger,
    added,
    deps: {
      cloudwatch: new CloudWatchClient({}),
      codedeploy: new CodeDeployClient({}),
      ledger,
      metrics: { addMetric: (name: string, _unit: unknown, value: number) => added.push({ name, value }) },
      logger: silentLogger(),
      budget: timeBudget(() => budgetMs, 30_000),
      clock: { now: () => performance.now(), sleep: async () => undefined },
      correlationId: 'request-2',
      config: { alarmNames: ALARMS, ...config },
    } satisfies PostTrafficDeps,
  };
}

const states = (...values: string[]) => ({
  MetricAlarms: ALARMS.slice(0, values.length).map((AlarmName, i) => ({
    AlarmName,
    StateValue: values[i] as never,
  })),
});
const reported = () =>
  codedeploy
    .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
    .map((call) => call.args[0].input.status);

beforeEach(() => {
  cloudwatch.reset();
  codedeploy.reset();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
});

describe('postTraffic', () => {
  it('reports Succeeded when every configured alarm exists and none is in ALARM', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'INSUFFICIENT_DATA'));
    const { deps: d, records } = deps();

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Succeeded');
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({
      AlarmNames: ALARMS,
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    });
    expect(codedeploy.commandCalls(PutLifecycleEventHookExecutionStatusCommand)[0]?.args[0].input).toEqual({
      deploymentId: EVENT.DeploymentId,
      lifecycleEventHookExecutionId: EVENT.LifecycleEventHookExecutionId,
      status: 'Succeeded',
    });
    expect(records[0]).toMatchObject({ action: 'deploy.post-traffic', outcome: 'succeeded' });
  });

  const failures = [
    {
      case: 'an alarm in ALARM',
      answer: () => states('OK', 'ALARM'),
      config: {},
      reason: /in ALARM: trading-throttles/,
    },
    {
      case: 'a configured alarm that does not exist',
      answer: () => states('OK'),
      config: {},
      reason: /not found: trading-throttles/,
    },
    {
      case: 'no alarm configured',
      answer: () => states(),
      config: { alarmNames: [] },
      reason: /no alarm configured/,
    },
    {
      case: 'a prefix matching no alarm',
      answer: () => states(),
      config: { alarmNames: [], alarmPrefix: 'x-' },
      reason: /no alarm starts with x-/,
    },
    {
      case: 'a configuration problem',
      answer: () => states('OK', 'OK'),
      config: { problem: 'bad ALARM_NAMES' },
      reason: /bad ALARM_NAMES/,
    },
  ];

  it.each(failures)('reports Failed on $case', async ({ answer, config, reason }) => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves(answer());
    const { deps: d, records } = deps(config);

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(reason);
    expect(reported()).toEqual(['Failed']);
    expect(records[0]).toMatchObject({ outcome: 'failed' });
  });

  it('reports Failed when DescribeAlarms fails', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).rejects(new Error('AccessDenied'));
    const { deps: d } = deps();

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Failed', reason: expect.stringContaining('AccessDenied') });
    expect(reported()).toEqual(['Failed']);
  });

  it('reports Failed before the deadline when DescribeAlarms hangs', async () => {
    // Prepare: 100 ms for the read, the rest kept for reporting.
    cloudwatch.on(DescribeAlarmsCommand).callsFake(() => new Promise(() => undefined));
    const { deps: d } = deps({}, 30_100);

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess
    expect(result).toMatchObject({ status: 'Failed', reason: expect.stringContaining('timed out') });
    expect(reported()).toEqual(['Failed']);
  });

  it('retries a throttled report, and throws when it cannot report at all', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'OK'));
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejectsOnce(throttled).resolves({});

    // Act
    const retried = await postTraffic(deps().deps, EVENT);
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('AccessDenied'));
    const impossible = postTraffic(deps().deps, EVENT);

    // Assess
    expect(retried.status).toBe('Succeeded');
    await expect(impossible).rejects.toBeInstanceOf(ReportError);
  });

  it('counts PostTrafficFailures: 0 for a Succeeded check, 1 for a Failed one', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolvesOnce(states('OK', 'OK')).resolves(states('OK', 'ALARM'));
    const passing = deps();
    const failing = deps();

    // Act
    await postTraffic(passing.deps, EVENT);
    await postTraffic(failing.deps, EVENT);

    // Assess
    expect(passing.added).toEqual([{ name: 'PostTrafficFailures', value: 0 }]);
    expect(failing.added).toEqual([{ name: 'PostTrafficFailures', value: 1 }]);
  });

  it('records a report that failed (reported: false) before throwing', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'OK'));
    codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).rejects(new Error('AccessDenied'));
    const { deps: d, records } = deps();

    // Act
    const attempt = postTraffic(d, EVENT);

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ReportError);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'failed', after: { status: 'Succeeded', reported: false } });
  });

  it('answers the reported status when the audit record cannot be written, without an audit id', async () => {
    // Prepare
    cloudwatch.on(DescribeAlarmsCommand).resolves(states('OK', 'OK'));
    const { deps: d, ledger } = deps();
    ledger.record.mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess: CodeDeploy got its answer; the missing record is logged, not thrown.
    expect(result).toMatchObject({ status: 'Succeeded', reported: true });
    expect(result.auditId).toBeUndefined();
    expect(reported()).toEqual(['Succeeded']);
    expect(d.logger.warn).toHaveBeenCalled();
  });

  it('throws for a malformed event and calls nothing', async () => {
    // Act
    const attempt = postTraffic(deps().deps, { DeploymentId: 'nope' });

    // Assess
    await expect(attempt).rejects.toMatchObject({ code: 'ValidationError', field: 'DeploymentId' });
    expect(cloudwatch.calls()).toHaveLength(0);
    expect(codedeploy.calls()).toHaveLength(0);
  });
});

describe('post-traffic configuration', () => {
  it.each([
    ['0', false],
    [String(REPORT_RESERVE_FLOOR_MS - 1), false],
    [String(REPORT_RESERVE_FLOOR_MS), true],
    ['', true],
  ])('accepts REPORT_RESERVE_MS=%s only at or above the floor: %s', (value, accepted) => {
    // Act
    const parsed = postTrafficConfigSchema.safeParse({ REPORT_RESERVE_MS: value });

    // Assess
    expect(parsed.success).toBe(accepted);
    if (!parsed.success) {
      expect(parsed.error.issues[0]).toMatchObject({
        path: ['REPORT_RESERVE_MS'],
        message: expect.stringContaining(`at least ${REPORT_RESERVE_FLOOR_MS} ms`),
      });
    }
  });
});
