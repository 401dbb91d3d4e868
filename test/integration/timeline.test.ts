// The incident timeline of a small incident, against the emulator: a canary deployment through the CodeDeploy
// simulator (its lifecycle hooks are the real hook handlers), then an errors alarm that the real rollback
// handler answers, a runaway alarm that the real kill switch answers, an operator's restore, and both alarms
// clearing — every alarm moved with SetAlarmState and delivered through the template's routing (fireAlarm).
// moto has no DescribeAlarmHistory (it answers 500, although it keeps an alarm's previous states internally)
// and no ListDeploymentTargets/BatchGetDeploymentTargets: the CloudWatch stand-in and the CodeDeploy simulator
// (local/) serve them, and the first test proves the gap is moto's.
import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAlarm } from '../../local/alarms.js';
import { publishVersion, simulateDeployment } from '../../local/codedeploy/deploy.js';
import { type LocalCodeDeploy, localCodeDeploy } from '../../local/codedeploy/local.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { stackSettings } from '../../local/emulator/settings.js';
import { invokeFunction } from '../../local/invoke.js';
import type { Timeline } from '../../shared/timeline/entry.js';
import { LEDGER_ACTIONS } from '../../shared/timeline/ledger.js';
import { readTimeline } from '../../shared/timeline/read.js';
import { watchedWorkloads } from '../../shared/timeline/workloads.js';
import { uniqueName } from '../support/names.js';

const HOSTILE_REASON = `<script>document.title='pwned'</script> restore after the incident | **now**`;

