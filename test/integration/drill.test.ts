// `npm run drill` as a new user runs it: a child process that starts its own emulator, runs every scenario
// through the real handlers and prints a timeline and a scorecard — and nothing a person did not ask for.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';

function drill(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { RUNBOOK_VERBOSE: _verbose, ...inherited } = process.env;
  const result = spawnSync(
    process.execPath,
    [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), 'local/drill/main.ts', ...args],
    {
      cwd: projectRoot,
      env: { ...inherited, NODE_NO_WARNINGS: '1', ...env },
      encoding: 'utf8',
      // A loaded machine runs the game day in minutes, not seconds; the timeout only catches a hang.
      timeout: 300_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run drill', () => {
  it('runs the whole game day against a fresh emulator, ends in a passing scorecard, and writes --json FILE', () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'drill-')), 'drill.json');

    // Act
    const { code, stdout, stderr } = drill(['--json', out]);

    // Assess
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    expect(stdout).toMatch(/^drill: \d+ passed, 0 failed$/m);
    const card = JSON.parse(readFileSync(out, 'utf8'));
    expect(card.failed).toBe(0);
    expect(card.scenarios.map((scenario: { name: string }) => scenario.name)).toEqual(
      expect.arrayContaining([
        'health.liveness',
        'health.metadata',
        'health.canary-incident',
        'health.degraded',
        'secret.failed-test',
        'deploy.failing-smoke',
      ]),
    );
    expect(card.scenarios.every((scenario: { result: string }) => scenario.result === 'pass')).toBe(true);
    // Quiet: the scenarios that fail on purpose (a rotation's testSecret, a smoke suite) print no log line,
    // no stack trace, no EMF line and no Powertools notice; only the drill's own progress line is on stderr.
    expect(stderr.trim().split('\n')).toEqual([
      'drill: starting the local emulator (moto) and provisioning the estate…',
    ]);
    expect(stdout).not.toMatch(/^\{|"_aws"|No application metrics|^\s+at /m);
  }, 320_000);

  it('prints the handlers’ logs on stderr when asked with --verbose, and refuses an unknown argument', () => {
    // Act
    const verbose = drill(['--only', 'rollback.bad-version', '--verbose']);
    const unknown = drill(['--only', 'health', 'extra']);

    // Assess
    expect(verbose.code, verbose.stderr).toBe(0);
    expect(verbose.stdout).toMatch(/^drill: 1 passed, 0 failed$/m);
    expect(verbose.stderr).toMatch(/^\{"level":"[A-Z]+","message":/m);
    expect(verbose.stderr).toContain('"_aws":');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unexpected argument "extra"');
    expect(unknown.stdout).toBe('');
  }, 320_000);
});
