import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../local/canary/random.js';
import { DurationHistogram, HEALTHY, newTally, simulateMinute } from '../../local/canary/traffic.js';

describe('simulated canary traffic', () => {
  it('is the same for the same seed, and differs for another', () => {
    // Prepare
    const run = (seed: number) => {
      const tallies = { baseline: newTally(), canary: newTally() };
      simulateMinute(
        seededRandom(seed),
        { perMinute: 4000, weight: 0.1, baseline: HEALTHY, canary: HEALTHY },
        tallies,
      );
      return [tallies.canary.invocations, tallies.canary.errors, tallies.baseline.errors];
    };

    // Act / Assess
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('routes by weight and fails at each version’s own rate', () => {
    // Prepare
    const tallies = { baseline: newTally(), canary: newTally() };
    const random = seededRandom(7);

    // Act
    for (let minute = 0; minute < 25; minute += 1) {
      simulateMinute(
        random,
        { perMinute: 4000, weight: 0.1, baseline: HEALTHY, canary: { ...HEALTHY, errorRate: 0.05 } },
        tallies,
      );
    }

    // Assess: 100,000 invocations; 10% ± 0.3% to the canary, which fails 5% ± 0.5%.
    expect(tallies.canary.invocations / 100_000).toBeCloseTo(0.1, 2);
    expect(tallies.canary.errors / tallies.canary.invocations).toBeGreaterThan(0.045);
    expect(tallies.canary.errors / tallies.canary.invocations).toBeLessThan(0.055);
    expect(tallies.baseline.errors / tallies.baseline.invocations).toBeLessThan(0.012);
  });

  it('keeps percentiles within the 0.5% bucket width', () => {
    // Prepare
    const histogram = new DurationHistogram();
    for (let ms = 1; ms <= 1000; ms += 1) histogram.add(ms);

    // Act / Assess
    expect(histogram.percentile(99)).toBeGreaterThan(990 * 0.995);
    expect(histogram.percentile(99)).toBeLessThan(990 * 1.005);
    expect(histogram.percentile(50)).toBeCloseTo(500, -1);
    expect(new DurationHistogram().percentile(99)).toBeUndefined();
  });

  it('adds a version’s extra latency to its Duration', () => {
    const tallies = { baseline: newTally(), canary: newTally() };
    simulateMinute(
      seededRandom(3),
      { perMinute: 20_000, weight: 0.5, baseline: HEALTHY, canary: { ...HEALTHY, extraMs: 300 } },
      tallies,
    );
    const difference =
      (tallies.canary.durations.percentile(50) ?? 0) - (tallies.baseline.durations.percentile(50) ?? 0);
    expect(difference).toBeGreaterThan(290);
    expect(difference).toBeLessThan(310);
  });
});
