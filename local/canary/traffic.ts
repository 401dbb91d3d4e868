// Simulated canary traffic: an alias serving two versions by weight, minute by minute, each version with its
// own fault profile (error rate, latency, extra latency). The bench feeds the analyst with it; the local
// CodeDeploy simulator applies the same profiles to real in-process invocations.
import { logNormal, type Random } from './random.js';

export interface FaultProfile {
  /** Share of invocations that fail (0..1). */
  errorRate: number;
  /** Median Duration, ms, and the spread of its log-normal distribution. */
  medianMs: number;
  sigma: number;
  /** Added to every invocation's Duration, ms (a slower version). */
  extraMs?: number;
}

export const HEALTHY: FaultProfile = { errorRate: 0.01, medianMs: 80, sigma: 0.5 };

/**
 * Durations kept as a histogram with 0.5%-wide log buckets, as CloudWatch keeps percentiles approximately:
 * the percentile of thousands of invocations in microseconds, without sorting them at every look.
 */
export class DurationHistogram {
  private static readonly WIDTH = Math.log(1.005);
  // Buckets from 0.01 ms to 15 minutes (Lambda's longest run); values outside are clamped to the ends.
  private static readonly LOW = Math.floor(Math.log(0.01) / DurationHistogram.WIDTH);
  private static readonly HIGH = Math.ceil(Math.log(900_000) / DurationHistogram.WIDTH);
  private readonly counts = new Uint32Array(DurationHistogram.HIGH - DurationHistogram.LOW + 1);
  count = 0;

  add(ms: number): void {
    const bucket = Math.floor(Math.log(Math.max(ms, 0.01)) / DurationHistogram.WIDTH);
    const index = Math.min(bucket, DurationHistogram.HIGH) - DurationHistogram.LOW;
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.count += 1;
  }

  /** The `p`-th percentile (0 < p < 100), ms; undefined when empty. */
  percentile(p: number): number | undefined {
    if (this.count === 0) return undefined;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let index = 0; index < this.counts.length; index += 1) {
      seen += this.counts[index] ?? 0;
      if (seen >= rank) return Math.exp((index + DurationHistogram.LOW + 0.5) * DurationHistogram.WIDTH);
    }
    return undefined;
  }
}

export interface VersionTally {
  invocations: number;
  errors: number;
  durations: DurationHistogram;
}

export const newTally = (): VersionTally => ({
  invocations: 0,
  errors: 0,
  durations: new DurationHistogram(),
});

/** One invocation of a version with `profile`: whether it failed and how long it ran. */
export function invocationOutcome(
  random: Random,
  profile: FaultProfile,
): { failed: boolean; durationMs: number } {
  return {
    failed: random() < profile.errorRate,
    durationMs: logNormal(random, profile.medianMs, profile.sigma) + (profile.extraMs ?? 0),
  };
}

/** One minute of alias traffic: `perMinute` invocations, each routed to the canary with `weight`. */
export function simulateMinute(
  random: Random,
  input: { perMinute: number; weight: number; baseline: FaultProfile; canary: FaultProfile },
  into: { baseline: VersionTally; canary: VersionTally },
): void {
  for (let i = 0; i < input.perMinute; i += 1) {
    const toCanary = random() < input.weight;
    const tally = toCanary ? into.canary : into.baseline;
    const outcome = invocationOutcome(random, toCanary ? input.canary : input.baseline);
    tally.invocations += 1;
    if (outcome.failed) tally.errors += 1;
    tally.durations.add(outcome.durationMs);
  }
}
