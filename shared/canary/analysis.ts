// The canary verdict: the version under test against the version it replaces, over the same window, under
// the same traffic (Lambda publishes an alias's metrics per ExecutedVersion). Pure: the caller reads the
// metrics and acts; every rule here is tested alone in test/unit/canary-analysis.test.ts.
//
// Rules, in plain words (RUNBOOK.md "Reading a canary verdict"):
// - Below `minInvocations` on either side, a metric has no verdict: `not enough data`.
// - Errors: fail when the canary's error rate is higher than the old version's beyond what chance explains at
//   this look's share of the false-positive budget (one-sided Fisher exact test with mid-p, proportions.ts;
//   the budget is spread over the looks by spending.ts).
// - Latency: fail when the canary's Duration percentile is above the old one's by more than the tolerance
//   (relative, with an absolute floor in ms). A tolerance, not a test: CloudWatch gives a percentile, not the
//   samples, so the tolerance absorbs the percentile's noise (the bench measures what it costs).
// - Any metric failing fails the canary; else any without data makes it `not enough data`; else it passes.
// - `better`: the canary's error rate is lower beyond chance (the same test, the other way) and it is not
//   slower beyond the tolerance. The post-traffic hook lets such a version through an alarm already in ALARM.
import type { AnalystConfig } from './config.js';
import { type Counts, fisherMidP, rate, twoProportionZ } from './proportions.js';
import { lookAlpha } from './spending.js';

export interface VersionMetrics extends Counts {
  version: string;
  /** The configured Duration percentile over the window, ms; undefined when CloudWatch had no datapoint. */
  latencyMs?: number;
}

export interface Look {
  /** The share of the canary elapsed at this look, in (0, 1]; 1 for the last gate. */
  elapsed: number;
  /** The share at the previous look (0 for the first). */
  previous: number;
}

export type Outcome = 'pass' | 'fail' | 'not enough data';

interface Side {
  version: string;
  invocations: number;
  errors: number;
  errorRate: number;
}

export interface ErrorCheck {
  metric: 'errors';
  outcome: Outcome;
  canary: Side;
  baseline: Side;
  /** The test's one-sided mid-p value that the canary fails more often (small is strong evidence). */
  statistic: number;
  /** The canary fails when the statistic is at or below this: the false-positive level of this look. */
  threshold: number;
  /** The pooled two-proportion z, for the reader (canary worse is positive). */
  z: number;
  better: boolean;
  why: string;
}

export interface LatencyCheck {
  metric: 'latency';
  outcome: Outcome;
  statistic: string;
  canaryMs?: number;
  baselineMs?: number;
  /** The canary fails above this. */
  limitMs?: number;
  better: boolean;
  why: string;
}

export type Check = ErrorCheck | LatencyCheck;

export interface Verdict {
  verdict: Outcome;
  /** Measurably better than the version it replaces (see the header). */
  better: boolean;
  checks: Check[];
  /** One sentence for logs, the audit record and the operator. */
  reason: string;
}

const side = (metrics: VersionMetrics): Side => ({
  version: metrics.version,
  invocations: metrics.invocations,
  errors: metrics.errors,
  errorRate: rate(metrics),
});

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

function short(metrics: VersionMetrics, config: AnalystConfig): string | undefined {
  if (metrics.invocations >= config.minInvocations) return undefined;
  return `version ${metrics.version} served ${metrics.invocations} invocation(s), fewer than ${config.minInvocations}`;
}

