// The analyst's metric reads against moto: the counts Lambda would publish per executed version come back
// with the same GetMetricData call the analyst makes on AWS. (moto has no percentiles: see the unit test.)
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, describe, expect, it } from 'vitest';
import { readVersionMetrics } from '../../shared/canary/metrics.js';
import { uniqueName } from '../support/names.js';

const cloudwatch = new CloudWatchClient({ maxAttempts: 1 });
afterAll(() => cloudwatch.destroy());

describe('readVersionMetrics on moto', () => {
  it('reads each version’s Invocations and Errors behind the alias, and nothing of another version', async () => {
    // Prepare
    const functionName = uniqueName('canary-fn');
    const now = new Date();
    const datum = (metric: string, version: string, value: number, resource = `${functionName}:live`) => ({
      MetricName: metric,
      Timestamp: now,
      Unit: 'Count' as const,
      Value: value,
      Dimensions: [
        { Name: 'FunctionName', Value: functionName },
        { Name: 'Resource', Value: resource },
        { Name: 'ExecutedVersion', Value: version },
      ],
    });
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Lambda',
        MetricData: [
          datum('Invocations', '5', 1200),
          datum('Errors', '5', 30),
          datum('Invocations', '4', 10800),
          datum('Errors', '4', 100),
          // Another version, and another alias of the canary's version: neither counts.
          datum('Invocations', '3', 999),
          datum('Invocations', '5', 777, `${functionName}:beta`),
        ],
      }),
    );

    // Act
    const read = await readVersionMetrics(cloudwatch, {
      functionName,
      alias: 'live',
      canaryVersion: '5',
      baselineVersion: '4',
      start: new Date(now.getTime() - 5 * 60_000),
      end: new Date(now.getTime() + 60_000),
    });

    // Assess
    expect(read).toEqual({
      canary: { version: '5', invocations: 1200, errors: 30 },
      baseline: { version: '4', invocations: 10800, errors: 100 },
    });
  });
});
