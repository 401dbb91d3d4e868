import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  analyse,
  decide,
  type ErrorCheck,
  type LatencyCheck,
  type VersionMetrics,
} from '../../shared/canary/analysis.js';
import { type AnalystConfig, analystConfig, DEFAULT_ANALYST_CONFIG } from '../../shared/canary/config.js';
import { ConfigurationError } from '../../shared/errors.js';

const config: AnalystConfig = { ...DEFAULT_ANALYST_CONFIG, minInvocations: 1000 };
const FINAL = { elapsed: 1, previous: 0.8 };

const version = (v: string, invocations: number, errors: number, latencyMs?: number): VersionMetrics => ({
  version: v,
  invocations,
  errors,
  ...(latencyMs === undefined ? {} : { latencyMs }),
});

const errorsOf = (verdict: ReturnType<typeof analyse>) =>
  verdict.checks.find((check) => check.metric === 'errors') as ErrorCheck;
const latencyOf = (verdict: ReturnType<typeof analyse>) =>
  verdict.checks.find((check) => check.metric === 'latency') as LatencyCheck;

describe('analyse: errors', () => {
  it('fails a canary whose error rate doubled, with the counts, rates, statistic and threshold', () => {
    // Act
    const verdict = analyse(
      { canary: version('5', 2000, 45, 100), baseline: version('4', 18000, 180, 100), look: FINAL },
      config,
    );

    // Assess
    expect(verdict.verdict).toBe('fail');
    const check = errorsOf(verdict);
    expect(check).toMatchObject({
      outcome: 'fail',
      canary: { version: '5', invocations: 2000, errors: 45, errorRate: 0.0225 },
      baseline: { version: '4', invocations: 18000, errors: 180, errorRate: 0.01 },
    });
    expect(check.statistic).toBeLessThanOrEqual(check.threshold);
    expect(check.threshold).toBeGreaterThan(0);
    expect(check.z).toBeGreaterThan(4);
    expect(verdict.reason).toContain('2.25% on 5 vs 1.00% on 4');
  });

  it('passes a canary whose error rate is within chance of the old one', () => {
    const verdict = analyse(
      { canary: version('5', 2000, 24, 100), baseline: version('4', 18000, 180, 100), look: FINAL },
      config,
    );
    expect(verdict.verdict).toBe('pass');
    expect(errorsOf(verdict).statistic).toBeGreaterThan(errorsOf(verdict).threshold);
  });

  it('gives no verdict below the minimum number of invocations on either side', () => {
    const fewOnCanary = analyse(
      { canary: version('5', 999, 500, 100), baseline: version('4', 18000, 0, 100), look: FINAL },
      config,
    );
    const fewOnBaseline = analyse(
      { canary: version('5', 5000, 500, 100), baseline: version('4', 10, 0, 100), look: FINAL },
      config,
    );
    expect(fewOnCanary.verdict).toBe('not enough data');
    expect(fewOnCanary.reason).toContain('version 5 served 999 invocation(s), fewer than 1000');
    expect(fewOnBaseline.verdict).toBe('not enough data');
  });

  it('does not stop on the same evidence early in the canary that it stops on at the end', () => {
    // Prepare: p ≈ 0.0005, below the last look's level but not the first look's.
    const input = { canary: version('5', 2000, 38, 100), baseline: version('4', 18000, 180, 100) };

    // Act
    const early = analyse({ ...input, look: { elapsed: 0.2, previous: 0 } }, config);
    const last = analyse({ ...input, look: FINAL }, config);

    // Assess
    expect(early.verdict).toBe('pass');
    expect(errorsOf(early).threshold).toBeLessThan(errorsOf(last).threshold);
    expect(last.verdict).toBe('fail');
  });

  it('still calls a fix "better" when it is a little slower, within the tolerance, but not beyond it', () => {
    const input = { baseline: version('4', 18000, 900, 100), look: FINAL };
    expect(analyse({ ...input, canary: version('5', 2000, 2, 110) }, config).better).toBe(true);
    expect(analyse({ ...input, canary: version('5', 2000, 2, 400) }, config).better).toBe(false);
  });

  it('calls a canary that fails measurably less "better"', () => {
    const verdict = analyse(
      { canary: version('5', 2000, 2, 90), baseline: version('4', 18000, 900, 100), look: FINAL },
      config,
    );
    expect(verdict).toMatchObject({ verdict: 'pass', better: true });
  });
});

describe('analyse: latency', () => {
  it('fails a canary slower than the tolerance allows, naming the limit', () => {
    const verdict = analyse(
      { canary: version('5', 2000, 20, 420), baseline: version('4', 18000, 180, 120), look: FINAL },
      config,
    );
    expect(verdict.verdict).toBe('fail');
    expect(latencyOf(verdict)).toMatchObject({
      outcome: 'fail',
      canaryMs: 420,
      baselineMs: 120,
      limitMs: 170,
    });
  });

  it('uses the relative tolerance when it allows more than the floor', () => {
    // 1000 ms × 1.2 = 1200 ms > 1000 + 50.
    const verdict = analyse(
      { canary: version('5', 2000, 20, 1150), baseline: version('4', 18000, 180, 1000), look: FINAL },
      config,
    );
    expect(latencyOf(verdict)).toMatchObject({ outcome: 'pass', limitMs: 1200 });
  });

  it('has no verdict when CloudWatch had no percentile for a side', () => {
    const verdict = analyse(
      { canary: version('5', 2000, 20), baseline: version('4', 18000, 180, 100), look: FINAL },
      config,
    );
    expect(latencyOf(verdict).outcome).toBe('not enough data');
    expect(verdict.verdict).toBe('not enough data');
  });

  it('checks only the metrics configured', () => {
    const verdict = analyse(
      { canary: version('5', 2000, 20), baseline: version('4', 18000, 180), look: FINAL },
      { ...config, metrics: ['errors'] },
    );
    expect(verdict.verdict).toBe('pass');
    expect(verdict.checks.map((check) => check.metric)).toEqual(['errors']);
  });
});

