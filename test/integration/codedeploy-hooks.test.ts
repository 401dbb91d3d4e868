// The hooks end to end: the CodeDeploy simulator (local/codedeploy/) for what moto lacks, moto for the alias
// and the alarms, and the real handlers in-process — the pre-traffic hook invoking the workload's real handler
// for the version under test (moto's Invoke runs no code; the simulator's invoker does).

import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion, simulateDeployment } from '../../local/codedeploy/deploy.js';
import { type LocalCodeDeploy, localCodeDeploy } from '../../local/codedeploy/local.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { invokeEvent } from '../../local/invoke-event.js';
import { REPORT_RESERVE_FLOOR_MS } from '../../shared/lifecycle-hook.js';
import { uniqueName } from '../support/names.js';

const QUICK_SUITE = JSON.stringify({
  defaultTimeoutMs: 5_000,
  cases: [
    {
      name: 'daily run',
      payload: { source: 'smoke' },
      expect: { jsonSubset: { ok: true } },
      timeoutMs: 1_500,
    },
  ],
});

describe('CodeDeploy hooks against the simulator and moto', () => {
  let state: EmulatorState;
  let local: LocalCodeDeploy;
  let codedeploy: CodeDeployClient;
  let functionName: string;
  let group: { applicationName: string; deploymentGroupName: string };
  const hookEnv = { PreTrafficHookFunction: { SMOKE_SUITE: QUICK_SUITE } };

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('hooks'),
    });
    local = await localCodeDeploy(state, { canaryIntervalMs: 50 });
    codedeploy = new CodeDeployClient({ endpoint: local.simulator.endpoint });
    functionName = String(state.workload?.functionName);
    group = local.groups.WorkloadFunction as typeof group;
  });

  afterAll(async () => {
    codedeploy.destroy();
    await local.stop();
  });

  it('points only CodeDeploy at the simulator; every other service stays on moto', () => {
    // Assess
    expect(process.env.AWS_ENDPOINT_URL_CODEDEPLOY).toBe(local.simulator.endpoint);
    expect(process.env.AWS_ENDPOINT_URL).toBe(state.endpoint);
    expect(local.simulator.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('shifts a good version to 100% after both hooks report Succeeded', async () => {
    // Act
    const result = await simulateDeployment(state, { functionName, toVersion: '2', hookEnv });

    // Assess
    expect(result).toMatchObject({
      status: 'Succeeded',
      fromVersion: '3',
      live: { version: '2', weights: {} },
    });
    expect(result.steps.map((step) => step.text)).toEqual([
      expect.stringContaining('deployment created'),
      expect.stringContaining('BeforeAllowTraffic: invoking'),
      'BeforeAllowTraffic: hook reported Succeeded',
      'shift 10%: version 2 weight 0.1',
      'alarms checked: none in ALARM',
      'shift 100%: live → version 2',
      expect.stringContaining('AfterAllowTraffic: invoking'),
      'AfterAllowTraffic: hook reported Succeeded',
      'deployment Succeeded',
    ]);
  });

  it('stops a version whose smoke case fails before any traffic reaches it; live stays', async () => {
    // Prepare
    const bad = await publishVersion(state, functionName, { fault: 'error' });

    // Act
    const result = await simulateDeployment(state, { functionName, toVersion: bad.version, hookEnv });

    // Assess
    expect(result).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
      live: { version: '2', weights: {} },
    });
    expect(result.steps.some((step) => step.text.startsWith('shift'))).toBe(false);
  });

  it('refuses a version whose build is not the git sha its description records', async () => {
    // Prepare
    const mislabelled = await publishVersion(state, functionName, { builtGitSha: '0123456789abcdef0123' });

    // Act
    const result = await simulateDeployment(state, { functionName, toVersion: mislabelled.version, hookEnv });

    // Assess: the step that reports the failure says why, in the hook's own words
    expect(result).toMatchObject({ status: 'Failed', live: { version: '2' } });
    expect(result.steps.map((step) => step.text)).toContainEqual(
      expect.stringMatching(/^BeforeAllowTraffic: hook reported Failed: .*0123456789abcdef0123/),
    );
  });

  it('reports Failed within the budget when a case hangs (hook timeout 7 s, the smallest reserve: 5 s)', async () => {
    // Prepare
    const hanging = await publishVersion(state, functionName, { fault: 'hang' });
    const slowSuite = JSON.stringify({
      cases: [{ name: 'hangs', payload: {}, timeoutMs: 600_000 }],
      checkBuildMetadata: false,
    });

    // Act
    const result = await simulateDeployment(state, {
      functionName,
      toVersion: hanging.version,
      hookEnv: {
        PreTrafficHookFunction: { SMOKE_SUITE: slowSuite, SMOKE_RESERVE_MS: String(REPORT_RESERVE_FLOOR_MS) },
      },
      hookTimeoutSeconds: { PreTrafficHookFunction: 7 },
    });

    // Assess: the hook reported (Failed) itself, rather than leaving the event to time out.
    expect(result).toMatchObject({ status: 'Failed', live: { version: '2' } });
    expect(result.steps.map((step) => step.text)).toContainEqual(
      expect.stringMatching(/^BeforeAllowTraffic: hook reported Failed: .*hangs/),
    );
  });

  it('rolls the canary back when a deployment alarm is in ALARM', async () => {
    // Prepare
    const cloudwatch = new CloudWatchClient({});
    const alarmName = `${state.stackName}-workload-throttles`;
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test' }),
    );

    try {
      // Act
      const result = await simulateDeployment(state, { functionName, toVersion: '1', hookEnv });

      // Assess
      expect(result).toMatchObject({
        status: 'Failed',
        errorInformation: { code: 'ALARM_ACTIVE' },
        live: { version: '2', weights: {} },
      });
    } finally {
      await cloudwatch.send(
        new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'OK', StateReason: 'test' }),
      );
      cloudwatch.destroy();
    }
  });

  it('lets the rollback function stop a canary in flight (StopDeployment served by the simulator)', async () => {
    // Prepare: a deployment held at 10% for 20 s.
    let canaryShifted: () => void = () => undefined;
    const shifted = new Promise<void>((resolve) => {
      canaryShifted = resolve;
    });
    const deployment = simulateDeployment(
      state,
      {
        functionName,
        toVersion: '1',
        hookEnv,
        onStep: (text) => text.startsWith('shift 10%') && canaryShifted(),
      },
      { canaryIntervalMs: 20_000 },
    );
    await shifted;

    // Act
    const rollback = await invokeFunction({
      logicalId: 'RollbackFunction',
      event: { actor: 'cli:test@ci', functionName, reason: 'canary errors in the integration test' },
      state,
      envVars: {
        RollbackFunction: { CODEDEPLOY_APPLICATION: group.applicationName, ROLLBACK_COOLDOWN_MINUTES: '0' },
      },
    });
    const result = await deployment;

    // Assess
    expect(rollback.result).toMatchObject({
      ok: true,
      chosenBy: 'in-flight-deployment',
      toVersion: '2',
      stoppedDeploymentId: result.deploymentId,
    });
    expect(result).toMatchObject({ status: 'Stopped', live: { version: '2', weights: {} } });
  });

  it("holds the canary's end for a look still in flight, and honours the stop that look asks", async () => {
    // Prepare: a canary of 50 ms, and a watcher's look that takes 400 ms from the shift and stops the deployment
    // (the drill's look, on a slow machine, running past its compressed canary).
    let lookAnswered = false;
    let look: Promise<unknown> | undefined;
    const deployment = simulateDeployment(
      state,
      {
        functionName,
        toVersion: '1',
        hookEnv,
        onStep: (text) => {
          if (!text.startsWith('shift 10%')) return;
          look = (async () => {
            await new Promise((resolve) => setTimeout(resolve, 400));
            await invokeFunction({
              logicalId: 'RollbackFunction',
              event: { actor: 'cli:test@ci', functionName, reason: 'the look found the canary worse' },
              state,
              envVars: {
                RollbackFunction: {
                  CODEDEPLOY_APPLICATION: group.applicationName,
                  ROLLBACK_COOLDOWN_MINUTES: '0',
                },
              },
            });
            lookAnswered = true;
          })();
        },
        canaryHold: () => look,
      },
      { canaryIntervalMs: 50 },
    );

    // Act
    const result = await deployment;

    // Assess
    expect(lookAnswered).toBe(true);
    expect(result).toMatchObject({ status: 'Stopped', live: { version: '2', weights: {} } });
    expect(result.steps.map((step) => step.text)).not.toContain('shift 100%: live → version 1');
  });

  it('answers the modelled exceptions as the real API does', async () => {
    // Prepare: one finished deployment, and one lifecycle event held open for a hook.
    const [finished] = (await codedeploy.send(new ListDeploymentsCommand({ ...group }))).deployments ?? [];
    local.simulator.openLifecycleEvent({
      deploymentId: 'd-TESTOPEN1',
      executionId: 'open-execution',
      hook: 'BeforeAllowTraffic',
      ...group,
      target: { name: functionName, alias: 'live', currentVersion: '2', targetVersion: '3' },
    });
    const put = (fields: Record<string, unknown>) =>
      codedeploy.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: 'd-TESTOPEN1',
          lifecycleEventHookExecutionId: 'open-execution',
          status: 'Succeeded',
          ...fields,
        }),
      );

    // Act + Assess
    await expect(
      codedeploy.send(new GetDeploymentCommand({ deploymentId: 'd-NOTHERE00' })),
    ).rejects.toMatchObject({
      name: 'DeploymentDoesNotExistException',
    });
    await expect(codedeploy.send(new GetDeploymentCommand({ deploymentId: 'nope' }))).rejects.toMatchObject({
      name: 'InvalidDeploymentIdException',
    });
    await expect(put({ status: 'Pending' })).rejects.toMatchObject({
      name: 'InvalidLifecycleEventHookExecutionStatusException',
    });
    await expect(put({ lifecycleEventHookExecutionId: 'other' })).rejects.toMatchObject({
      name: 'InvalidLifecycleEventHookExecutionIdException',
    });
    await expect(put({})).resolves.toMatchObject({ lifecycleEventHookExecutionId: 'open-execution' });
    await expect(put({ status: 'Failed' })).rejects.toMatchObject({
      name: 'LifecycleEventAlreadyCompletedException',
    });
    await expect(
      codedeploy.send(new StopDeploymentCommand({ deploymentId: finished })),
    ).rejects.toMatchObject({
      name: 'DeploymentAlreadyCompletedException',
    });
    await expect(
      codedeploy.send(new ListDeploymentsCommand({ applicationName: 'nope', deploymentGroupName: 'x' })),
    ).rejects.toMatchObject({ name: 'ApplicationDoesNotExistException' });
    const info = (await codedeploy.send(new GetDeploymentCommand({ deploymentId: String(finished) })))
      .deploymentInfo;
    expect(info?.createTime).toBeInstanceOf(Date);
    expect(info?.revision?.appSpecContent?.content).toContain(functionName);
  });

  it('runs the sample events through the hooks like `runbook invoke` does', async () => {
    // Act
    const pre = await invokeEvent({
      logicalId: 'PreTrafficHookFunction',
      event: { DeploymentId: 'd-SAMPLE001', LifecycleEventHookExecutionId: 'sample-pre' },
      state,
      envVars: hookEnv,
    });

    // Assess: the newest version (the mislabelled/faulty ones above) is what the sample deployment targets.
    expect(pre.result).toMatchObject({ deploymentId: 'd-SAMPLE001', reported: true });
  });
});
