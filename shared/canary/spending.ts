// How much of the false-positive budget each look at a running canary may spend.
//
// The analyst looks at a canary more than once (every poll of the watcher, then the post-traffic hook). A test
// run at level α on every look wrongly stops a good version far more often than α: with five looks, close to
// 5α. So the budget α is spread over the canary with an alpha-spending function (Lan & DeMets, 1983) of the
// O'Brien–Fleming type, α(t) = 2·(1 − Φ(z₁₋α/₂ / √t)), where t ∈ (0, 1] is the share of the canary elapsed.
// Early looks get almost nothing (a good version is not stopped on a few noisy minutes), the last look gets
// nearly the whole budget (little power is lost against a single test at the end).
//
// A look at t whose previous look was at t' is tested at level α(t) − α(t'). The levels of all looks sum to at
// most α(1) = α, so by the union bound the chance that a good version is stopped at any look is at most α,
// whatever the correlation between looks (Bonferroni over the spending increments: conservative, and needs no
// numerical integration of the group-sequential boundaries).
import { normalCdf, normalQuantile } from './normal.js';

/** The share of α that may be spent by the time a share `t` of the canary has elapsed. */
export function alphaSpent(alpha: number, t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return alpha;
  return 2 * (1 - normalCdf(normalQuantile(1 - alpha / 2) / Math.sqrt(t)));
}

/** The level of one look at `t`, the previous one having been at `previous` (0 for the first). */
export function lookAlpha(alpha: number, t: number, previous: number): number {
  return Math.max(0, alphaSpent(alpha, t) - alphaSpent(alpha, Math.max(0, previous)));
}
