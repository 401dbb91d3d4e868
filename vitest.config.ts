import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto server for the whole run, forked like every other moto of the run from one warmed moto fork
    // server, and the CLI built once; if moto cannot start, the run fails (no test is skipped for it). The run's directory holds what several workers compute once (the SAM transform).
    globalSetup: ['test/global-setup.ts', 'test/build-cli-setup.ts', 'test/run-dir-setup.ts'],
    // test/setup.ts points the SDK of every worker at that server and refuses any endpoint that is not
    // 127.0.0.1; test/setup-shared-worker.ts undoes after each file what it could leave to the next (below).
    setupFiles: ['test/setup.ts', 'test/setup-shared-worker.ts'],
    pool: 'forks',
    // Files share worker processes: a fresh process per file (the default) cost each of the ~135 files a
    // worker start and one load of the AWS SDK, Powertools and zod, about a CPU-second each — as much as the
    // unit tests themselves. test/setup-shared-worker.ts gives back after each file what a fresh process gave
    // (client mocks, spies, stubs, timers, process.env, the project's own modules).
    isolate: false,
    // Vitest's default on 2 cores is one worker (cores - 1): every file in a row. Most of an integration
    // file's time is spent waiting on moto, a child process or an SQS long poll, not on this CPU. The three
    // longest (docs-commands, bench, drill: ~2 minutes each on a loaded machine) start first and use about a
    // fifth of a core each (measured: 26-35 CPU-s over 117-154 s); with cores + 1 workers they held every
    // worker at once and left a core idle. A worker now serves many files (isolate: false), so one more
    // costs one start, not one per file. Measured whole on an idle 2-core machine: cores + 2 workers 175-185 s,
    // cores + 4 158 s, cores + 6 161 s (the suite is then CPU-bound: ~285 CPU-s).
    maxWorkers: availableParallelism() + 4,
    sequence: { sequencer: SlowFirstSequencer },
    // Handler logs and EMF lines go through the console (test/setup.ts), where vitest keeps them with the
    // test that wrote them: printed when that test fails, dropped when it passes. RUNBOOK_VERBOSE=1 prints all.
    silent: process.env.RUNBOOK_VERBOSE === '1' ? false : 'passed-only',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
