// The canary analyst against fixed-threshold alarms, on simulated canaries (the analyst's own decision code,
// fed by local/canary/traffic.ts with a seed per canary, so every figure is reproducible).
//
// Each canary is CodeDeploy's Canary10Percent5Minutes on an alias serving `PER_MINUTE` invocations a minute:
// 10% to the new version (2,000 invocations over the 5 minutes), 90% to the old one. The analyst looks once a
// minute (the watcher's schedule; the last look is the post-traffic hook) and stops at the first `fail`;
// an alarm stops the deployment in the first minute it breaches, as CodeDeploy does.

import { seededRandom } from '../local/canary/random.js';
import { type FaultProfile, HEALTHY, newTally, simulateMinute } from '../local/canary/traffic.js';
import type { Json } from '../local/template.js';
import { analyse, decide } from '../shared/canary/analysis.js';
import { type AnalystConfig, DEFAULT_ANALYST_CONFIG } from '../shared/canary/config.js';
import type { BenchSection } from './section.js';
import { median } from './section.js';

const CANARIES = 1000;
const MINUTES = 5;
const WEIGHT = 0.1;
const PER_MINUTE = 4000;

interface Plan {
  baseline: FaultProfile;
  canary: FaultProfile;
  perMinute: number;
}

type Stopper = 'analyst' | 'templateAlarm' | 'tunedAlarm';

interface Outcome {
  /** The minute each stopper stopped the canary, or undefined when it let it through. */
  stoppedAt: Record<Stopper, number | undefined>;
  /** Time spent in the analyst's decision code at each look, ms. */
  lookMs: number[];
}

/** The tuned alarm's threshold: 3.5 standard deviations above a healthy alias's errors per minute. */
function tunedThreshold(plan: Plan): number {
  const mean = plan.perMinute * plan.baseline.errorRate;
  return Math.round(mean + 3.5 * Math.sqrt(mean));
}

function runCanary(seed: number, plan: Plan, config: AnalystConfig): Outcome {
  const random = seededRandom(seed);
  const tallies = { baseline: newTally(), canary: newTally() };
  const stoppedAt: Outcome['stoppedAt'] = {
    analyst: undefined,
    templateAlarm: undefined,
    tunedAlarm: undefined,
  };
  const lookMs: number[] = [];
  const percentile = Number(config.latencyStatistic.slice(1));
  const threshold = tunedThreshold(plan);
  for (let minute = 1; minute <= MINUTES; minute += 1) {
    const errorsBefore = tallies.baseline.errors + tallies.canary.errors;
    simulateMinute(random, { ...plan, weight: WEIGHT }, tallies);
    const errorsThisMinute = tallies.baseline.errors + tallies.canary.errors - errorsBefore;
    // The template's WorkloadErrorsAlarm: Errors Sum > 0 over 60 s on the live alias (both versions).
    if (errorsThisMinute > 0) stoppedAt.templateAlarm ??= minute;
    if (errorsThisMinute > threshold) stoppedAt.tunedAlarm ??= minute;
    if (stoppedAt.analyst !== undefined) continue;
    const started = performance.now();
    const verdict = analyse(
      {
        canary: {
          version: '5',
          ...counts(tallies.canary),
          latencyMs: tallies.canary.durations.percentile(percentile),
        },
        baseline: {
          version: '4',
          ...counts(tallies.baseline),
          latencyMs: tallies.baseline.durations.percentile(percentile),
        },
        look: { elapsed: minute / MINUTES, previous: (minute - 1) / MINUTES },
      },
      config,
    );
    const decision = decide(verdict, minute === MINUTES, config);
    lookMs.push(performance.now() - started);
    if (decision === 'stop') stoppedAt.analyst = minute;
  }
  return { stoppedAt, lookMs };
}

const counts = (tally: { invocations: number; errors: number }) => ({
  invocations: tally.invocations,
  errors: tally.errors,
});

function runMany(seedBase: number, plan: Plan, config: AnalystConfig, canaries: number) {
  const outcomes = Array.from({ length: canaries }, (_, i) => runCanary(seedBase + i, plan, config));
  const figure = (stopper: Stopper) => {
    const minutes = outcomes.map((outcome) => outcome.stoppedAt[stopper]).filter((m) => m !== undefined);
    return { stopped: minutes.length / canaries, medianMinute: minutes.length > 0 ? median(minutes) : null };
  };
  return {
    analyst: figure('analyst'),
    templateAlarm: figure('templateAlarm'),
    tunedAlarm: figure('tunedAlarm'),
    lookMs: median(outcomes.flatMap((outcome) => outcome.lookMs)),
  };
}

