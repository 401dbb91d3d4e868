// Alias traffic during a simulated canary: every invocation goes through the in-process invoker to the
// version the alias's weights pick (as Lambda routes an alias), with a fault profile per version, and the
// per-version metrics are published to CloudWatch as Lambda publishes them: namespace AWS/Lambda, Invocations,
// Errors and Duration, by FunctionName, by FunctionName + Resource (`function:alias`), and by FunctionName +
// Resource + ExecutedVersion (the view the canary analyst reads).
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { seededRandom } from './random.js';

/**
 * A Duration for one invocation: a few ms, drawn from the seed. Modelled rather than measured, because the
 * wall-clock time of an in-process call on a busy machine (a test run, CI) measures the machine: one stalled
 * call is the p99 of 150, and a version would be judged by the scheduler, not by its code. Faults add to it.
 */
const modelledMs = (random: () => number) => 2 + 8 * random();

export interface VersionFault {
  /** Share of this version's invocations that fail, on top of its handler's own failures (0..1). */
  errorRate?: number;
  /** Added to each invocation's Duration, ms. Recorded, not slept: the drill need not wait for it. */
  extraMs?: number;
}

export interface CanaryTraffic {
  /** Invocations of the alias while the canary serves. */
  invocations: number;
  /** The version being replaced, and the version under test. */
  baseline?: VersionFault;
  canary?: VersionFault;
  /** Same seed, same traffic. */
  seed?: number;
}

export interface VersionTally {
  version: string;
  invocations: number;
  errors: number;
  durationsMs: number[];
}

/** Runs one invocation of a version: whether it failed (its Duration is modelled, see modelledMs). */
export type InvokeVersion = (version: string) => Promise<{ failed: boolean }>;

export async function driveTraffic(input: {
  traffic: CanaryTraffic;
  currentVersion: string;
  targetVersion: string;
  /** The canary's weight on the alias (0.1 for Canary10Percent…). */
  weight: number;
  invoke: InvokeVersion;
}): Promise<VersionTally[]> {
  const random = seededRandom(input.traffic.seed ?? 1);
  // Its own sequence: the routing and faults of a seed stay what they were.
  const durations = seededRandom((input.traffic.seed ?? 1) + 0x9e37);
  const tally = (version: string): VersionTally => ({ version, invocations: 0, errors: 0, durationsMs: [] });
  const baseline = tally(input.currentVersion);
  const canary = tally(input.targetVersion);
  // One at a time: the in-process invoker swaps process.env for each invocation.
  for (let i = 0; i < input.traffic.invocations; i += 1) {
    const toCanary = random() < input.weight;
    const side = toCanary ? canary : baseline;
    const fault = (toCanary ? input.traffic.canary : input.traffic.baseline) ?? {};
    const injected = random() < (fault.errorRate ?? 0);
    const outcome = await input.invoke(side.version);
    side.invocations += 1;
    if (outcome.failed || injected) side.errors += 1;
    side.durationsMs.push(modelledMs(durations) + (fault.extraMs ?? 0));
  }
  return [baseline, canary].filter((side) => side.invocations > 0);
}

/** Distinct values and their counts, at most 150 per datum (PutMetricData's limit), Duration rounded to 0.1 ms. */
function valueChunks(durations: number[]): Array<{ Values: number[]; Counts: number[] }> {
  const counts = new Map<number, number>();
  for (const duration of durations) {
    const value = Math.round(duration * 10) / 10;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const entries = [...counts.entries()];
  const chunks: Array<{ Values: number[]; Counts: number[] }> = [];
  for (let i = 0; i < entries.length; i += 150) {
    const slice = entries.slice(i, i + 150);
    chunks.push({ Values: slice.map(([value]) => value), Counts: slice.map(([, count]) => count) });
  }
  return chunks;
}

function datums(
  dimensions: MetricDatum['Dimensions'],
  tallies: VersionTally[],
  timestamp: Date,
): MetricDatum[] {
  const invocations = tallies.reduce((sum, side) => sum + side.invocations, 0);
  const errors = tallies.reduce((sum, side) => sum + side.errors, 0);
  const counted = (name: string, sum: number): MetricDatum => ({
    MetricName: name,
    Dimensions: dimensions,
    Timestamp: timestamp,
    Unit: 'Count',
    // Lambda records one value per invocation (1, or 0/1 for Errors): their statistic set.
    StatisticValues: {
      SampleCount: invocations,
      Sum: sum,
      Minimum: sum === invocations ? 1 : 0,
      Maximum: sum > 0 ? 1 : 0,
    },
  });
  return [
    counted('Invocations', invocations),
    counted('Errors', errors),
    ...valueChunks(tallies.flatMap((side) => side.durationsMs)).map((chunk) => ({
      MetricName: 'Duration',
      Dimensions: dimensions,
      Timestamp: timestamp,
      Unit: 'Milliseconds' as const,
      ...chunk,
    })),
  ];
}

/** Publishes the traffic's metrics as Lambda would for invocations of `functionName:alias`. */
export async function publishLambdaMetrics(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  input: { functionName: string; alias: string; tallies: VersionTally[]; timestamp?: Date },
): Promise<void> {
  const timestamp = input.timestamp ?? new Date();
  const functionName = { Name: 'FunctionName', Value: input.functionName };
  const resource = { Name: 'Resource', Value: `${input.functionName}:${input.alias}` };
  const all = [
    ...datums([functionName], input.tallies, timestamp),
    ...datums([functionName, resource], input.tallies, timestamp),
    ...input.tallies.flatMap((side) =>
      datums([functionName, resource, { Name: 'ExecutedVersion', Value: side.version }], [side], timestamp),
    ),
  ];
  // PutMetricData takes at most 1,000 datums per call.
  for (let i = 0; i < all.length; i += 1000) {
    await cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'AWS/Lambda', MetricData: all.slice(i, i + 1000) }),
    );
  }
}
