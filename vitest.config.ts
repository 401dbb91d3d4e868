import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto server for the whole run; if it cannot start, the run fails (no test is skipped for it).
    globalSetup: ['test/global-setup.ts', 'test/build-cli-setup.ts'],
    // Points the SDK of every worker at that server and refuses any endpoint that is not 127.0.0.1.
    setupFiles: ['test/setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
