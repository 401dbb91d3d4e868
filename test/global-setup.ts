import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { FORK_SERVER_ENV, startMoto, startMotoForkServer } from '../local/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
    motoForkServer: string;
    /** NODE_EXTRA_CA_CERTS as the run was started with ('' when unset): test/setup.ts says why. */
    extraCaCerts: string;
  }
}

/**
 * Starts one moto fork server and, from it, one moto server for the whole run. Every other moto of the run (a
 * CLI test's emulator, the drill's, each bench section's) is forked from the same warmed moto: test/setup.ts
 * hands its socket to each test file, and so to the processes they start. A missing python3 or moto throws
 * MotoUnavailableError here, which fails the run with the install hint instead of skipping tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-moto-'));
  const forkServer = await startMotoForkServer(join(dir, 'fork.sock'));
  process.env[FORK_SERVER_ENV] = forkServer.socketPath;
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  project.provide('motoForkServer', forkServer.socketPath);
  project.provide('extraCaCerts', process.env.NODE_EXTRA_CA_CERTS ?? '');
  return async () => {
    await moto.stop();
    await forkServer.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
