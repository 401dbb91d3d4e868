// The metric reads with aws-sdk-client-mock: moto's GetMetricData has no percentiles (p99 answers 500), so
// the Duration percentile query is proven here; test/integration/canary-metrics.test.ts proves the counts on moto.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { metricDataRequest, readVersionMetrics } from '../../shared/canary/metrics.js';

const cloudwatch = mockClient(CloudWatchClient);

const WINDOW = {
  functionName: 'trading',
  alias: 'live',
  canaryVersion: '5',
  baselineVersion: '4',
  start: new Date('2026-11-27T03:00:20Z'),
  end: new Date('2026-11-27T03:05:10Z'),
  latencyStatistic: 'p99',
};

describe('readVersionMetrics', () => {
  beforeEach(() => cloudwatch.reset());

  it('asks Lambda’s per-version alias metrics over one period covering the window', async () => {
    // Prepare
    cloudwatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

    // Act
    await readVersionMetrics(new CloudWatchClient({}), WINDOW);

    // Assess
    const input = cloudwatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input;
    expect(input?.StartTime).toEqual(new Date('2026-11-27T03:00:00Z'));
    expect(input?.EndTime).toEqual(new Date('2026-11-27T03:06:00Z'));
    expect(
      input?.MetricDataQueries?.map((query) => [
        query.Id,
        query.MetricStat?.Metric?.MetricName,
        query.MetricStat?.Stat,
      ]),
    ).toEqual([
      ['invocations_c', 'Invocations', 'Sum'],
      ['errors_c', 'Errors', 'Sum'],
      ['duration_c', 'Duration', 'p99'],
      ['invocations_b', 'Invocations', 'Sum'],
      ['errors_b', 'Errors', 'Sum'],
      ['duration_b', 'Duration', 'p99'],
    ]);
    const canaryDuration = input?.MetricDataQueries?.[2]?.MetricStat;
    expect(canaryDuration).toEqual({
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: 'Duration',
        Dimensions: [
          { Name: 'FunctionName', Value: 'trading' },
          { Name: 'Resource', Value: 'trading:live' },
          { Name: 'ExecutedVersion', Value: '5' },
        ],
      },
      Period: 360,
      Stat: 'p99',
    });
  });

  it('sums the counts, keeps the percentile, and follows NextToken', async () => {
    // Prepare
    cloudwatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'invocations_c', Values: [2000] },
          { Id: 'errors_c', Values: [40] },
          { Id: 'duration_c', Values: [412.5] },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 'invocations_b', Values: [17000, 1000] },
          { Id: 'errors_b', Values: [180] },
          { Id: 'duration_b', Values: [] },
        ],
      });

    // Act
    const read = await readVersionMetrics(new CloudWatchClient({}), WINDOW);

    // Assess
    expect(read).toEqual({
      canary: { version: '5', invocations: 2000, errors: 40, latencyMs: 412.5 },
      baseline: { version: '4', invocations: 18000, errors: 180 },
    });
    expect(cloudwatch.commandCalls(GetMetricDataCommand)[1]?.args[0].input.NextToken).toBe('page-2');
  });

  it('asks no percentile when latency is not analysed', () => {
    const { latencyStatistic: _, ...countsOnly } = WINDOW;
    expect(metricDataRequest(countsOnly).MetricDataQueries.map((query) => query.Id)).toEqual([
      'invocations_c',
      'errors_c',
      'invocations_b',
      'errors_b',
    ]);
  });
});
