// template.yaml after the SAM transform, as CloudFormation would receive it, produced offline by
// local/sam_transform.py (the SAM translator that cfn-lint ships). Fails loudly if Python or cfn-lint is
// missing: the template tests never skip.
//
// Computed once per test run: four files read it, in several worker processes, and each Python start of the
// translator costs ~1.5 CPU-s. The first caller writes it, keyed by the bytes of the template and of the
// script, to the run's directory (test/run-dir-setup.ts); the others wait for that file. A new run, or a
// changed template, transforms again.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { projectRoot, type Template } from '../../local/template.js';

const SCRIPT = join('local', 'sam_transform.py');
const TEMPLATE = 'template.yaml';
const TIMEOUT_MS = 60_000;

let cached: Template | undefined;

function transform(): string {
  const result = spawnSync('python3', [SCRIPT, TEMPLATE], {
    cwd: projectRoot,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    timeout: TIMEOUT_MS,
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      'the offline SAM transform failed (it needs python3 with cfn-lint: `pip install cfn-lint`):\n' +
        `${result.error?.message ?? ''}${result.stderr}`,
    );
  }
  return result.stdout;
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** The transform of this template's bytes, computed by the first caller of the run and read by the others. */
function sharedTransform(): string {
  const key = createHash('sha256')
    .update(readFileSync(join(projectRoot, TEMPLATE)))
    .update(readFileSync(join(projectRoot, SCRIPT)))
    .digest('hex')
    .slice(0, 16);
  const done = join(inject('runDir'), `sam-transform-${key}.json`);
  const lock = `${done}.lock`;
  const deadline = Date.now() + TIMEOUT_MS;
  while (!existsSync(done)) {
    let owner: number | undefined;
    try {
      owner = openSync(lock, 'wx');
    } catch {
      // Another worker is transforming: wait for its file (or, if it died, take over after the timeout).
      if (Date.now() > deadline) rmSync(lock, { force: true });
      sleep(100);
      continue;
    }
    try {
      writeFileSync(`${done}.partial`, transform());
      renameSync(`${done}.partial`, done);
    } finally {
      closeSync(owner);
      rmSync(lock, { force: true });
    }
  }
  return readFileSync(done, 'utf8');
}

export function transformedTemplate(): Template {
  cached ??= JSON.parse(sharedTransform()) as Template;
  return cached;
}
