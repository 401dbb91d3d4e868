// Every benchmark section, in the order `npm run bench` runs them, and how one run goes through them.
// A new benchmark is one more BenchSection in `sections`.
import type { Json } from '../local/template.js';
import { resetSharedClients } from '../shared/clients.js';
import { canaryBench } from './canary.js';
import { cliStartupBench } from './cli-startup.js';
import { coldStart } from './cold-start.js';
import { composition } from './composition.js';
import { dlqBench } from './dlq.js';
import { fleetBench } from './fleet.js';
import { killSwitchBench } from './killswitch.js';
import { killSwitchScaleBench } from './killswitch-scale.js';
import { rollbackBench } from './rollback.js';
import { secretRotationBench } from './secret-rotation.js';
import type { BenchContext, BenchSection } from './section.js';
import { smokeBench } from './smoke.js';

export const sections: BenchSection[] = [
  coldStart,
  composition,
  rollbackBench,
  killSwitchBench,
  killSwitchScaleBench,
  fleetBench,
  secretRotationBench,
  smokeBench,
  dlqBench,
  canaryBench,
  cliStartupBench,
];

/**
 * Runs the sections one after another in this process and returns their figures by name. Each starts from
 * clean shared SDK clients: a client keeps the endpoint it was built with, and the emulator an earlier
 * section started is gone by then.
 */
export async function runSections(
  selected: BenchSection[],
  context: BenchContext,
  log: (line: string) => void = console.log,
): Promise<Record<string, Json>> {
  const figures: Record<string, Json> = {};
  for (const section of selected) {
    log(`\n== ${section.name}: ${section.description}\n`);
    resetSharedClients();
    const started = performance.now();
    figures[section.name] = await section.run(context);
    log(`(${section.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  resetSharedClients();
  return figures;
}
