// When the test run may keep the compiled CLI it finds: only when every file its last whole build read is
// older than the build (scripts/build-cli.ts buildIsFresh). A stale CLI would test yesterday's sources.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildIsFresh } from '../../scripts/build-cli.js';

describe('buildIsFresh', () => {
  let root: string;
  let out: string;
  const at = (seconds: number) => new Date(1_800_000_000_000 + seconds * 1000);

  beforeEach(() => {
    // Prepare: two inputs written at t=0, a build that listed them at t=10
    root = mkdtempSync(join(tmpdir(), 'runbook-fresh-'));
    out = join(root, 'dist', 'cli');
    mkdirSync(join(root, 'shared'), { recursive: true });
    mkdirSync(out, { recursive: true });
    for (const file of ['shared/a.ts', 'template.yaml']) {
      writeFileSync(join(root, file), 'x');
      utimesSync(join(root, file), at(0), at(0));
    }
    writeFileSync(join(out, 'inputs.json'), JSON.stringify(['shared/a.ts', 'template.yaml']));
    utimesSync(join(out, 'inputs.json'), at(10), at(10));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a build newer than every input it read', () => {
    expect(buildIsFresh(out, root)).toBe(true);
  });

  it('rebuilds when an input changed after the build', () => {
    // Act
    utimesSync(join(root, 'template.yaml'), at(20), at(20));

    // Assess
    expect(buildIsFresh(out, root)).toBe(false);
  });

  it('rebuilds when an input is gone, or when no whole build left its list', () => {
    // Act / Assess
    rmSync(join(root, 'shared/a.ts'));
    expect(buildIsFresh(out, root)).toBe(false);
    rmSync(join(out, 'inputs.json'));
    expect(buildIsFresh(out, root)).toBe(false);
  });

  it('rebuilds when the list is not a list of files', () => {
    // Act
    writeFileSync(join(out, 'inputs.json'), '{}');
    utimesSync(join(out, 'inputs.json'), at(10), at(10));

    // Assess
    expect(buildIsFresh(out, root)).toBe(false);
  });
});
