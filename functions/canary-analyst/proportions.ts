// The error-rate test: does the canary fail more often than the version it replaces, beyond chance?
//
// A one-sided two-proportion z-test with the pooled rate (the textbook test for two binomial proportions):
// z = (p̂c − p̂b) / √(p̄(1 − p̄)(1/nc + 1/nb)), p̄ = (xc + xb)/(nc + nb). Under "no difference" z is close to
// standard normal once both sides have enough invocations, which is why the analyst gives no verdict below a
// minimum sample (the normal approximation is poor for a handful of errors).

export interface Counts {
  invocations: number;
  errors: number;
}

/** The z statistic of "canary error rate > baseline error rate"; 0 when neither side has any error. */
export function twoProportionZ(canary: Counts, baseline: Counts): number {
  const nc = canary.invocations;
  const nb = baseline.invocations;
  if (nc <= 0 || nb <= 0) return 0;
  const pooled = (canary.errors + baseline.errors) / (nc + nb);
  const variance = pooled * (1 - pooled) * (1 / nc + 1 / nb);
  if (variance <= 0) return 0;
  return (canary.errors / nc - baseline.errors / nb) / Math.sqrt(variance);
}

export const rate = (counts: Counts) => (counts.invocations > 0 ? counts.errors / counts.invocations : 0);
