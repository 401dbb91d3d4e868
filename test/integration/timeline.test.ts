// The incident timeline of a small incident, against the emulator: a canary deployment through the CodeDeploy
// simulator (its lifecycle hooks are the real hook handlers), then an errors alarm that the real rollback
// handler answers, a runaway alarm that the real kill switch answers, an operator's restore, and both alarms
// clearing — every alarm moved with SetAlarmState and delivered through the template's routing (fireAlarm).
// moto has no DescribeAlarmHistory (it answers 500, although it keeps an alarm's previous states internally)
// and no ListDeploymentTargets/BatchGetDeploymentTargets: the CloudWatch stand-in and the CodeDeploy simulator
// (local/) serve them, and the first test proves the gap is moto's.
// A second, governed incident (issue 18) shows the approval story: a drain held for approval, two approvals that
// carry it out, and a break-glass kill switch — each in order, with who approved and why one acted alone.
import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fireAlarm } from '../../local/alarms.js';
import { publishVersion, simulateDeployment } from '../../local/codedeploy/deploy.js';
import { type LocalCodeDeploy, localCodeDeploy } from '../../local/codedeploy/local.js';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { stackSettings } from '../../local/emulator/settings.js';
import { invokeFunction } from '../../local/invoke.js';
import type { Timeline } from '../../shared/timeline/entry.js';
import { renderHtml } from '../../shared/timeline/html.js';
import { LEDGER_ACTIONS } from '../../shared/timeline/ledger.js';
import { renderMarkdown } from '../../shared/timeline/markdown.js';
import { readTimeline } from '../../shared/timeline/read.js';
import { watchedWorkloads } from '../../shared/timeline/workloads.js';
import { invokeApi } from '../support/api-event.js';
import { deliverNext } from '../support/deliver.js';
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

