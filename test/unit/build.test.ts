import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLE_LIMIT_BYTES, type BuiltFunction, buildFunctions } from '../../scripts/build.js';

const run = promisify(execFile);
const gitSha = '0123456789abcdef0123456789abcdef01234567';

describe('buildFunctions', () => {
  let outDir: string;
  let health: BuiltFunction;
  let bundle: string;

  beforeAll(async () => {
    // Prepare
    outDir = await mkdtemp(join(tmpdir(), 'runbook-build-'));
    vi.stubEnv('GIT_SHA', gitSha);
    // Act
    const built = await buildFunctions({ outDir, only: ['HealthFunction'] });
    health = built[0] as BuiltFunction;
    bundle = await readFile(health.outFile, 'utf8');
  }, 60_000);

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(outDir, { recursive: true, force: true });
  });

  it('builds only the functions asked for, into <outDir>/<LogicalId>/handler.mjs', () => {
    // Assess
    expect(health.logicalId).toBe('HealthFunction');
    expect(health.outFile).toBe(join(outDir, 'HealthFunction', 'handler.mjs'));
    expect(basename(health.outFile)).toBe('handler.mjs');
  });

  it('emits an ES module exporting handler, with the createRequire banner first', async () => {
    // Act
    const metafile = JSON.parse(
      await readFile(join(dirname(health.outFile), 'meta.json'), 'utf8'),
    ) as Metafile;
    const output = Object.values(metafile.outputs).find((out) => out.entryPoint !== undefined);
    // Assess
    expect(output?.exports).toContain('handler');
    expect(bundle.startsWith("import { createRequire } from 'module';")).toBe(true);
    expect(bundle).not.toMatch(/\bmodule\.exports\s*=/);
  });

  it('exports a handler function when node imports the bundle', async () => {
    // Act: a child process, so the bundle loads as Lambda loads it, outside vitest's module graph.
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'const m = await import(process.argv[1]); console.log(typeof m.handler);',
        pathToFileURL(health.outFile).href,
      ],
      { env: { ...process.env, AWS_REGION: 'us-east-1', NODE_NO_WARNINGS: '1' }, timeout: 30_000 },
    );
    // Assess
    expect(stdout.trim()).toBe('function');
  });

  it('compiles the git sha of the build into the bundle', () => {
    // Assess
    expect(bundle).toContain(gitSha);
  });

  it('stays under the 1.5 MB bundle target', () => {
    // Assess
    expect(health.bytes).toBe(Buffer.byteLength(bundle));
    expect(health.bytes).toBeLessThan(BUNDLE_LIMIT_BYTES);
    expect(health.mapBytes).toBeGreaterThan(0);
  });
});
