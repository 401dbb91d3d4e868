// `runbook fleet`, run as an operator would, against a running emulator (one stack for this file,
// test/support/emulator.ts) whose FleetFunction watches a fleet of three workloads in two accounts (given as
// the stack's WatchList parameter, as a deployment would) besides the stack's own. Most calls run without a terminal
// (stdin and stdout are pipes); the prompts and the printed undo commands run on a pseudo-terminal
// (util-linux `script`), typed as printed, a person answering the question.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { saveState } from '../../local/emulator/provision.js';
import { breakFleet, type PreparedFleet, prepareFleet, watchListFile } from '../../local/fleet/provision.js';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { runCli } from '../support/cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';
import { uniqueName } from '../support/names.js';

const run = (args: string[]) => runCli('fleet', args);
const json = (args: string[]) => {
  const result = run([...args, '--json']);
  return { ...result, answer: result.stdout ? JSON.parse(result.stdout) : undefined };
};

/** A directory holding `runbook` (the compiled CLI), to put first on PATH: printed commands run as printed. */
function runbookOnPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-bin-'));
  const bin = join(dir, 'runbook');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${cliBin}" "$@"\n`);
  chmodSync(bin, 0o755);
  return dir;
}

/**
 * Runs a command line through a shell on a pseudo-terminal (stdin and stdout are terminals, as at 3 a.m.),
 * typing `answer` to whatever it asks. Returns everything the terminal showed, escape sequences removed.
 */
function onTerminal(
  commandLine: string,
  answer: string,
  bin: string,
): { code: number | null; screen: string } {
  const result = spawnSync('script', ['-qec', commandLine, '/dev/null'], {
    cwd: projectRoot,
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
    input: `${answer}\n`,
    timeout: 120_000,
  });
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's own escape sequences
  const screen = `${result.stdout}${result.stderr}`.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
  return { code: result.status, screen };
}