describe('governed incident timeline (against the emulator)', () => {
  const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
  const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
  const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';
  const GLASS = 'orders doubling now <b>approvers asleep</b>';
  // Prod, where the kill switch needs approval (ApprovalFor=auto); a drain of more than 2 messages does too.
  const env = { RUNBOOK_ENV: 'prod', APPROVAL_DRAIN_ABOVE: '2', APPROVALS_REQUIRED: '2' };
  let state: EmulatorState;
  let timeline: Timeline;
  let selected: Timeline;
  let approvalId: string;
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const sqs = new SQSClient({});

  function api(logicalId: string, path: string, body: Record<string, unknown> | undefined, who: string) {
    const vote = /^\/approvals\/[^/]+\/(approve|reject)$/.exec(path);
    const routeKey = vote ? `POST /approvals/{id}/${vote[1]}` : undefined;
    return invokeApi(
      state,
      logicalId,
      { method: 'POST', path, body, principal: who, routeKey },
      {
        DlqDrainerFunction: env,
        ApprovalsFunction: env,
        KillSwitchFunction: env,
      },
    );
  }

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('timeline-gov'),
    });
    const since = new Date(Date.now() - 1000);
    const dlq = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    await fillQueue(
      sqs,
      String(state.resources.WorkloadDLQ?.ref),
      Array.from({ length: 3 }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `gov-${i}` })),
    );
    // Alice asks for a drain: held for approval. Bob and Carol approve it; Carol's approval queues it, carried out.
    const asked = await api(
      'DlqDrainerFunction',
      '/dlq/drain',
      { queue: dlq, reason: 'replay after fix' },
      ALICE,
    );
    expect(asked.statusCode).toBe(202);
    approvalId = asked.body.approvalId;
    await api(
      'ApprovalsFunction',
      `/approvals/${approvalId}/approve`,
      { reason: 'consumer fixed in v5' },
      BOB,
    );
    const done = await api(
      'ApprovalsFunction',
      `/approvals/${approvalId}/approve`,
      { reason: 'sampled' },
      CAROL,
    );
    expect(done.body).toMatchObject({ status: 'approved', carrying: true });
    // Carried out from the approved-run queue, as Lambda's event source mapping would deliver it
    const delivered = await deliverNext(state, 'ApprovalsFunction', { ApprovalsFunction: env });
    expect(delivered?.outcome?.result).toMatchObject({ status: 'executed', result: { redriven: 3 } });
    // Then a runaway: Alice stops the schedules alone, break-glass, saying why.
    const group = String(state.resources.WorkloadScheduleGroup?.ref);
    const glass = await api(
      'KillSwitchFunction',
      '/schedules/disable',
      { group, all: true, reason: 'runaway orders', breakGlass: { reason: GLASS } },
      ALICE,
    );
    expect(glass.statusCode).toBe(200);
    const until = new Date(Date.now() + 1000);
    // The story is the ledger's: deployments and alarms are read from moto itself here, whatever it answers.
    const codedeploy = new CodeDeployClient({ maxAttempts: 1 });
    const cloudwatch = new CloudWatchClient({ maxAttempts: 1 });
    const deps = { dynamo, codedeploy, cloudwatch, tableName: String(state.resources.AuditTable?.ref) };
    const workloads = watchedWorkloads(stackSettings(state), undefined);
    timeline = await readTimeline(deps, { since, until, workloads });
    // With a workload selection the ledger reads each record's whole request too (another projection). The
    // stack's settings do not name its DLQ or schedule group, so the selection names them here.
    const named = workloads.map((one) => ({
      ...one,
      dlqs: [{ queue: dlq, sources: [] }],
      scheduleGroups: [group],
    }));
    selected = await readTimeline(deps, { since, until, workloads: named, onlyTheirActions: true });
    codedeploy.destroy();
    cloudwatch.destroy();
  }, 120_000);

  afterAll(() => {
    dynamo.destroy();
    sqs.destroy();
  });

  const storyOf = (read: Timeline) =>
    read.entries
      .filter((entry) => entry.governance)
      .map((entry) => [entry.what.split(' ')[0], entry.who, entry.outcome, entry.governance]);

  it('lists the held request, each approval, the approved run with its approvers and the break-glass action, in order', () => {
    // Assess
    expect(storyOf(timeline)).toEqual([
      [
        'dlq.drain',
        ALICE,
        'pending',
        {
          kind: 'held',
          approvalId,
          needs: [expect.stringContaining('above ApprovalDrainAbove (2)')],
          required: 2,
          expiresAt: expect.any(String),
        },
      ],
      [
        'approval.approve',
        BOB,
        'succeeded',
        { kind: 'vote', vote: 'approve', approvalId, approvals: 1, required: 2 },
      ],
      [
        'approval.approve',
        CAROL,
        'succeeded',
        { kind: 'vote', vote: 'approve', approvalId, approvals: 2, required: 2 },
      ],
      [
        'dlq.drain',
        ALICE,
        'succeeded',
        { kind: 'approved', approvalId, approvedBy: [BOB, CAROL], outcome: 'succeeded' },
      ],
      ['schedules.disable', ALICE, 'succeeded', { kind: 'break-glass', reason: GLASS }],
    ]);
    expect(timeline.entries.find((entry) => entry.who === BOB)?.detail).toBe('consumer fixed in v5');
    expect(storyOf(selected)).toEqual(storyOf(timeline));
    const times = timeline.entries.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('tells the same story in the postmortem and on the page, the approvers named and BREAK-GLASS flagged as text', () => {
    // Act
    const markdown = renderMarkdown(timeline);
    const page = renderHtml(timeline);

    // Assess
    const said = (text: string, parts: string[]) => parts.map((part) => text.indexOf(part));
    const markdownOrder = said(markdown, [
      `**HELD for approval ${approvalId}`,
      `**APPROVED ${approvalId} \\(1 of 2\\)**`,
      `**APPROVED ${approvalId} \\(2 of 2\\)**`,
      `**carried out as approved by ${BOB}, ${CAROL}`,
      '**BREAK-GLASS, done alone: orders doubling now &lt;b&gt;approvers asleep&lt;/b&gt;**',
    ]);
    expect(markdownOrder.every((index) => index >= 0)).toBe(true);
    expect(markdownOrder).toEqual([...markdownOrder].sort((a, b) => a - b));
    expect(page).toContain(
      `<div class="governance governance-approved">carried out as approved by ${BOB}, ${CAROL} (approval ${approvalId})</div>`,
    );
    expect(page).toContain(
      '<div class="governance governance-break-glass">BREAK-GLASS, done alone: orders doubling now &lt;b&gt;approvers asleep&lt;/b&gt;</div>',
    );
    expect(page).not.toContain('<b>approvers');
  });
});
