import { inject } from 'vitest';
import { assertLoopbackEndpoint, emulatorEnv } from '../local/moto.js';

// Runs in each worker before its test files: every SDK client created by a test talks to the shared moto.
Object.assign(process.env, emulatorEnv(inject('motoEndpoint')));
assertLoopbackEndpoint();

// Powertools writes to its own Console on the process's stdout, which no test runner can attribute to a
// test. In dev mode it writes through the global console instead, which vitest captures per test (see
// `silent` in vitest.config.ts). The logger and metrics are module singletons built on first import, so
// build them now, then leave dev mode: a CLI child process a test starts sees an operator's environment.
process.env.POWERTOOLS_DEV = 'true';
// Dev mode would also disable metrics; keep them on, so the EMF a handler writes is still serialized.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'false';
await import('../shared/powertools.js');
delete process.env.POWERTOOLS_DEV;

// Property tests (fast-check) draw a new seed at every run on a developer's machine, to keep finding new
// counterexamples; in CI (CI=true) they use one seed, FC_SEED or the default below, so that a submission is
// judged by its code and not by the draw. A counterexample found locally prints its seed: FC_SEED=<seed>
// npm test replays it, and a fixed case for it belongs in the tests.
if (process.env.CI || process.env.FC_SEED) {
  const fc = await import('fast-check');
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.FC_SEED ?? 20_261_127) });
}