describe('incident timeline (against the emulator)', () => {
  let state: EmulatorState;
  let local: LocalCodeDeploy;
  let since: Date;
  let until: Date;
  let timeline: Timeline;
  let deploymentId: string;
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('timeline'),
    });
    const prefix = state.stackName;
    const functionName = String(state.workload?.functionName);
    local = await localCodeDeploy(state, { canaryIntervalMs: 200 });
    since = new Date(Date.now() - 1000);

    // A release: version 4 deployed by CodeDeploy's canary, its hooks run.
    const { version } = await publishVersion(state, functionName);
    const deployment = await simulateDeployment(
      state,
      {
        functionName,
        toVersion: version,
        hookEnv: { PreTrafficHookFunction: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
      },
      { canaryIntervalMs: 200 },
    );
    deploymentId = deployment.deploymentId;
    expect(deployment.status).toBe('Succeeded');
    // Errors after the release: the alarm rolls live back (the real rollback handler, through SNS).
    const rolled = await fireAlarm({
      state,
      alarmName: `${prefix}-workload-errors`,
      newState: 'ALARM',
      reason: 'Threshold Crossed: 1 datapoint [4.0] was greater than the threshold (0.0).',
    });
    expect(rolled.map((d) => d.function)).toContain('RollbackFunction');
    // A runaway schedule: the kill switch stops it.
    const stopped = await fireAlarm({
      state,
      alarmName: `${prefix}-workload-runaway`,
      newState: 'ALARM',
      reason: 'Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (2.0).',
    });
    const disable = stopped.find((d) => d.function === 'KillSwitchFunction')?.outcome.result as {
      restoreId: string;
    };
    expect(disable?.restoreId).toBeTruthy();
    // An operator restores the schedules, with a reason that is untrusted text.
    await invokeFunction({
      logicalId: 'KillSwitchFunction',
      event: {
        action: 'enable',
        restoreId: disable.restoreId,
        actor: 'cli:alice@ops',
        reason: HOSTILE_REASON,
      },
      state,
    });
    for (const alarmName of [`${prefix}-workload-runaway`, `${prefix}-workload-errors`])
      await fireAlarm({ state, alarmName, newState: 'OK', reason: 'Threshold Crossed: no datapoints.' });
    until = new Date(Date.now() + 1000);

    const codedeploy = new CodeDeployClient({ endpoint: local.simulator.endpoint, maxAttempts: 1 });
    const cloudwatch = new CloudWatchClient({ endpoint: local.cloudwatchEndpoint, maxAttempts: 1 });
    timeline = await readTimeline(
      { dynamo, codedeploy, cloudwatch, tableName: String(state.resources.AuditTable?.ref) },
      { since, until, workloads: watchedWorkloads(stackSettings(state), undefined) },
    );
    codedeploy.destroy();
    cloudwatch.destroy();
  }, 120_000);

  afterAll(async () => {
    await local?.stop();
    dynamo.destroy();
  });

  it('moto itself has no DescribeAlarmHistory (the stand-in serves it from the SetAlarmState calls it passed)', async () => {
    const moto = new CloudWatchClient({ endpoint: String(process.env.AWS_ENDPOINT_URL), maxAttempts: 1 });
    await expect(
      moto.send(new DescribeAlarmHistoryCommand({ AlarmName: `${state.stackName}-workload-errors` })),
    ).rejects.toThrow();
    moto.destroy();
  });

  it('lists every ledger record of the window, in the order of their times', async () => {
    // Prepare: every record of this stack's ledger, read the expensive way (a Scan), as the truth.
    const { Items = [] } = await dynamo.send(
      new ScanCommand({ TableName: String(state.resources.AuditTable?.ref), ConsistentRead: true }),
    );
    const records = Items.filter((item) => typeof item.action === 'string')
      .filter((item) => item.at >= since.toISOString() && item.at <= until.toISOString())
      .sort((a, b) => String(a.at).localeCompare(String(b.at)));

    // Assess
    const actions = timeline.entries.filter((entry) => entry.kind === 'action');
    expect(actions.map((entry) => entry.ref).sort()).toEqual(records.map((record) => record.auditId).sort());
    expect(records.every((record) => LEDGER_ACTIONS.includes(record.action))).toBe(true);
    expect(actions.map((entry) => entry.at)).toEqual(records.map((record) => record.at));
    expect(new Set(records.map((r) => r.action))).toEqual(
      new Set([
        'deploy.pre-traffic',
        'deploy.post-traffic',
        'rollback',
        'schedules.killswitch',
        'schedules.snapshot',
        'schedules.disable',
        'schedules.enable',
      ]),
    );
    const restore = actions.find((entry) => entry.what.startsWith('schedules.enable'));
    expect(restore).toMatchObject({ who: 'claimed:cli:alice@ops', detail: HOSTILE_REASON });
    const rollback = actions.find((entry) => entry.what.startsWith('rollback'));
    expect(rollback?.undo).toMatch(/^runbook rollback --function /);
  });

  it('lists the deployment, its lifecycle hooks and its end, and each alarm state change', () => {
    const of = (kind: string) => timeline.entries.filter((entry) => entry.kind === kind);
    expect(of('deployment').map((entry) => [entry.what.replace(/ \(.*\)/, ''), entry.outcome])).toEqual([
      [
        expect.stringMatching(new RegExp(`^deployment ${deploymentId}: .* version 3 → 4 created$`)),
        'created',
      ],
      [expect.stringMatching(new RegExp(`^deployment ${deploymentId}: .* ended$`)), 'Succeeded'],
    ]);
    expect(of('lifecycle').map((entry) => [entry.what, entry.outcome])).toEqual([
      [`BeforeAllowTraffic of ${deploymentId}`, 'Succeeded'],
      [`AfterAllowTraffic of ${deploymentId}`, 'Succeeded'],
    ]);
    const prefix = state.stackName;
    expect(of('alarm').map((entry) => entry.what)).toEqual([
      expect.stringMatching(new RegExp(`^alarm ${prefix}-workload-errors \\w+ → ALARM$`)),
      expect.stringMatching(new RegExp(`^alarm ${prefix}-workload-runaway \\w+ → ALARM$`)),
      `alarm ${prefix}-workload-runaway ALARM → OK`,
      `alarm ${prefix}-workload-errors ALARM → OK`,
    ]);
    expect(timeline.gaps).toEqual([]);
    expect(timeline.omitted).toBe(0);
  });

  it('puts the whole incident in order: release, errors, rollback, runaway, kill switch, restore, all clear', () => {
    const times = timeline.entries.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const index = (test: (what: string) => boolean) =>
      timeline.entries.findIndex((entry) => test(entry.what));
    const story = [
      index((w) => w.startsWith(`deployment ${deploymentId}`) && w.endsWith('created')),
      index((w) => w.startsWith('BeforeAllowTraffic')),
      index((w) => w.startsWith('deploy.pre-traffic')),
      index((w) => w.startsWith('AfterAllowTraffic')),
      index((w) => w.endsWith('ended')),
      index((w) => /workload-errors \w+ → ALARM/.test(w)),
      index((w) => w.startsWith('rollback ')),
      index((w) => /workload-runaway \w+ → ALARM/.test(w)),
      index((w) => w.startsWith('schedules.disable')),
      index((w) => w.startsWith('schedules.enable')),
      index((w) => w.endsWith('workload-runaway ALARM → OK')),
      index((w) => w.endsWith('workload-errors ALARM → OK')),
    ];
    expect(story.every((i) => i >= 0)).toBe(true);
    expect(story).toEqual([...story].sort((a, b) => a - b));
  });
});