export function errorCheck(
  canary: VersionMetrics,
  baseline: VersionMetrics,
  look: Look,
  config: AnalystConfig,
): ErrorCheck {
  const threshold = lookAlpha(config.alpha, look.elapsed, look.previous);
  const p = fisherMidP(canary, baseline);
  const z = twoProportionZ(canary, baseline);
  const evidence = { canary: side(canary), baseline: side(baseline), statistic: p.worse, threshold, z };
  const missing = short(canary, config) ?? short(baseline, config);
  if (missing)
    return { metric: 'errors', outcome: 'not enough data', better: false, why: missing, ...evidence };
  const rates = `${percent(evidence.canary.errorRate)} on ${canary.version} vs ${percent(evidence.baseline.errorRate)} on ${baseline.version} (z ${z.toFixed(2)})`;
  const level = threshold.toPrecision(2);
  if (p.worse <= threshold) {
    return {
      metric: 'errors',
      outcome: 'fail',
      better: false,
      why: `error rate ${rates}: p = ${p.worse.toPrecision(2)} ≤ ${level}, higher beyond chance`,
      ...evidence,
    };
  }
  return {
    metric: 'errors',
    outcome: 'pass',
    better: p.better <= threshold,
    why: `error rate ${rates}: p = ${p.worse.toPrecision(2)} > ${level}`,
    ...evidence,
  };
}

export function latencyCheck(
  canary: VersionMetrics,
  baseline: VersionMetrics,
  config: AnalystConfig,
): LatencyCheck {
  const statistic = config.latencyStatistic;
  const missing =
    short(canary, config) ??
    short(baseline, config) ??
    (canary.latencyMs === undefined || baseline.latencyMs === undefined
      ? `no ${statistic} Duration for ${canary.latencyMs === undefined ? canary.version : baseline.version}`
      : undefined);
  if (missing || canary.latencyMs === undefined || baseline.latencyMs === undefined) {
    return {
      metric: 'latency',
      outcome: 'not enough data',
      statistic,
      better: false,
      why: missing ?? '',
      ...(canary.latencyMs === undefined ? {} : { canaryMs: canary.latencyMs }),
      ...(baseline.latencyMs === undefined ? {} : { baselineMs: baseline.latencyMs }),
    };
  }
  const limitMs = Math.max(
    baseline.latencyMs * (1 + config.latencyTolerance),
    baseline.latencyMs + config.latencyFloorMs,
  );
  const fail = canary.latencyMs > limitMs;
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  return {
    metric: 'latency',
    outcome: fail ? 'fail' : 'pass',
    statistic,
    canaryMs: canary.latencyMs,
    baselineMs: baseline.latencyMs,
    limitMs,
    // Not slower beyond the tolerance: a fix need not also be faster to be let through an old alarm.
    better: !fail,
    why: `${statistic} Duration ${ms(canary.latencyMs)} on ${canary.version} vs ${ms(baseline.latencyMs)} on ${baseline.version}: ${fail ? 'above' : 'within'} the limit ${ms(limitMs)}`,
  };
}

/** The verdict of one look at a canary. */
export function analyse(
  input: { canary: VersionMetrics; baseline: VersionMetrics; look: Look },
  config: AnalystConfig,
): Verdict {
  const { canary, baseline, look } = input;
  const checks: Check[] = config.metrics.map((metric) =>
    metric === 'errors' ? errorCheck(canary, baseline, look, config) : latencyCheck(canary, baseline, config),
  );
  const failed = checks.filter((check) => check.outcome === 'fail');
  const lacking = checks.filter((check) => check.outcome === 'not enough data');
  const verdict: Outcome = failed.length > 0 ? 'fail' : lacking.length > 0 ? 'not enough data' : 'pass';
  const shown = failed.length > 0 ? failed : lacking.length > 0 ? lacking : checks;
  return {
    verdict,
    better: verdict === 'pass' && checks.every((check) => check.better),
    checks,
    reason: `${verdict}: ${[...new Set(shown.map((check) => check.why))].join('; ')}`,
  };
}

export type Decision = 'stop' | 'continue' | 'proceed';

/**
 * What to do with a verdict: stop the deployment on `fail`; on `not enough data`, keep watching until the
 * last look, where the configured policy decides (fail closed by default); proceed on `pass` at the last look.
 */
export function decide(
  verdict: Verdict,
  final: boolean,
  config: Pick<AnalystConfig, 'notEnoughData'>,
): Decision {
  if (verdict.verdict === 'fail') return 'stop';
  if (!final) return 'continue';
  if (verdict.verdict === 'pass') return 'proceed';
  return config.notEnoughData === 'fail' ? 'stop' : 'proceed';
}
