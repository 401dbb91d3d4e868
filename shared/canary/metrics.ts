// Reads what Lambda publishes for each version behind an alias: AWS/Lambda Invocations, Errors and Duration
// with the dimensions FunctionName, Resource (`function:alias`) and ExecutedVersion — the per-version view
// of an alias's traffic that exists only for alias invocations, so the pre-traffic hook's direct invocations
// of a version are not counted (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
//
// One GetMetricData call for both versions, one period covering the whole window (CloudWatch computes a
// percentile over all the period's samples, which averaging per-minute percentiles would not give).
// Off AWS: moto's GetMetricData answers Sum, Average, Minimum, Maximum and SampleCount but not percentiles
// (an extended statistic such as p99 makes it answer 500). Tests cover the percentile query with
// aws-sdk-client-mock; drills run it against local/cloudwatch/, which answers percentiles from the samples
// published through it and passes every other call to moto.
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { VersionMetrics } from './analysis.js';

export interface MetricsWindow {
  functionName: string;
  alias: string;
  canaryVersion: string;
  baselineVersion: string;
  start: Date;
  end: Date;
  /** The Duration percentile to read (`p99`); omitted when latency is not analysed. */
  latencyStatistic?: string;
}

const MINUTE_MS = 60_000;

/** The GetMetricData request for a window: its queries are named `<metric>_<c|b>`. */
export function metricDataRequest(window: MetricsWindow) {
  const start = new Date(Math.floor(window.start.getTime() / MINUTE_MS) * MINUTE_MS);
  // Up to the end of the current minute: Lambda's datapoints are per minute, and a datapoint of this minute
  // must not fall outside by a fraction of a second.
  const end = new Date(
    Math.ceil(Math.max(window.end.getTime(), start.getTime() + 1) / MINUTE_MS) * MINUTE_MS,
  );
  // One period over the window, in whole minutes (Lambda metrics have a 60 s resolution).
  const period = Math.ceil((end.getTime() - start.getTime()) / MINUTE_MS) * 60;
  const query = (id: string, version: string, metricName: string, stat: string): MetricDataQuery => ({
    Id: id,
    ReturnData: true,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/Lambda',
        MetricName: metricName,
        Dimensions: [
          { Name: 'FunctionName', Value: window.functionName },
          { Name: 'Resource', Value: `${window.functionName}:${window.alias}` },
          { Name: 'ExecutedVersion', Value: version },
        ],
      },
      Period: period,
      Stat: stat,
    },
  });
  const queries: MetricDataQuery[] = [];
  for (const [side, version] of [
    ['c', window.canaryVersion],
    ['b', window.baselineVersion],
  ] as const) {
    queries.push(query(`invocations_${side}`, version, 'Invocations', 'Sum'));
    queries.push(query(`errors_${side}`, version, 'Errors', 'Sum'));
    if (window.latencyStatistic)
      queries.push(query(`duration_${side}`, version, 'Duration', window.latencyStatistic));
  }
  return {
    StartTime: start,
    EndTime: end,
    MetricDataQueries: queries,
    ScanBy: 'TimestampAscending' as const,
  };
}

/** Both versions' counts (and percentile) over the window; a metric with no datapoint counts as 0 (or none). */
export async function readVersionMetrics(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  window: MetricsWindow,
  signal?: AbortSignal,
): Promise<{ canary: VersionMetrics; baseline: VersionMetrics }> {
  const request = metricDataRequest(window);
  const results: MetricDataResult[] = [];
  let NextToken: string | undefined;
  // Six queries fit in one page; the loop follows NextToken should CloudWatch split the answer anyway.
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({ ...request, NextToken }),
      signal ? { abortSignal: signal } : {},
    );
    results.push(...(page.MetricDataResults ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  const values = (id: string) => results.filter((result) => result.Id === id).flatMap((r) => r.Values ?? []);
  const sum = (id: string) => values(id).reduce((total, value) => total + value, 0);
  // One period covers the window, so one value is expected; should CloudWatch split it, the highest is kept
  // (never an average of percentiles, which is no percentile at all).
  const percentile = (id: string) => {
    const found = values(id);
    return found.length > 0 ? Math.max(...found) : undefined;
  };
  const version = (side: 'c' | 'b', name: string): VersionMetrics => {
    const latencyMs = window.latencyStatistic ? percentile(`duration_${side}`) : undefined;
    return {
      version: name,
      invocations: sum(`invocations_${side}`),
      errors: sum(`errors_${side}`),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
  };
  return { canary: version('c', window.canaryVersion), baseline: version('b', window.baselineVersion) };
}
