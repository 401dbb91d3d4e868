// The canary watcher with aws-sdk-client-mock (moto has no StopDeployment and no percentiles): it stops a
// failing canary with auto-rollback, audited; judges without acting on a dry run; leaves a good one alone.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  DeploymentAlreadyCompletedException,
  DeploymentGroupDoesNotExistException,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { type WatchDeps, watchCanaries } from '../../functions/canary-analyst/watch.js';
import type { AuditEntry } from '../../shared/audit.js';
import { DEFAULT_ANALYST_CONFIG } from '../../shared/canary/config.js';

const cloudwatch = mockClient(CloudWatchClient);
const codedeploy = mockClient(CodeDeployClient);

const DEPLOYMENT = 'd-A1B2C3D4E';
const CREATED = new Date('2026-11-27T03:00:00Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
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

function deps(minutesIn: number) {
  const records: AuditEntry[] = [];
  const watchDeps: WatchDeps = {
    codedeploy: new CodeDeployClient({}),
    cloudwatch: new CloudWatchClient({}),
    ledger: {
      record: async (entry: AuditEntry) => {
        records.push(entry);
        return { ...entry, auditId: `audit-${records.length}`, at: '', expiresAt: 0, notified: true };
      },
    },
    logger: silent,
    now: () => new Date(CREATED.getTime() + minutesIn * 60_000),
    config: { ...DEFAULT_ANALYST_CONFIG, minInvocations: 500 },
    applicationName: 'app',
    deploymentGroups: ['app-WorkloadFunctionDeploymentGroup'],
  };
  return { records, deps: watchDeps };
}

function metrics(
  canary: { invocations: number; errors: number; p99: number },
  baseline = { invocations: 14400, errors: 144, p99: 250 },
) {
  cloudwatch.on(GetMetricDataCommand).resolves({
    MetricDataResults: [
      { Id: 'invocations_c', Values: [canary.invocations] },
      { Id: 'errors_c', Values: [canary.errors] },
      { Id: 'duration_c', Values: [canary.p99] },
      { Id: 'invocations_b', Values: [baseline.invocations] },
      { Id: 'errors_b', Values: [baseline.errors] },
      { Id: 'duration_b', Values: [baseline.p99] },
    ],
  });
}

const request = { dryRun: false, reason: 'scheduled canary look' };
const who = { actor: 'schedule:canary-watch', correlationId: 'request-1' };

describe('watchCanaries', () => {
  beforeEach(() => {
    cloudwatch.reset();
    codedeploy.reset();
    codedeploy.on(ListDeploymentsCommand).resolves({ deployments: [DEPLOYMENT] });
    codedeploy.on(GetDeploymentCommand).resolves({
      deploymentInfo: {
        deploymentId: DEPLOYMENT,
        applicationName: 'app',
        deploymentGroupName: 'app-WorkloadFunctionDeploymentGroup',
        deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
        status: 'InProgress',
        createTime: CREATED,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: appSpec } },
      },
    });
    codedeploy.on(StopDeploymentCommand).resolves({ status: 'Pending' });
  });

  it('stops a canary whose error rate doubled, with auto-rollback, and records why', async () => {
    // Prepare: 4 minutes in, 1,600 canary invocations at 3% against 1% on the old version.
    metrics({ invocations: 1600, errors: 48, p99: 250 });
    const { deps: watchDeps, records } = deps(4);

    // Act
    const result = await watchCanaries(watchDeps, request, who);

    // Assess
    expect(codedeploy.commandCalls(StopDeploymentCommand).map((call) => call.args[0].input)).toEqual([
      { deploymentId: DEPLOYMENT, autoRollbackEnabled: true },
    ]);
    expect(result.looks[0]).toMatchObject({
      status: 'judged',
      judgement: { canaryVersion: '5', baselineVersion: '4', decision: 'stop', verdict: { verdict: 'fail' } },
      action: { stop: 'succeeded', auditId: 'audit-1' },
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'canary.stop',
      actor: 'schedule:canary-watch',
      target: `deployment:${DEPLOYMENT}`,
      outcome: 'succeeded',
      dryRun: false,
      before: { status: 'InProgress', live: 'trading:live', version: '4', canary: '5' },
      after: { status: 'Stopped', rollback: true, version: '4' },
    });
    expect(records[0]?.reason).toContain('error rate 3.00% on 5 vs 1.00% on 4');
  });

  it('stops a canary 300 ms slower at p99', async () => {
    metrics({ invocations: 1600, errors: 16, p99: 550 });
    const { deps: watchDeps } = deps(4);
    const result = await watchCanaries(watchDeps, request, who);
    expect(result.looks[0]?.judgement?.verdict.reason).toContain(
      'p99 Duration 550.0 ms on 5 vs 250.0 ms on 4',
    );
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(1);
  });

  it('only plans the stop on a dry run', async () => {
    metrics({ invocations: 1600, errors: 48, p99: 250 });
    const { deps: watchDeps, records } = deps(4);
    const result = await watchCanaries(watchDeps, { ...request, dryRun: true }, who);
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
    expect(result.looks[0]?.action).toMatchObject({ stop: 'planned' });
    expect(records[0]).toMatchObject({ outcome: 'planned', dryRun: true });
  });

  it('leaves a healthy canary alone, and waits on one with too little traffic', async () => {
    metrics({ invocations: 1600, errors: 17, p99: 255 });
    const healthy = await watchCanaries(deps(4).deps, request, who);
    cloudwatch.reset();
    metrics({ invocations: 40, errors: 2, p99: 250 });
    const quiet = await watchCanaries(deps(4).deps, request, who);
    expect(healthy.looks[0]?.judgement?.decision).toBe('continue');
    expect(quiet.looks[0]?.judgement).toMatchObject({
      decision: 'continue',
      verdict: { verdict: 'not enough data' },
    });
    expect(codedeploy.commandCalls(StopDeploymentCommand)).toHaveLength(0);
  });

  it('leaves the last look to the post-traffic hook once the canary is over', async () => {
    const result = await watchCanaries(deps(6).deps, request, who);
    expect(result.looks[0]).toMatchObject({ status: 'after the canary' });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)).toHaveLength(0);
  });

  it('records a stop that found the deployment already finished as unchanged', async () => {
    metrics({ invocations: 1600, errors: 48, p99: 250 });
    codedeploy
      .on(StopDeploymentCommand)
      .rejects(new DeploymentAlreadyCompletedException({ message: 'already completed', $metadata: {} }));
    const { deps: watchDeps, records } = deps(4);
    const result = await watchCanaries(watchDeps, request, who);
    expect(result.looks[0]?.action).toMatchObject({ stop: 'unchanged' });
    expect(records[0]).toMatchObject({ outcome: 'unchanged' });
  });

  it('keeps the stop when its audit record cannot be written', async () => {
    metrics({ invocations: 1600, errors: 48, p99: 250 });
    const { deps: watchDeps } = deps(4);
    const error = vi.fn();
    const result = await watchCanaries(
      {
        ...watchDeps,
        logger: { ...silent, error },
        ledger: { record: () => Promise.reject(new Error('throttled')) },
      },
      request,
      who,
    );
    expect(result.looks[0]?.action).toEqual({ stop: 'succeeded' });
    expect(error).toHaveBeenCalledWith(
      'could not write the audit record of a canary stop',
      expect.anything(),
    );
  });

  it('finds nothing to judge in a deployment group that does not exist yet', async () => {
    codedeploy
      .on(ListDeploymentsCommand)
      .rejects(new DeploymentGroupDoesNotExistException({ message: 'no such group', $metadata: {} }));
    const result = await watchCanaries(deps(4).deps, request, who);
    expect(result.looks).toEqual([]);
  });

  it('raises a failure to list deployments other than "not there"', async () => {
    codedeploy.on(ListDeploymentsCommand).rejects(new Error('AccessDenied'));
    await expect(watchCanaries(deps(4).deps, request, who)).rejects.toThrow('AccessDenied');
  });

  it('calls nothing when no deployment group is watched', async () => {
    const { deps: watchDeps } = deps(4);
    const result = await watchCanaries({ ...watchDeps, deploymentGroups: [] }, request, who);
    expect(result.looks).toEqual([]);
    expect(codedeploy.calls()).toHaveLength(0);
  });
});

describe('the canary watcher handler', () => {
  it.each([
    [{ CANARY_MIN_INVOCATIONS: '0' }, 'CANARY_MIN_INVOCATIONS'],
    [{ CANARY_LATENCY_TOLERANCE: '-1' }, 'CANARY_LATENCY_TOLERANCE'],
    [{ CANARY_METRICS: 'errors,cost' }, 'unknown metric cost'],
  ])('refuses to start with %o', async (env, message) => {
    // Prepare
    vi.resetModules();
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);

    // Act / Assess
    try {
      await expect(import('../../functions/canary-analyst/handler.js')).rejects.toThrow(message);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
