// The post-traffic hook as the canary analyst's last look (CANARY_GATE=on), with aws-sdk-client-mock.
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type PostTrafficDeps, postTraffic } from '../../functions/post-traffic/check.js';
import { type AnalystConfig, DEFAULT_ANALYST_CONFIG } from '../../shared/canary/config.js';
import { timeBudget } from '../../shared/lifecycle-hook.js';
import { fakeLedger, silentLogger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);

const EVENT = { DeploymentId: 'd-A1B2C3D4E', LifecycleEventHookExecutionId: 'execution-token-2' };
const CREATED = new Date('2026-11-27T03:00:00Z');
const appSpec = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      trading: {
        Type: 'AWS::Lambda::Function',
        Properties: { Name: 'trading', Alias: 'live', CurrentVersion: '4', TargetVersion: '5' },
      },
    },
  ],
});

function deps(canary: Partial<AnalystConfig> = {}) {
  const ledger = fakeLedger();
  const hookDeps: PostTrafficDeps = {
    cloudwatch: new CloudWatchClient({}),
    codedeploy: new CodeDeployClient({}),
    ledger,
    logger: silentLogger(),
    budget: timeBudget(() => 60_000, 30_000),
    clock: { now: () => performance.now(), sleep: async () => undefined },
    now: () => new Date(CREATED.getTime() + 5.5 * 60_000),
    correlationId: 'request-2',
    config: {
      alarmNames: ['trading-errors'],
      canary: { ...DEFAULT_ANALYST_CONFIG, minInvocations: 500, ...canary },
    },
  };
  return { records: ledger.records, deps: hookDeps };
}

function metrics(canary: [number, number, number], baseline: [number, number, number] = [18000, 900, 250]) {
  cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'invocations_c', Values: [canary[0]] },
      { Id: 'errors_c', Values: [canary[1]] },
      { Id: 'duration_c', Values: [canary[2]] },
      { Id: 'invocations_b', Values: [baseline[0]] },
      { Id: 'errors_b', Values: [baseline[1]] },
      { Id: 'duration_b', Values: [baseline[2]] },
    ],
  });
}

const alarm = (state: string) =>
  cloudwatch
    .on(DescribeAlarmsCommand)
    .resolves({ MetricAlarms: [{ AlarmName: 'trading-errors', StateValue: state as never }] });
const reported = () =>
  codedeploy
    .commandCalls(PutLifecycleEventHookExecutionStatusCommand)
    .map((call) => call.args[0].input.status);

beforeEach(() => {
  cloudwatch.reset();
  codedeploy.reset();
  codedeploy.on(PutLifecycleEventHookExecutionStatusCommand).resolves({});
  codedeploy.on(GetDeploymentCommand).resolves({
    deploymentInfo: {
      applicationName: 'app',
      deploymentGroupName: 'group',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      status: 'InProgress',
      createTime: CREATED,
      revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } },
    },
  });
});

describe('postTraffic with the canary gate', () => {
  it('reports Failed when the canary failed more than the old version, with the evidence', async () => {
    // Prepare: the old version fails 1%, the new one 3%.
    alarm('OK');
    metrics([2000, 60, 250], [18000, 180, 250]);
    const { deps: d, records } = deps();

    // Act
    const result = await postTraffic(d, EVENT);

    // Assess
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/^canary fail: error rate 3.00% on 5 vs 1.00% on 4/);
    expect(result.canary).toMatchObject({ look: { elapsed: 1, previous: 0.8 }, decision: 'stop' });
    expect(reported()).toEqual(['Failed']);
    expect(records[0]).toMatchObject({ outcome: 'failed', details: { canary: { canaryVersion: '5' } } });
  });

  it('lets a version measurably better than the old one through an alarm already in ALARM', async () => {
    // Prepare: the old version fails 5% (its alarm fired); the fix fails 0.2%.
    alarm('ALARM');
    metrics([2000, 4, 240], [18000, 900, 250]);

    // Act
    const result = await postTraffic(deps().deps, EVENT);

    // Assess
    expect(result.status).toBe('Succeeded');
    expect(result.reason).toMatch(
      /in ALARM: trading-errors; passed anyway: version 5 is measurably better than 4/,
    );
    expect(reported()).toEqual(['Succeeded']);
  });

  it('keeps the alarm’s Failed when the new version is merely no worse', async () => {
    alarm('ALARM');
    metrics([2000, 100, 250], [18000, 900, 250]);
    const result = await postTraffic(deps().deps, EVENT);
    expect(result.status).toBe('Failed');
    expect(result.reason).toBe('in ALARM: trading-errors');
  });

  it.each([
    ['fail', 'Failed'],
    ['pass', 'Succeeded'],
  ] as const)(
    'follows CANARY_NOT_ENOUGH_DATA=%s on a canary with too little traffic',
    async (policy, status) => {
      alarm('OK');
      metrics([30, 0, 250], [270, 3, 250]);
      const result = await postTraffic(deps({ notEnoughData: policy }).deps, EVENT);
      expect(result.status).toBe(status);
      expect(result.canary?.verdict.verdict).toBe('not enough data');
    },
  );

  it('leaves an AllAtOnce deployment to the alarms: no canary, nothing to compare', async () => {
    // Prepare
    alarm('OK');
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        applicationName: 'app',
        deploymentGroupName: 'group',
        deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
        status: 'InProgress',
        createTime: CREATED,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } },
      },
    });

    // Act
    const result = await postTraffic(deps().deps, EVENT);

    // Assess
    expect(result.status).toBe('Succeeded');
    expect(result.canary).toBeUndefined();
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('reports Failed when the metrics cannot be read', async () => {
    alarm('OK');
    cloudwatch.on(GetMetricDataCommand).rejects(new Error('AccessDenied'));
    const result = await postTraffic(deps().deps, EVENT);
    expect(result.status).toBe('Failed');
    expect(result.reason).toMatch(/could not read the alarms or the canary: AccessDenied/);
  });
});
