import { inject } from 'vitest';
import { assertLoopbackEndpoint, emulatorEnv, FORK_SERVER_ENV } from '../local/moto.js';

// Runs in each worker before its test files: every SDK client created by a test talks to the shared moto, and
// every moto a test or its child processes start is forked from the run's warmed one (test/global-setup.ts).
Object.assign(process.env, emulatorEnv(inject('motoEndpoint')));
process.env[FORK_SERVER_ENV] = inject('motoForkServer');
assertLoopbackEndpoint();
// The processes the tests start (the CLI, npm scripts, the drill, the bench) talk to that moto, on loopback and
// over plain HTTP. Node loads the certificates NODE_EXTRA_CA_CERTS names (some CI images set it, for their
// proxy) at every start: ~35 ms of CPU in each of the run's ~200 node processes, for no TLS connection. The one
// test that reaches a registry (supply-chain's npm audit) gives it back (inject('extraCaCerts')).
delete process.env.NODE_EXTRA_CA_CERTS;

// Powertools writes to its own Console on the process's stdout, which no test runner can attribute to a
// test. In dev mode it writes through the global console instead, which vitest captures per test (see
// `silent` in vitest.config.ts). The logger and metrics are module singletons built on first import, so
// build them now, then leave dev mode: a CLI child process a test starts sees an operator's environment.
process.env.POWERTOOLS_DEV = 'true';
// Dev mode would also disable metrics; keep them on, so the EMF a handler writes is still serialized.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'false';
// The Tracer is off here (no AWS_EXECUTION_ENV: not in Lambda), but loading the X-Ray SDK in its automatic
// mode still installs an async hook (cls-hooked) that runs on every promise of the worker: measured, a quarter
// of the CPU of the in-memory kill switch over 3,000 schedules (13.9 → 10.5 CPU-s). Manual mode, read once when
// the SDK loads, installs none; nothing here traces. Unset again below, like POWERTOOLS_DEV.
const xrayMode = process.env.AWS_XRAY_MANUAL_MODE;
process.env.AWS_XRAY_MANUAL_MODE = 'true';
await import('../shared/powertools.js');
delete process.env.POWERTOOLS_DEV;
if (xrayMode === undefined) delete process.env.AWS_XRAY_MANUAL_MODE;
else process.env.AWS_XRAY_MANUAL_MODE = xrayMode;

// Property tests (fast-check) draw a new seed at every run on a developer's machine, to keep finding new
// counterexamples; in CI (CI=true) they use one seed, FC_SEED or the default below, so that a submission is
// judged by its code and not by the draw. A counterexample found locally prints its seed: FC_SEED=<seed>
// npm test replays it, and a fixed case for it belongs in the tests.
if (process.env.CI || process.env.FC_SEED) {
  const fc = await import('fast-check');
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.FC_SEED ?? 20_261_127) });
}