describe('decide', () => {
  const verdictOf = (outcome: 'pass' | 'fail' | 'not enough data') => ({
    verdict: outcome,
    better: false,
    checks: [],
    reason: outcome,
  });

  it.each([
    ['fail', false, 'fail', 'stop'],
    ['fail', true, 'pass', 'stop'],
    ['not enough data', false, 'fail', 'continue'],
    ['not enough data', true, 'fail', 'stop'],
    ['not enough data', true, 'pass', 'proceed'],
    ['pass', false, 'fail', 'continue'],
    ['pass', true, 'fail', 'proceed'],
  ] as const)('%s at the last look %s with policy %s: %s', (outcome, final, policy, expected) => {
    expect(decide(verdictOf(outcome), final, { notEnoughData: policy })).toBe(expected);
  });
});

describe('analystConfig', () => {
  it('has defaults tuned for a 1% false-positive rate', () => {
    expect(analystConfig({})).toEqual({
      alpha: 0.01,
      minInvocations: 1000,
      metrics: ['errors', 'latency'],
      latencyStatistic: 'p99',
      latencyTolerance: 0.2,
      latencyFloorMs: 50,
      notEnoughData: 'fail',
      lookSeconds: 60,
    });
  });

  it.each([
    [
      { CANARY_MIN_INVOCATIONS: '0' },
      'CANARY_MIN_INVOCATIONS: must be a whole number of invocations of at least 1',
    ],
    [
      { CANARY_LATENCY_TOLERANCE: '-0.1' },
      'CANARY_LATENCY_TOLERANCE: must be a relative tolerance of 0 or more',
    ],
    [
      { CANARY_LATENCY_FLOOR_MS: '-5' },
      'CANARY_LATENCY_FLOOR_MS: must be a number of milliseconds of 0 or more',
    ],
    [
      { CANARY_METRICS: 'errors,throttles' },
      'CANARY_METRICS: unknown metric throttles; known: errors, latency',
    ],
    [{ CANARY_LATENCY_STATISTIC: 'Average' }, 'CANARY_LATENCY_STATISTIC: must be a Duration percentile'],
    [{ CANARY_ALPHA: '0' }, 'CANARY_ALPHA: must be a probability between 0 and 0.5'],
    [{ CANARY_ALPHA: 'often' }, 'CANARY_ALPHA'],
    [{ CANARY_NOT_ENOUGH_DATA: 'maybe' }, 'CANARY_NOT_ENOUGH_DATA: must be fail or pass'],
    [{ CANARY_POLL_SECONDS: '10' }, 'CANARY_POLL_SECONDS: must be a whole number of seconds of at least 60'],
  ])('refuses %o with a clear error', (env, message) => {
    expect(() => analystConfig(env)).toThrow(ConfigurationError);
    expect(() => analystConfig(env)).toThrow(message);
  });
});

describe('analyse: properties', () => {
  const side = fc.record({
    invocations: fc.integer({ min: 0, max: 100_000 }),
    errorShare: fc.double({ min: 0, max: 1, noNaN: true }),
    latencyMs: fc.option(fc.double({ min: 1, max: 30_000, noNaN: true }), { nil: undefined }),
  });
  const metricsOf = (
    v: string,
    s: { invocations: number; errorShare: number; latencyMs?: number | undefined },
  ) => version(v, s.invocations, Math.floor(s.invocations * s.errorShare), s.latencyMs);
  const look = fc
    .tuple(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([elapsed, back]) => ({ elapsed, previous: elapsed * back }));

  it('never fails a canary identical to the version it replaces', () => {
    fc.assert(
      fc.property(side, look, (s, at) => {
        const verdict = analyse({ canary: metricsOf('5', s), baseline: metricsOf('4', s), look: at }, config);
        expect(verdict.verdict).not.toBe('fail');
      }),
    );
  });

  it('never turns a failing canary into a passing one by adding errors or latency to it', () => {
    fc.assert(
      fc.property(
        side,
        side,
        look,
        fc.integer({ min: 0, max: 1000 }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (c, b, at, moreErrors, slower) => {
          const canary = metricsOf('5', c);
          const baseline = metricsOf('4', b);
          const before = analyse({ canary, baseline, look: at }, config);
          const worse = {
            ...canary,
            errors: Math.min(canary.invocations, canary.errors + moreErrors),
            ...(canary.latencyMs === undefined ? {} : { latencyMs: canary.latencyMs + slower }),
          };
          const after = analyse({ canary: worse, baseline, look: at }, config);
          if (before.verdict === 'fail') expect(after.verdict).toBe('fail');
        },
      ),
    );
  });

  it('spends no more than the budget over the last look: a later look is never stricter than at the end', () => {
    fc.assert(
      fc.property(side, side, (c, b) => {
        const input = { canary: metricsOf('5', c), baseline: metricsOf('4', b) };
        const early = errorsOf(analyse({ ...input, look: { elapsed: 0.4, previous: 0.2 } }, config));
        const last = errorsOf(analyse({ ...input, look: FINAL }, config));
        expect(early.threshold).toBeLessThanOrEqual(last.threshold);
      }),
    );
  });
});
