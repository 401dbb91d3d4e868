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
