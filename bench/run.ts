// npm run bench [-- --runs N] [--only <section>]… [--small] [--json] [--verbose]
// --small: a few items per section and one run (unless --runs), to check that every section runs whole.
// Prints each section's figures; --json also writes them to dist/bench.json. Nothing here asserts:
// a slow figure is for a person to read, not a reason to fail a build. The sections are in bench/sections.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { isVerbose, quietHandlers } from '../local/quiet.js';
import { projectRoot } from '../local/template.js';

export const benchJsonPath = join(projectRoot, 'dist', 'bench.json');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      only: { type: 'string', multiple: true },
      small: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
    },
  });
  // Before any handler is imported: Powertools reads its log level and metrics switch when it loads.
  quietHandlers({ verbose: values.verbose || isVerbose() });
  const { runSections, sections } = await import('./sections.js');

  // --small measures once unless told otherwise: it checks that each section runs, not how fast.
  const runs = Number(values.runs ?? (values.small ? 1 : 15));
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a positive integer, got ${values.runs}`);
  const unknown = (values.only ?? []).filter((name) => !sections.some((section) => section.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `no bench section ${unknown.join(', ')} (sections: ${sections.map((s) => s.name).join(', ')})`,
    );
  }
  const selected = values.only ? sections.filter((section) => values.only?.includes(section.name)) : sections;

  const figures = await runSections(selected, { runs, small: values.small });

  if (values.json) {
    const report = {
      at: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      runs,
      small: values.small,
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