/** P(X ≥ c) for X ~ Binomial(n, p). */
function binomialTail(n: number, p: number, c: number): number {
  let log = n * Math.log(1 - p);
  let tail = 0;
  for (let k = 0; k <= n; k += 1) {
    if (k > 0) log += Math.log(n - k + 1) - Math.log(k) + Math.log(p) - Math.log(1 - p);
    if (k >= c) tail += Math.exp(log);
  }
  return tail;
}

/**
 * The best any test could do: the most powerful test of 2% against 1% on `n` canary invocations, even knowing
 * the old version's rate exactly (Neyman–Pearson: stop at c errors or more), with at most `alpha` false stops.
 */
function powerBound(n: number, alpha: number): number {
  let c = 0;
  while (binomialTail(n, 0.01, c) > alpha) c += 1;
  return binomialTail(n, 0.02, c);
}

const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const minuteOf = (value: number | null) => (value === null ? '—' : `${value} min`);

export const canaryBench: BenchSection = {
  name: 'canary',
  description: `canary analyst vs fixed Errors alarms: ${CANARIES} simulated Canary10Percent5Minutes canaries per row`,
  async run({ small }) {
    // --small checks that the section runs: a few canaries a row, no figure to read.
    const canaries = small ? 40 : CANARIES;
    const bySizeCount = small ? 20 : 400;
    const config = DEFAULT_ANALYST_CONFIG;
    const plans: Array<[string, Plan]> = [
      [
        'no regression (wrongly stopped; target ≤ 1%)',
        { baseline: HEALTHY, canary: HEALTHY, perMinute: PER_MINUTE },
      ],
      [
        'errors 1% → 2% (stopped; target ≥ 95%)',
        { baseline: HEALTHY, canary: { ...HEALTHY, errorRate: 0.02 }, perMinute: PER_MINUTE },
      ],
      [
        'p99 +300 ms (stopped)',
        { baseline: HEALTHY, canary: { ...HEALTHY, extraMs: 300 }, perMinute: PER_MINUTE },
      ],
    ];
    const rows: Record<string, Json> = {};
    console.log(`alias traffic ${PER_MINUTE}/min, canary weight ${WEIGHT}, ${MINUTES} one-minute looks`);
    console.log(
      `analyst: alpha ${config.alpha} over the whole canary, min ${config.minInvocations} invocations a side, ${config.latencyStatistic} +${config.latencyTolerance * 100}% / +${config.latencyFloorMs} ms`,
    );
    console.log(
      `tuned alarm: Errors Sum > ${tunedThreshold(plans[0]?.[1] as Plan)} per minute on the alias\n`,
    );
    console.log(
      'canaries                                      analyst   template alarm (>0/min)   tuned alarm',
    );
    let seed = 1;
    for (const [label, plan] of plans) {
      const figures = runMany(seed, plan, config, canaries);
      seed += canaries;
      rows[label] = figures;
      console.log(
        `${label.padEnd(44)}  ${pct(figures.analyst.stopped).padStart(7)}   ${pct(figures.templateAlarm.stopped).padStart(23)}   ${pct(figures.tunedAlarm.stopped).padStart(11)}`,
      );
      console.log(
        `${'  time to stop (median)'.padEnd(44)}  ${minuteOf(figures.analyst.medianMinute).padStart(7)}   ${minuteOf(figures.templateAlarm.medianMinute).padStart(23)}   ${minuteOf(figures.tunedAlarm.medianMinute).padStart(11)}`,
      );
    }
    const lookMs = median(Object.values(rows).map((row) => (row as { lookMs: number }).lookMs));
    console.log(`\none look of the analyst (decision code only): median ${(lookMs * 1000).toFixed(1)} µs`);

    // How the power against 1% → 2% grows with the canary's size, and the ceiling at 2,000 invocations.
    console.log(
      `\nerrors 1% → 2% by canary size (${bySizeCount} canaries each)   analyst   best possible test at alpha 1%`,
    );
    const bySize: Record<string, Json> = {};
    for (const canaryInvocations of [2000, 3000, 4000]) {
      const perMinute = (canaryInvocations / WEIGHT / MINUTES) | 0;
      const figures = runMany(
        seed,
        { baseline: HEALTHY, canary: { ...HEALTHY, errorRate: 0.02 }, perMinute },
        config,
        bySizeCount,
      );
      seed += bySizeCount;
      const bound = powerBound(canaryInvocations, config.alpha);
      bySize[String(canaryInvocations)] = { analyst: figures.analyst.stopped, bound };
      console.log(
        `${`  ${canaryInvocations} invocations on the canary`.padEnd(52)}  ${pct(figures.analyst.stopped).padStart(7)}   ${pct(bound).padStart(10)}`,
      );
    }
    return { canaries, perMinute: PER_MINUTE, rows, lookMs, bySize };
  },
};
