// npm run bench [-- --runs N] [--only <section>]… [--json]
// Prints each section's figures; --json also writes them to dist/bench.json. Nothing here asserts:
// a slow figure is for a person to read, not a reason to fail a build.
// A new benchmark is one more BenchSection in `sections`.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Json, projectRoot } from '../local/template.js';
import { canaryBench } from './canary.js';
import { coldStart } from './cold-start.js';
import { composition } from './composition.js';
import { dlqBench } from './dlq.js';
import { killSwitchBench } from './killswitch.js';
import { rollbackBench } from './rollback.js';
import { secretRotationBench } from './secret-rotation.js';
import type { BenchSection } from './section.js';
import { smokeBench } from './smoke.js';

export const sections: BenchSection[] = [
  coldStart,
  composition,
  rollbackBench,
  killSwitchBench,
  secretRotationBench,
  smokeBench,
  dlqBench,
  canaryBench,
];

export const benchJsonPath = join(projectRoot, 'dist', 'bench.json');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '15' },
      only: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const unknown = (values.only ?? []).filter((name) => !sections.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `no bench section ${unknown.join(', ')} (sections: ${sections.map((s) => s.name).join(', ')})`,
    );
  }
  const selected = values.only ? sections.filter((section) => values.only?.includes(section.name)) : sections;

  const figures: Record<string, Json> = {};
  for (const section of selected) {
    console.log(`\n== ${section.name}: ${section.description}\n`);
    const started = performance.now();
    figures[section.name] = await section.run({ runs });
    console.log(`(${section.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }

  if (values.json) {
    const report = {
      at: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      runs,
      sections: figures,
    };
    await mkdir(dirname(benchJsonPath), { recursive: true });
    await writeFile(benchJsonPath, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${benchJsonPath}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
