import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto server for the whole run; if it cannot start, the run fails (no test is skipped for it).
    globalSetup: ['test/global-setup.ts', 'test/build-cli-setup.ts'],
    // Points the SDK of every worker at that server and refuses any endpoint that is not 127.0.0.1.
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    // Vitest's default on 2 cores is one worker (cores - 1): every file in a row. Most of an integration
    // file's time is spent waiting on moto, a child process or an SQS long poll, not on this CPU, so one
    // worker more than there are cores keeps both busy.
    maxWorkers: availableParallelism() + 1,
    sequence: { sequencer: SlowFirstSequencer },
    // Handler logs and EMF lines go through the console (test/setup.ts), where vitest keeps them with the
    // test that wrote them: printed when that test fails, dropped when it passes. RUNBOOK_VERBOSE=1 prints all.
    silent: process.env.RUNBOOK_VERBOSE === '1' ? false : 'passed-only',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