describe('runbook fleet', () => {
  const MEMBER = '222222222222';
  let emulator: CliEmulator;
  let prepared: PreparedFleet;
  let fleet: Workload[];
  let bin: string;
  const byName = (name: string) => fleet.find((workload) => workload.name === name) as Workload;
  const serving = async (name: string) => {
    const workload = byName(name);
    const lambda = await prepared.lambdaFor(workload.account);
    return (await lambda.send(new GetAliasCommand({ FunctionName: workload.functionName, Name: 'live' })))
      .FunctionVersion;
  };

  beforeAll(async () => {
    emulator = await cliEmulator('cli-fleet');
    prepared = await prepareFleet({
      prefix: uniqueName('clf'),
      members: [
        { name: 'orders', tags: { team: 'payments' } },
        { name: 'refunds', tags: { team: 'payments' } },
        { name: 'risk', account: MEMBER, tags: { team: 'risk' } },
      ],
    });
    fleet = prepared.watchList.workloads;
    // The watch list as a deployment gives it (the WatchList parameter → WATCH_LIST); tag discovery off, so
    // the fleets of other test files on the same moto stay out of this one.
    emulator.state.parameters.WatchList = JSON.stringify(watchListFile(prepared.watchList));
    emulator.state.parameters.WatchTagDiscovery = 'false';
    saveState(emulator.state, join(emulator.stateDir, 'emulator.json'));
    bin = runbookOnPath();
  });

  it('shows the fleet: every watched workload, what it serves and its known-good version, after stating its target', () => {
    // Act
    const { code, answer, stderr } = json(['status']);
    const human = run(['status', '--tag', 'team=payments', '--human']);
    const member = json(['status', '--account', MEMBER]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`runbook: target: emulator at ${emulator.state.endpoint}`);
    expect(answer.selected).toBe(4);
    const orders = answer.workloads.find((line: { workload: string }) => line.workload === 'orders');
    expect(orders).toMatchObject({
      account: 'self',
      serving: { version: '3', weights: {} },
      readiness: { ready: true, knownGood: '2' },
    });
    expect(member.answer.workloads).toEqual([
      expect.objectContaining({ workload: 'risk', account: MEMBER, serving: { version: '3', weights: {} } }),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^Fleet status: 2 workload\(s\)\n/);
    expect(human.stdout).toMatch(/ {2}orders +self +3 +2 +yes /);
    expect(human.stdout).not.toContain('risk');
  });

  it('refuses bad selectors before any call: a malformed --tag (naming --tag, exit 1 as every flag the CLI refuses itself), --all without --yes', async () => {
    // Prepare
    await breakFleet(fleet, prepared.lambdaFor);

    // Act
    const malformed = run(['rollback', '--tag', 'team', '--reason', 'bad shared layer', '--yes']);
    const unconfirmed = run(['rollback', '--all', '--reason', 'bad shared layer']);

    // Assess
    expect(malformed).toMatchObject({ code: 1, stdout: '' });
    expect(malformed.stderr).toContain('runbook: --tag must be KEY=VALUE');
    expect(unconfirmed).toMatchObject({ code: 1, stdout: '' });
    expect(unconfirmed.stderr).toContain('--all rolls back every watched workload: pass --yes to confirm it');
    // Neither reached the emulator: nothing said where it acts, and every alias still serves the bad version.
    expect(`${malformed.stderr}${unconfirmed.stderr}`).not.toContain('target:');
    for (const name of ['orders', 'refunds', 'risk']) expect(await serving(name)).toBe('4');
  });

  it('exits 2 with the field named when the function refuses a selector or a flag (unknown tag, account not watched, bad window, --to-version on two)', () => {
    // Act
    const tag = json(['rollback', '--tag', 'team=nobody', '--reason', 'bad shared layer', '--dry-run']);
    const account = json(['status', '--account', '999999999999', '--all']);
    const window = json(['status', '--deployed-since', '30x']);
    const toVersion = json([
      'rollback',
      '--workload',
      'orders',
      '--workload',
      'refunds',
      '--to-version',
      '2',
      '--reason',
      'bad shared layer',
      '--dry-run',
    ]);

    // Assess
    expect([tag.code, account.code, window.code, toVersion.code]).toEqual([2, 2, 2, 2]);
    expect(tag.answer).toMatchObject({ ok: false, error: { field: 'tags' } });
    expect(account.answer).toMatchObject({ ok: false, error: { field: 'accounts.0' } });
    expect(window.answer).toMatchObject({ ok: false, error: { field: 'deployedSince' } });
    expect(toVersion.answer).toMatchObject({ ok: false, error: { field: 'toVersion' } });
  });

  it('selects by what changed: a dry run with --deployed-since 30m plans every workload published in the window', () => {
    // Act
    const { code, answer, stderr } = json([
      'rollback',
      '--deployed-since',
      '30m',
      '--reason',
      'bad shared layer',
      '--dry-run',
    ]);

    // Assess: each of the four was published minutes ago (the stack's own workload too)
    expect(code, stderr).toBe(0);
    expect(answer).toMatchObject({ dryRun: true, selected: 4, counts: { planned: 4 }, undo: null });
  });

  let rolledBack: { auditId: string; undo: string; workloads: { workload: string; undo?: string }[] };

  it('rolls back the workloads of a tag with --yes, each to its own known-good version, and prints the undo', async () => {
    // Act
    const { code, answer, stderr } = json([
      'rollback',
      '--tag',
      'team=payments',
      '--reason',
      'bad shared layer',
      '--yes',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(answer).toMatchObject({
      ok: true,
      action: 'rollback',
      selected: 2,
      counts: { succeeded: 2, failed: 0 },
    });
    expect(answer.undo).toBe(
      `runbook fleet undo --audit-id ${answer.auditId} --reason 'undo fleet run ${answer.auditId}'`,
    );
    expect([await serving('orders'), await serving('refunds'), await serving('risk')]).toEqual([
      '3',
      '3',
      '4',
    ]);
    rolledBack = answer;
  });

  it('reads the run back with status --audit-id: who, why, and every workload’s line', () => {
    // Act
    const { code, answer, stderr } = json(['status', '--audit-id', rolledBack.auditId]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(answer).toMatchObject({
      auditId: rolledBack.auditId,
      action: 'fleet.rollback',
      reason: 'bad shared layer',
      outcome: 'succeeded',
    });
    expect(answer.workloads.map((line: { workload: string }) => line.workload).sort()).toEqual([
      'orders',
      'refunds',
    ]);
  });

  it('shows the run on the timeline of a workload the WatchList parameter names, and the member account’s as a gap', () => {
    // Act: the watch list is the stack's WatchList parameter alone (this clone's watchlist.json names none of these)
    const orders = runCli('timeline', ['--workload', 'orders', '--since', '1h', '--json']);
    const risk = runCli('timeline', ['--workload', 'risk', '--since', '1h', '--json']);
    const named = runCli('timeline', ['--workload', 'orders', '--watch-list', 'watchlist.json']);

    // Assess
    expect(orders.code, orders.stderr).toBe(0);
    expect(JSON.parse(orders.stdout).entries).toContainEqual(
      expect.objectContaining({
        kind: 'action',
        what: `rollback function:${byName('orders').functionName}:live`,
        detail: `bad shared layer (fleet ${rolledBack.auditId})`,
        outcome: 'succeeded',
        undo: expect.stringMatching(/^runbook fleet rollback --workload orders --to-version 4 /),
      }),
    );
    // The run's own record, selected by tag: its lines name orders
    expect(JSON.parse(orders.stdout).entries).toContainEqual(
      expect.objectContaining({ what: 'fleet.rollback fleet', ref: rolledBack.auditId }),
    );
    expect(risk.code, risk.stderr).toBe(0);
    expect(JSON.parse(risk.stdout).gaps).toContainEqual({
      source: `workload risk (account ${MEMBER})`,
      message: 'its deployments and alarms are in that account: run this there to read them',
    });
    // A file the operator names wins over the parameter: it is what they asked to read.
    expect(named.code).toBe(1);
    expect(named.stderr).toContain('runbook: timeline: --workload orders: not watched');
  });

  it('on a terminal shows the plan with numbers and asks; "n" changes nothing, "y" rolls back', async () => {
    // Act
    const declined = onTerminal(
      "runbook fleet rollback --workload risk --reason 'risk scores wrong'",
      'n',
      bin,
    );
    const before = await serving('risk');
    const accepted = onTerminal(
      "runbook fleet rollback --workload risk --reason 'risk scores wrong'",
      'y',
      bin,
    );

    // Assess
    expect(declined.code, declined.screen).toBe(1);
    expect(declined.screen).toContain('Plan (dry run) for 1 workload(s): 1 planned');
    expect(declined.screen).toMatch(/risk +222222222222 +move live 4 → 3 /);
    expect(declined.screen).toContain('Roll back these 1 workload(s) as planned above? [y/N]');
    expect(declined.screen).toContain('not confirmed; nothing changed');
    expect(before).toBe('4');
    expect(accepted.code, accepted.screen).toBe(0);
    expect(accepted.screen).toMatch(/Fleet rollback of 1 workload\(s\): 1 succeeded\./);
    expect(accepted.screen).toMatch(/undo: {2}runbook fleet undo --audit-id \S+ --reason /);
    expect(await serving('risk')).toBe('3');
  });

  it('runs a workload’s printed undo as printed, then the whole run’s printed undo finishes the rest', async () => {
    // Prepare
    const orders = rolledBack.workloads.find((line) => line.workload === 'orders');
    expect(orders?.undo).toMatch(
      /^runbook fleet rollback --workload orders --to-version 4 --reason '.+' --force$/,
    );

    // Act
    const one = onTerminal(String(orders?.undo), 'y', bin);
    const afterOne = [await serving('orders'), await serving('refunds')];
    const whole = onTerminal(rolledBack.undo, 'y', bin);

    // Assess
    expect(one.code, one.screen).toBe(0);
    expect(one.screen).toMatch(/orders +self +move live 3 → 4 /);
    expect(afterOne).toEqual(['4', '3']);
    expect(whole.code, whole.screen).toBe(0);
    expect(whole.screen).toContain(
      `Undo fleet run ${rolledBack.auditId} on these 2 workload(s) as planned above? [y/N]`,
    );
    expect(whole.screen).toMatch(/Fleet undo of 2 workload\(s\): 1 succeeded, 1 unchanged\./);
    expect([await serving('orders'), await serving('refunds'), await serving('risk')]).toEqual([
      '4',
      '4',
      '3',
    ]);
  });
  it('stops the stack workload’s schedules with fleet disable, and its printed undo restarts them as printed', () => {
    // Prepare
    const schedules = () =>
      json(['status', '--workload', 'workload']).answer.workloads[0].schedules as {
        enabled: number;
        disabled: number;
      };
    const before = schedules();

    // Act
    const disabled = json(['disable', '--workload', 'workload', '--reason', 'duplicate charges', '--yes']);
    const during = schedules();
    const undone = onTerminal(String(disabled.answer?.undo), 'y', bin);

    // Assess
    expect(before).toMatchObject({ disabled: 0, enabled: expect.any(Number) });
    expect(before.enabled).toBeGreaterThan(0);
    expect(disabled.code, disabled.stderr).toBe(0);
    expect(disabled.answer).toMatchObject({ action: 'disable', counts: { succeeded: 1 } });
    expect(during).toEqual({ enabled: 0, disabled: before.enabled });
    expect(undone.code, undone.screen).toBe(0);
    expect(undone.screen).toMatch(/Fleet undo of 1 workload\(s\): 1 succeeded\./);
    expect(schedules()).toEqual(before);
  });

  it('shows the whole fleet kill switch on the workload’s timeline: its disable, its enable and the undo run', () => {
    // Prepare: the fleet disable and its undo above; neither request names the workload's groups (the disable is
    // `all: true` over them, the enable names its restoreId, the undo an audit id)
    const disabled = json(['disable', '--workload', 'workload', '--reason', 'stuck retries', '--yes']).answer;
    const undo = json(['undo', '--audit-id', disabled.auditId, '--reason', 'retries fixed', '--yes']).answer;

    // Act
    const { code, stdout, stderr } = runCli('timeline', [
      '--workload',
      'workload',
      '--since',
      '1h',
      '--json',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    const whats = (JSON.parse(stdout).entries as { what: string; ref: string }[]).map((entry) => entry.what);
    const restoreId = disabled.workloads[0].restore.restoreIds[0];
    expect(whats).toEqual(
      expect.arrayContaining([
        `schedules.disable killswitch:${restoreId}`,
        `schedules.enable killswitch:${restoreId}`,
        'fleet.disable fleet',
        'fleet.undo fleet',
      ]),
    );
    expect(undo).toMatchObject({ action: 'undo', counts: { succeeded: 1 } });
    // Another workload's timeline has none of it
    const orders = JSON.parse(runCli('timeline', ['--workload', 'orders', '--since', '1h', '--json']).stdout);
    expect(orders.entries.map((entry: { what: string }) => entry.what)).not.toContain(
      `schedules.enable killswitch:${restoreId}`,
    );
  });

  it('plans a drain of the stack workload’s DLQ with --dry-run, and says nothing changed', () => {
    // Act
    const { code, stdout, stderr } = run([
      'drain',
      '--workload',
      'workload',
      '--reason',
      'downstream back',
      '--dry-run',
      '--human',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^Dry run: fleet drain of 1 workload\(s\): 1 planned\. Nothing changed\./);
    expect(stdout).toMatch(/ {2}workload +self +planned +/);
  });
});
