// The hooks' deployed bundles: built like every function, under the size target, and free of anything from
// local/ — the CodeDeploy simulator and its in-process workload invoker exist only off AWS.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_LIMIT_BYTES, type BuiltFunction, buildFunctions } from '../../scripts/build.js';

describe('CodeDeploy hook bundles', () => {
  let outDir: string;
  let built: BuiltFunction[];

  beforeAll(async () => {
    // Prepare + Act
    outDir = await mkdtemp(join(tmpdir(), 'runbook-hooks-'));
    built = await buildFunctions({ outDir, only: ['PreTrafficHookFunction', 'PostTrafficHookFunction'] });
  }, 90_000);

  afterAll(async () => {
    await rm(outDir, { recursive: true, force: true });
  });

  it('builds both hooks under the 1.5 MB target', () => {
    // Assess
    expect(built.map((item) => item.logicalId).sort()).toEqual([
      'PostTrafficHookFunction',
      'PreTrafficHookFunction',
    ]);
    for (const item of built) expect(item.bytes).toBeLessThan(BUNDLE_LIMIT_BYTES);
  });

  it('bundles nothing from local/ (no simulator, no drill fault injection) and the sample suite as data', async () => {
    for (const item of built) {
      // Prepare
      const metafile = JSON.parse(
        await readFile(join(dirname(item.outFile), 'meta.json'), 'utf8'),
      ) as Metafile;
      const bundle = await readFile(item.outFile, 'utf8');

      // Assess
      expect(Object.keys(metafile.inputs).filter((input) => input.startsWith('local/'))).toEqual([]);
      expect(bundle).not.toContain('DRILL_FAULT');
      expect(bundle).not.toContain('CodeDeploySimulator');
    }
    const pre = built.find((item) => item.logicalId === 'PreTrafficHookFunction') as BuiltFunction;
    expect(await readFile(pre.outFile, 'utf8')).toContain('daily run answers ok');
  });
});
