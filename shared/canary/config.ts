// The analyst's settings, read once from the environment when the function starts. A setting that would make
// the analysis meaningless (a minimum sample of 0, a negative tolerance, a metric it does not know) is refused
// with a ConfigurationError naming the variable: better a function that will not start than a canary gate that
// silently passes everything.
import * as z from 'zod';
import { numberSetting, parseSettings, unsetIfEmpty } from '../env.js';

export const METRICS = ['errors', 'latency'] as const;
export type CanaryMetric = (typeof METRICS)[number];

/** What the analyst compares, and how strict it is. */
export interface AnalystConfig {
  /** The chance, over a whole canary with all its looks, of stopping a version no worse than the old one. */
  alpha: number;
  /** Invocations each version must have served in the window before any verdict on a metric. */
  minInvocations: number;
  metrics: CanaryMetric[];
  /** The Duration percentile compared, as CloudWatch names it (`p99`, `p90`, `p99.9`). */
  latencyStatistic: string;
  /** The canary may be this much slower, relatively (0.2 = 20%)… */
  latencyTolerance: number;
  /** …or this many ms slower, whichever allows more (so a 4 ms function is not failed for 1 ms). */
  latencyFloorMs: number;
  /** What a canary that ends without enough data does: `fail` (stop it, the default) or `pass`. */
  notEnoughData: 'fail' | 'pass';
  /** Seconds between two looks of the watcher (its schedule): the spending of α is planned on this grid. */
  lookSeconds: number;
}

const PERCENTILE = /^p(\d{1,2}(\.\d{1,3})?)$/;

export const analystConfigSchema = z
  .object({
    CANARY_ALPHA: numberSetting(0.01).refine((value) => value > 0 && value < 0.5, {
      message: 'must be a probability between 0 and 0.5, such as 0.01',
    }),
    CANARY_MIN_INVOCATIONS: numberSetting(1000).refine((value) => Number.isInteger(value) && value >= 1, {
      message: 'must be a whole number of invocations of at least 1 (0 would give verdicts on no data)',
    }),
    CANARY_METRICS: z
      .preprocess(unsetIfEmpty, z.string().default(METRICS.join(',')))
      .transform((value, ctx) => {
        const names = value
          .split(',')
          .map((item) => item.trim())
          .filter(Boolean);
        const unknown = names.filter((name) => !(METRICS as readonly string[]).includes(name));
        if (unknown.length > 0 || names.length === 0) {
          ctx.addIssue({
            code: 'custom',
            message: `unknown metric ${unknown.join(', ') || '(none)'}; known: ${METRICS.join(', ')}`,
          });
          return z.NEVER;
        }
        return [...new Set(names)] as CanaryMetric[];
      }),
    CANARY_LATENCY_STATISTIC: z
      .preprocess(unsetIfEmpty, z.string().default('p99'))
      .refine((value) => PERCENTILE.test(value) && Number(value.slice(1)) > 0, {
        message: 'must be a Duration percentile as CloudWatch names it, such as p99 or p90',
      }),
    CANARY_LATENCY_TOLERANCE: numberSetting(0.2).refine((value) => value >= 0 && Number.isFinite(value), {
      message: 'must be a relative tolerance of 0 or more, such as 0.2 for 20%',
    }),
    CANARY_LATENCY_FLOOR_MS: numberSetting(50).refine((value) => value >= 0 && Number.isFinite(value), {
      message: 'must be a number of milliseconds of 0 or more',
    }),
    CANARY_NOT_ENOUGH_DATA: z.preprocess(
      unsetIfEmpty,
      z.enum(['fail', 'pass'], { error: 'must be fail or pass' }).default('fail'),
    ),
    CANARY_POLL_SECONDS: numberSetting(60).refine((value) => Number.isInteger(value) && value >= 60, {
      message: 'must be a whole number of seconds of at least 60 (the finest period of Lambda metrics)',
    }),
  })
  .transform(
    (env): AnalystConfig => ({
      alpha: env.CANARY_ALPHA,
      minInvocations: env.CANARY_MIN_INVOCATIONS,
      metrics: env.CANARY_METRICS,
      latencyStatistic: env.CANARY_LATENCY_STATISTIC,
      latencyTolerance: env.CANARY_LATENCY_TOLERANCE,
      latencyFloorMs: env.CANARY_LATENCY_FLOOR_MS,
      notEnoughData: env.CANARY_NOT_ENOUGH_DATA,
      lookSeconds: env.CANARY_POLL_SECONDS,
    }),
  );

/** The settings from the environment; throws a ConfigurationError naming the bad variable. */
export function analystConfig(env: NodeJS.ProcessEnv = process.env): AnalystConfig {
  return parseSettings(analystConfigSchema, 'canary analyst', env);
}

/** The defaults, for the bench and tests. */
export const DEFAULT_ANALYST_CONFIG: AnalystConfig = analystConfigSchema.parse({});
