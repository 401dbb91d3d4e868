// `runbook schedules`, run as an operator would: a child process with stdin that is not a terminal, against a
// running emulator (one stack for this file, test/support/emulator.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { cliEmulator } from '../support/emulator.js';

const run = (args: string[]) => runCli('schedules', args);

describe('runbook schedules', () => {
  let group: string[];
  let auditId: string;

  beforeAll(async () => {
    const emulator = await cliEmulator('cli-ks');
    const name = emulator.ref('WorkloadScheduleGroup');
    group = ['--group', name, '--all', '--reason', 'orders rejected since 03:02'];
  });

  it('refuses to disable without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(['disable', ...group]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('with --yes disables the group in-process in the running emulator and prints the restore command', () => {
    // Act
    const { code, stdout, stderr } = run(['disable', ...group, '--yes', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: true, action: 'disable', changed: true, counts: { disabled: 1 } });
    expect(result.undo).toBe(
      `runbook schedules enable --restore-id ${result.restoreId} --reason 'undo kill switch ${result.restoreId}'`,
    );
    auditId = result.auditId;
  });

  it('status --audit-id --page reads every schedule outcome of that run, as its answer says', () => {
    // Act
    const { code, stdout, stderr } = run(['status', '--audit-id', auditId, '--page', '1', '--json']);
    const beyond = run(['status', '--audit-id', auditId, '--page', '2', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const page = JSON.parse(stdout);
    expect(page).toMatchObject({ ok: true, auditId, page: 1 });
    expect(JSON.stringify(page)).toContain('disabled');
    expect(beyond.code).toBe(2);
    expect(JSON.parse(beyond.stdout)).toMatchObject({ ok: false, error: { field: 'page' } });
  });

  it('status for a person: the run read back with counts and outcomes, and the open kill switch it left', () => {
    // Act
    const run_ = run(['status', '--audit-id', auditId, '--human']);
    const open = run(['status', '--human']);

    // Assess: no JSON on a person's screen; the restore command is there to copy
    expect(run_.code, run_.stderr).toBe(0);
    expect(run_.stdout).toMatch(new RegExp(`^Run ${auditId}: schedules.disable by .+ \\(succeeded\\)\n`));
    expect(run_.stdout).toContain('counts: 1 disabled (1 selected)');
    expect(run_.stdout).toMatch(/page 1 of 1: 1 outcome\(s\)\n +GROUP +SCHEDULE +OUTCOME\n.+ disabled\n/);
    expect(open.code, open.stderr).toBe(0);
    expect(open.stdout).toMatch(
      /^Open kill switches \(1\): each restores with runbook schedules enable --restore-id ID/,
    );
    expect(open.stdout).toContain('orders rejected since 03:02');
    expect(`${run_.stdout}${open.stdout}`).not.toMatch(/[{}]/);
  });

  it('exits 2 with the field named when the function refuses the request, and 1 for an unknown subcommand', () => {
    // Act
    const refused = run(['disable', '--reason', 'stop everything', '--dry-run', '--emulator', '--json']);
    const unknown = run(['pause']);

    // Assess
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, error: { field: 'schedules' } });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('disable, enable or status');
  });
});
