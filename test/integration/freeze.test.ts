// Change freezes enforced by the functions themselves, against the emulator: the real handlers in-process with
// FREEZE_WINDOWS as template.yaml passes it, a window in force now (or tomorrow) around the real clock. What
// reduces risk — rollback, the kill switch — passes; what changes the estate — a drain, a deployment — does not.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateDeployment } from '../../local/codedeploy/deploy.js';
import { type LocalCodeDeploy, localCodeDeploy } from '../../local/codedeploy/local.js';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { FROZEN_NOW, FROZEN_TOMORROW, OVERNIGHT_NOW } from '../support/freeze.js';
import { uniqueName } from '../support/names.js';

const sqs = new SQSClient({});
const lambda = new LambdaClient({});

const QUICK_SUITE = JSON.stringify({
  defaultTimeoutMs: 5_000,
  cases: [{ name: 'daily run', payload: { source: 'smoke' }, expect: { jsonSubset: { ok: true } } }],
});

interface Answer {
  ok: boolean;
  changed?: boolean;
  redriven?: number;
  received?: number;
  error?: { code: string; message: string; field?: string; fields?: string[] };
}

describe('change freezes (against the emulator)', { timeout: 120_000 }, () => {
  let state: EmulatorState;
  let local: LocalCodeDeploy;
  let functionName: string;
  let dlqName: string;
  let dlqUrl: string;
  let ledger: AuditLedger;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('freeze'),
    });
    local = await localCodeDeploy(state, { canaryIntervalMs: 50 });
    functionName = String(state.workload?.functionName);
    dlqName = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    dlqUrl = String(state.resources.WorkloadDLQ?.ref);
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
  });

  afterAll(async () => {
    await local.stop();
    sqs.destroy();
    lambda.destroy();
  });

  async function invoke(logicalId: string, event: Record<string, unknown>, windows: string) {
    const outcome = await invokeFunction({
      logicalId,
      event: { actor: 'cli:test@ci', reason: 'freeze integration test', ...event },
      state,
      envVars: { [logicalId]: { FREEZE_WINDOWS: windows } },
    });
    return outcome.result as Answer;
  }

  const depth = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(Attributes?.ApproximateNumberOfMessages);
  };

  const alias = async () =>
    (await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: 'live' }))).FunctionVersion;

  it('refuses a drain during a freeze with a 409 naming the window and its end, and lets a peek and a dry run look', async () => {
    // Prepare
    await fillQueue(sqs, dlqUrl, [
      lambdaDeadLetter({ run: 1 }, { requestId: 'freeze-1' }),
      lambdaDeadLetter({ run: 2 }, { requestId: 'freeze-2' }),
    ]);
    const windows = FROZEN_NOW();
    const end = windows.split(' ')[0]?.split('/')[1]?.replace('Z', '');

    // Act
    const refused = await invoke('DlqDrainerFunction', { queue: dlqName }, windows);
    const peek = await invoke('DlqDrainerFunction', { queue: dlqName, mode: 'peek' }, windows);
    const dryRun = await invoke('DlqDrainerFunction', { queue: dlqName, dryRun: true }, windows);

    // Assess
    expect(refused).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    expect(refused.error?.message).toMatch(
      /^change freeze: a drain of .*WorkloadDLQ is refused until .* by window \[0\] ".*" \(integration test freeze\)/,
    );
    expect(refused.error?.message).toContain(end);
    expect(peek).toMatchObject({ ok: true, received: 2, redriven: 0 });
    expect(dryRun).toMatchObject({ ok: true, redriven: 0 });
    expect(await depth()).toBe(2);
  });

  it('refuses a drain during a recurring window that crosses midnight, until its end the next day', async () => {
    // Prepare
    const { windows, until } = OVERNIGHT_NOW();

    // Act
    const refused = await invoke('DlqDrainerFunction', { queue: dlqName }, windows);

    // Assess
    expect(refused).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    expect(refused.error?.message).toContain(`is refused until ${until} by window [0] "${windows}"`);
    expect(await depth()).toBe(2);
  });

  it('drains outside the windows: a freeze declared for tomorrow does not hold today', async () => {
    // Act
    const drained = await invoke('DlqDrainerFunction', { queue: dlqName }, FROZEN_TOMORROW());

    // Assess
    expect(drained).toMatchObject({ ok: true, redriven: 2 });
    expect(await depth()).toBe(0);
  });

  it('never takes an approval from the request body: a freezeOverride field is refused as unknown', async () => {
    // Act
    const refused = await invoke(
      'DlqDrainerFunction',
      { queue: dlqName, freezeOverride: { approvalId: 'apr-1', approvedBy: ['me', 'myself'] } },
      FROZEN_NOW(),
    );

    // Assess
    expect(refused).toMatchObject({ ok: false, error: { code: 'ValidationError' } });
    expect(refused.error?.message).toContain('freezeOverride');
  });

  it('refuses a drain when windows are malformed with a configuration error naming every bad window and field; a peek still looks, rollback and the kill switch pass', async () => {
    // Prepare: a window with no end, and one in an unknown zone
    const broken = 'weekdays 09:25 UTC; daily 01:00-02:00 UTC fine; daily 03:00-04:00 Mars/Olympus';

    // Act
    const refused = await invoke('DlqDrainerFunction', { queue: dlqName }, broken);
    const peek = await invoke('DlqDrainerFunction', { queue: dlqName, mode: 'peek' }, broken);
    // (dry runs: the next tests roll back and disable for real; what matters here is that they answer)
    const rollback = await invoke('RollbackFunction', { functionName, dryRun: true }, broken);
    const killSwitch = await invoke(
      'KillSwitchFunction',
      {
        action: 'disable',
        group: String(state.resources.WorkloadScheduleGroup?.ref),
        all: true,
        dryRun: true,
      },
      broken,
    );

    // Assess: not the caller's fault (500), but said, never a bare InternalError
    expect(refused).toMatchObject({
      ok: false,
      error: {
        code: 'ConfigurationError',
        field: 'FREEZE_WINDOWS[0].end',
        fields: ['FREEZE_WINDOWS[0].end', 'FREEZE_WINDOWS[2].zone'],
      },
    });
    expect(refused.error?.message).toMatch(/^FREEZE_WINDOWS\[0\]\.end: the window has no end/);
    expect(refused.error?.message).toContain('FREEZE_WINDOWS[2].zone: unknown time zone "Mars/Olympus"');
    expect(peek).toMatchObject({ ok: true });
    expect(rollback).toMatchObject({ ok: true });
    expect(killSwitch).toMatchObject({ ok: true });
  });

  it('lets a rollback through during a freeze', async () => {
    // Prepare
    const before = await alias();

    // Act
    const rollback = await invoke('RollbackFunction', { functionName }, FROZEN_NOW());

    // Assess
    expect(rollback).toMatchObject({ ok: true, changed: true });
    expect(await alias()).not.toBe(before);
  });

  it('lets the kill switch through during a freeze', async () => {
    // Act
    const killSwitch = await invoke(
      'KillSwitchFunction',
      { action: 'disable', group: String(state.resources.WorkloadScheduleGroup?.ref), all: true },
      FROZEN_NOW(),
    );

    // Assess
    expect(killSwitch).toMatchObject({ ok: true, changed: true });
  });

  it('fails a deployment at the pre-traffic hook during a freeze, naming it, and records why; live stays', async () => {
    // Prepare
    const before = await alias();
    const hookEnv = { PreTrafficHookFunction: { SMOKE_SUITE: QUICK_SUITE, FREEZE_WINDOWS: FROZEN_NOW() } };

    // Act
    const result = await simulateDeployment(state, { functionName, toVersion: '3', hookEnv });

    // Assess
    expect(result).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
      live: { version: before },
    });
    expect(result.steps.some((step) => step.text.startsWith('shift'))).toBe(false);
    const [record] = await ledger.list({ target: `deployment:${result.deploymentId}` });
    expect(record).toMatchObject({
      action: 'deploy.pre-traffic',
      outcome: 'failed',
      after: { status: 'Failed' },
    });
    expect(String((record?.details as { reason?: string } | undefined)?.reason)).toMatch(
      new RegExp(
        `^change freeze: deployment ${result.deploymentId} is refused until .* \\(integration test freeze\\)`,
      ),
    );
  });

  it('lets the same deployment through when the freeze is tomorrow', async () => {
    // Act
    const hookEnv = {
      PreTrafficHookFunction: { SMOKE_SUITE: QUICK_SUITE, FREEZE_WINDOWS: FROZEN_TOMORROW() },
    };
    const result = await simulateDeployment(state, { functionName, toVersion: '3', hookEnv });

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', live: { version: '3' } });
  });
});
