// Test files run several to a worker process (`isolate: false` in vitest.config.ts): one start of a worker, and
// one load of the AWS SDK, Powertools and zod, for many files instead of one per file. What
// a fresh process gave each file for free, this gives back after each file, so that no file sees another's
// leftovers, whatever the order and the grouping:
// - aws-sdk-client-mock's stubs: mockClient(LambdaClient) replaces `send` on the class's prototype, through
//   sinon's default sandbox, until restored — a later file's real client would answer from the stub;
// - vitest's spies, stubbed environment variables and globals, and fake timers;
// - process.env as the file found it (files set AWS_ENDPOINT_URL, RUNBOOK_STATE_DIR, … directly);
// - process.stdout.write and process.stderr.write (a file may capture them from before its imports);
// - the project's own modules, evaluated again by the next file (vi.resetModules): their singletons (the shared
//   SDK clients keep the endpoint they were built with; cli/output.ts keeps the stdout it found) are that
//   file's own. Dependencies in node_modules stay loaded: that is the saving.
// Servers, child processes and timers a file starts are its own to stop, in its afterAll, as before.
import { createRequire } from 'node:module';
import { afterAll, vi } from 'vitest';

// The CommonJS sinon that aws-sdk-client-mock itself requires: sinon's ESM build is another instance, with
// another default sandbox.
const requireFromMock = createRequire(createRequire(import.meta.url).resolve('aws-sdk-client-mock'));
const sinon = requireFromMock('sinon') as { restore(): void };

// The worker's own process.env, kept across files: a file that replaces it with a plain object (instead of
// restoring its keys in place) fails here, by name, rather than leaving the next files a detached copy that
// vi.stubEnv no longer writes to.
const worker = globalThis as {
  runbookWorkerEnv?: NodeJS.ProcessEnv;
  runbookWrites?: { stdout: typeof process.stdout.write; stderr: typeof process.stderr.write };
};
worker.runbookWorkerEnv ??= process.env;
worker.runbookWrites ??= { stdout: process.stdout.write, stderr: process.stderr.write };
const envAtStart = { ...process.env };

afterAll(() => {
  const replacedEnv = process.env !== worker.runbookWorkerEnv;
  process.env = worker.runbookWorkerEnv as NodeJS.ProcessEnv;
  sinon.restore();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  for (const key of Object.keys(process.env)) if (!(key in envAtStart)) delete process.env[key];
  Object.assign(process.env, envAtStart);
  process.stdout.write = worker.runbookWrites?.stdout ?? process.stdout.write;
  process.stderr.write = worker.runbookWrites?.stderr ?? process.stderr.write;
  vi.resetModules();
  if (replacedEnv)
    throw new Error('this file replaced process.env: restore the keys it changed in place instead');
});
