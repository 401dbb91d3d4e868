// A seeded random source for simulated traffic: the same seed gives the same canary, so a bench figure or a
// drill verdict can be reproduced exactly. Mulberry32 (a 32-bit generator, ample for traffic simulation).

export type Random = () => number;

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-normal duration: `medianMs` times e^(σ·Z), Z standard normal (Box–Muller). */
export function logNormal(random: Random, medianMs: number, sigma: number): number {
  const u = 1 - random();
  const v = random();
  return medianMs * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
}
