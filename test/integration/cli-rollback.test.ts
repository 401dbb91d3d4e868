// `runbook rollback`, run as an operator would: a child process with stdin that is not a terminal.
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const run = (args: string[]) => runCli('rollback', args);

const target = ['--function', 'runbook-local-WorkloadFunction', '--reason', 'version 3 fails every order'];

describe('runbook rollback', () => {
  it('refuses to act without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run([...target, '--emulator']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('with --yes and --emulator rolls live back in-process and prints the undo command', () => {
    // Act
    const { code, stdout, stderr } = run([...target, '--emulator', '--yes', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: true, fromVersion: '3', toVersion: '2', changed: true });
    expect(result.undo).toMatch(
      /^runbook rollback --function runbook-local-WorkloadFunction --alias live --to-version 3 /,
    );
  });

  it('exits 2 with the field named when the function refuses the request', () => {
    // Act
    const { code, stdout } = run([...target, '--to-version', '$LATEST', '--dry-run', '--emulator', '--json']);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { field: 'toVersion' } });
  });
});
