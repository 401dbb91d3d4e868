import type { TestProject } from 'vitest/node';
import { startMoto } from '../local/moto.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

/**
 * Starts one moto server for the whole run. A missing python3 or moto throws MotoUnavailableError here, which
 * fails the run with the install hint instead of skipping tests.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return () => moto.stop();
}
