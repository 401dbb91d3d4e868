import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

// What both projects below share.
const common = {
  // Points the SDK of every worker at the run's moto and refuses any endpoint that is not 127.0.0.1.
  setupFiles: ['test/setup.ts'],
  pool: 'forks' as const,
  // Handler logs and EMF lines go through the console (test/setup.ts), where vitest keeps them with the
  // test that wrote them: printed when that test fails, dropped when it passes. RUNBOOK_VERBOSE=1 prints all.
  silent: process.env.RUNBOOK_VERBOSE === '1' ? false : ('passed-only' as const),
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // One moto server for the whole run, and the CLI built once, whichever projects run (the root's global
    // setup runs for all of them); if moto cannot start, the run fails (no test is skipped for it).
    globalSetup: ['test/global-setup.ts', 'test/build-cli-setup.ts', 'test/run-dir-setup.ts'],
    // Vitest's default on 2 cores is one worker (cores - 1): every file in a row. Most of an integration
    // file's time is spent waiting on moto, a child process or an SQS long poll, not on this CPU, so one
    // worker more than there are cores keeps both busy.
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: SlowFirstSequencer },
    projects: [
      {
        // Unit and template files share worker processes: a fresh process per file cost about as much CPU as
        // the tests themselves (its start and one load of the AWS SDK, Powertools and zod: measured, unit
        // files 72.7 → 34 CPU-s). test/setup-shared-worker.ts undoes after each file what it could leave
        // behind (client mocks, spies, stubs, timers, process.env, shared clients).
        test: {
          ...common,
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/template/**/*.test.ts'],
          setupFiles: [...common.setupFiles, 'test/setup-shared-worker.ts'],
          isolate: false,
        },
      },
      {
        // Integration files keep a process each: they start servers and child processes, set the CLI's
        // state directory, and each takes seconds, next to which a process start is small.
        test: { ...common, name: 'integration', include: ['test/integration/**/*.test.ts'] },
      },
    ],
  },
});
