// What each bundle is made of: bytes in the minified output per package, from the esbuild metafile
// (meta.json beside the bundle; drop it on https://esbuild.github.io/analyze/ for the full picture).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { kib, printTable } from '../scripts/build.js';
import { bundled } from './bundles.js';
import type { BenchSection } from './section.js';

const TOP = 5;

/** `node_modules/@scope/name/…` → `@scope/name`; project sources group by their top folder. */
export function owner(inputPath: string): string {
  const segments = inputPath.split('/');
  const at = segments.lastIndexOf('node_modules');
  if (at === -1) return `(ours) ${segments.find((part) => part !== '..' && part !== '.') ?? inputPath}/`;
  const name = segments[at + 1] ?? inputPath;
  return name.startsWith('@') ? `${name}/${segments[at + 2]}` : name;
}

export function contributors(metafile: Metafile): { name: string; bytes: number }[] {
  const output = Object.values(metafile.outputs).find((out) => out.entryPoint !== undefined);
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(output?.inputs ?? {})) {
    totals.set(owner(path), (totals.get(owner(path)) ?? 0) + input.bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export const composition: BenchSection = {
  name: 'composition',
  description: `the ${TOP} largest contributors to each bundle, by bytes in the minified output`,
  async run({ small }) {
    const results = [];
    for (const build of await bundled(small)) {
      const metafile = JSON.parse(
        await readFile(join(dirname(build.outFile), 'meta.json'), 'utf8'),
      ) as Metafile;
      const all = contributors(metafile);
      results.push({ logicalId: build.logicalId, bundleBytes: build.bytes, top: all.slice(0, TOP) });
      console.log(`${build.logicalId} (${kib(build.bytes)} KB, ${all.length} packages and source folders)`);
      printTable(
        ['contributor', 'KB', 'share'],
        all
          .slice(0, TOP)
          .map((c) => [c.name, kib(c.bytes), `${((100 * c.bytes) / build.bytes).toFixed(1)}%`]),
        'lrr',
      );
      console.log();
    }
    return results;
  },
};
