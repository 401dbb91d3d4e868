// The simulator's canary traffic end to end: alias traffic through the in-process invoker to both versions
// with a fault profile each, per-version metrics published to CloudWatch as Lambda would, read back by the
// analyst with its own GetMetricData call (percentiles through local/cloudwatch/, counts from moto), and the
// post-traffic hook's last look failing a worse version.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishVersion, simulateDeployment } from '../../local/codedeploy/deploy.js';
import { type LocalCodeDeploy, localCodeDeploy } from '../../local/codedeploy/local.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { readVersionMetrics } from '../../shared/canary/metrics.js';
import { uniqueName } from '../support/names.js';

const QUICK_SUITE = JSON.stringify({
  defaultTimeoutMs: 5_000,
  cases: [{ name: 'daily run', payload: { source: 'smoke' }, expect: { jsonSubset: { ok: true } } }],
});

describe('canary traffic in the CodeDeploy simulator', () => {
  let state: EmulatorState;
  let local: LocalCodeDeploy;
  let functionName: string;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('canary'),
    });
    local = await localCodeDeploy(state, { canaryIntervalMs: 50 });
    functionName = String(state.workload?.functionName);
  });

  afterAll(async () => {
    await local.stop();
  });

  it('publishes per-version metrics the analyst reads back, and the last look fails a worse version', async () => {
    // Prepare
    const started = new Date();
    const { version } = await publishVersion(state, functionName);

    // Act
    const result = await simulateDeployment(state, {
      functionName,
      toVersion: version,
      traffic: {
        invocations: 1500,
        seed: 11,
        baseline: { errorRate: 0.01 },
        canary: { errorRate: 0.12, extraMs: 300 },
      },
      hookEnv: {
        PreTrafficHookFunction: { SMOKE_SUITE: QUICK_SUITE, POWERTOOLS_LOG_LEVEL: 'SILENT' },
        PostTrafficHookFunction: { CANARY_MIN_INVOCATIONS: '100', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    });
    const cloudwatch = new CloudWatchClient({ endpoint: local.cloudwatchEndpoint, maxAttempts: 1 });
    const read = await readVersionMetrics(cloudwatch, {
      functionName,
      alias: 'live',
      canaryVersion: version,
      baselineVersion: result.fromVersion,
      start: started,
      end: new Date(Date.now() + 60_000),
      latencyStatistic: 'p99',
    });
    cloudwatch.destroy();

    // Assess: 1,500 invocations split about 10/90, the canary's faults visible per version.
    expect(read.canary.invocations + read.baseline.invocations).toBe(1500);
    expect(read.canary.invocations).toBeGreaterThan(100);
    expect(read.canary.invocations).toBeLessThan(200);
    expect(read.canary.errors / read.canary.invocations).toBeGreaterThan(0.06);
    expect(read.baseline.errors / read.baseline.invocations).toBeLessThan(0.03);
    expect(read.canary.latencyMs).toBeGreaterThan(300);
    expect(read.baseline.latencyMs).toBeLessThan(300);
    expect(result.steps.map((step) => step.text)).toContainEqual(
      expect.stringMatching(/^traffic: 1500 invocations of live/),
    );
    expect(result).toMatchObject({
      status: 'Failed',
      errorInformation: { code: 'HOOK_EXECUTION_FAILURE' },
      live: { version: result.fromVersion, weights: {} },
    });
  });

  it('lets a version as good as the old one through the same last look', async () => {
    // Prepare
    const { version } = await publishVersion(state, functionName);

    // Act
    const result = await simulateDeployment(state, {
      functionName,
      toVersion: version,
      traffic: { invocations: 1500, seed: 12, baseline: { errorRate: 0.01 }, canary: { errorRate: 0.01 } },
      hookEnv: {
        PreTrafficHookFunction: { SMOKE_SUITE: QUICK_SUITE, POWERTOOLS_LOG_LEVEL: 'SILENT' },
        PostTrafficHookFunction: { CANARY_MIN_INVOCATIONS: '100', POWERTOOLS_LOG_LEVEL: 'SILENT' },
      },
    });

    // Assess
    expect(result).toMatchObject({ status: 'Succeeded', live: { version, weights: {} } });
  });
});
