import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../../shared/canary/normal.js';
import { fisherMidP, twoProportionZ } from '../../shared/canary/proportions.js';
import { alphaSpent, lookAlpha } from '../../shared/canary/spending.js';

describe('normal distribution', () => {
  // Tabulated values (Abramowitz & Stegun, table 26.1).
  it.each([
    [0, 0.5],
    [1, 0.841344746],
    [1.644853627, 0.95],
    [2.326347874, 0.99],
    [-1.959963985, 0.025],
    [3.090232306, 0.999],
  ])('Φ(%f) = %f', (z, p) => {
    expect(normalCdf(z)).toBeCloseTo(p, 6);
  });

  it.each([
    [0.5, 0],
    [0.95, 1.644853627],
    [0.99, 2.326347874],
    [0.001, -3.090232306],
    [1e-10, -6.361340902],
  ])('the quantile of %f is %f', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it('refuses a probability outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('alpha spending', () => {
  it('spends nothing before the canary and the whole budget at its end', () => {
    expect(alphaSpent(0.01, 0)).toBe(0);
    expect(alphaSpent(0.01, 1)).toBe(0.01);
  });

  it('keeps most of the budget for the end (O’Brien–Fleming type)', () => {
    // α(0.2) is tiny, α(0.8) is under half of α.
    expect(alphaSpent(0.01, 0.2)).toBeLessThan(1e-6);
    expect(alphaSpent(0.01, 0.8)).toBeLessThan(0.005);
  });

  it('gives looks on a grid levels that add up to the budget', () => {
    // Prepare
    const grid = [0.2, 0.4, 0.6, 0.8, 1];

    // Act
    const total = grid.reduce((sum, t, i) => sum + lookAlpha(0.01, t, grid[i - 1] ?? 0), 0);

    // Assess
    expect(total).toBeCloseTo(0.01, 12);
  });
});

describe('two-proportion z', () => {
  it('matches a worked example: 40/2000 against 180/18000', () => {
    // p̄ = 220/20000 = 0.011; se = √(0.011·0.989·(1/2000 + 1/18000)) = 0.002458; z = 0.01/0.002458.
    expect(
      twoProportionZ({ invocations: 2000, errors: 40 }, { invocations: 18000, errors: 180 }),
    ).toBeCloseTo(4.068, 2);
  });

  it('is 0 without errors or without invocations', () => {
    expect(twoProportionZ({ invocations: 100, errors: 0 }, { invocations: 100, errors: 0 })).toBe(0);
    expect(twoProportionZ({ invocations: 0, errors: 0 }, { invocations: 100, errors: 3 })).toBe(0);
  });

  it('is negative when the canary fails less', () => {
    expect(twoProportionZ({ invocations: 1000, errors: 1 }, { invocations: 1000, errors: 30 })).toBeLessThan(
      -4,
    );
  });
});

describe('Fisher mid-p', () => {
  it('matches the tea-tasting example: 3 of 4 against 1 of 4', () => {
    // Hypergeometric N = 8, K = 4, n = 4: P(X = 3) = 16/70, P(X = 4) = 1/70; mid-p = 1/70 + 8/70.
    const p = fisherMidP({ invocations: 4, errors: 3 }, { invocations: 4, errors: 1 });
    expect(p.worse).toBeCloseTo(9 / 70, 12);
    expect(p.better).toBeCloseTo(61 / 70, 12);
  });

  it('is one half without errors, and never below it for equal counts', () => {
    expect(fisherMidP({ invocations: 100, errors: 0 }, { invocations: 100, errors: 0 })).toEqual({
      worse: 0.5,
      better: 0.5,
    });
    expect(
      fisherMidP({ invocations: 2000, errors: 20 }, { invocations: 2000, errors: 20 }).worse,
    ).toBeCloseTo(0.5, 12);
  });

  it('stays finite for a busy alias (a hundred thousand errors)', () => {
    const p = fisherMidP(
      { invocations: 1_000_000, errors: 11_000 },
      { invocations: 9_000_000, errors: 90_000 },
    );
    expect(p.worse).toBeGreaterThan(0);
    expect(p.worse).toBeLessThan(1e-10);
  });
});
