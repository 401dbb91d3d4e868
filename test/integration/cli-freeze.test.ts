// `runbook freeze status`, run as an operator would, against emulator stacks deployed with FreezeWindows set:
// it reads the windows the functions get, and says what they then do (a drain through the CLI is refused).
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';

const TRADING = 'weekdays 09:25-09:45 America/New_York the 09:35 trading run';
const YEAR_END = '2026-12-24T12:00Z/2026-12-28T08:00Z year-end close';
const OVERNIGHT = 'weekdays 22:00-02:00 America/New_York overnight batch';

describe('runbook freeze status', () => {
  let frozen: CliEmulator;
  let broken: CliEmulator;
  const run = (emulator: CliEmulator, command: string, args: string[]) =>
    runCli(command, args, { ...process.env, RUNBOOK_STATE_DIR: emulator.stateDir });

  beforeAll(async () => {
    frozen = await cliEmulator('cli-freeze', {
      parameters: { FreezeWindows: `${TRADING}; ${YEAR_END}; ${OVERNIGHT}` },
    });
    broken = await cliEmulator('cli-freeze-bad', {
      parameters: { FreezeWindows: `${TRADING}; 2026-12-24T12:00Z/ no end` },
    });
  });

  it('says what is frozen at an instant, by which window, until when, and the next window (--json)', () => {
    // Act: Friday 2026-03-06, 09:30 in New York (EST)
    const { code, stdout, stderr } = run(frozen, 'freeze', [
      'status',
      '--at',
      '2026-03-06T14:30:00Z',
      '--json',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`stack ${frozen.stackName}`);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({
      ok: true,
      at: '2026-03-06T14:30:00.000Z',
      frozen: true,
      until: '2026-03-06T14:45:00.000Z',
      active: [{ index: 0, kind: 'recurring', reason: 'the 09:35 trading run' }],
      // Friday night's overnight window (22:00 EST) is the next to start after the trading run
      next: { index: 2, start: '2026-03-07T03:00:00.000Z', end: '2026-03-07T07:00:00.000Z' },
      declared: 3,
      functions: [
        frozen.ref('DlqDrainerFunction'),
        frozen.ref('PreTrafficHookFunction'),
        frozen.ref('SecretRotationFunction'),
        frozen.ref('FleetFunction'),
        frozen.ref('ApprovalsFunction'),
      ],
    });
    expect(answer.windows.map((item: { text: string }) => item.text)).toEqual([TRADING, YEAR_END, OVERNIGHT]);
  });

  it('prints a table on request, and the one-off window as next before it starts', () => {
    // Act
    const { code, stdout } = run(frozen, 'freeze', ['status', '--at', '2026-12-24T11:00:00Z', '--human']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Not frozen at 2026-12-24T11:00:00.000Z.');
    expect(stdout).toMatch(
      /Next window: \[1\] {2}2026-12-24T12:00:00.000Z {2}2026-12-28T08:00:00.000Z {2}year-end close/,
    );
    expect(stdout).toContain('Declared:');
  });

  it('says after midnight that the overnight window of the evening before is in force, until 02:00', () => {
    // Act: Saturday 2026-03-07, 01:30 in New York (EST); Saturday is not listed, Friday is
    const { code, stdout, stderr } = run(frozen, 'freeze', [
      'status',
      '--at',
      '2026-03-07T06:30:00Z',
      '--json',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      frozen: true,
      until: '2026-03-07T07:00:00.000Z',
      active: [{ index: 2, reason: 'overnight batch', start: '2026-03-07T03:00:00.000Z' }],
      next: { index: 0, start: '2026-03-09T13:25:00.000Z' },
    });
  });

  it('names the malformed window and its field, exit 2', () => {
    // Act
    const { code, stdout } = run(broken, 'freeze', ['status', '--json']);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { code: 'ConfigurationError', field: 'FREEZE_WINDOWS[1].end' },
    });
  });

  it('refuses a bad --at before reading anything', () => {
    const { code, stdout, stderr } = run(frozen, 'freeze', ['status', '--at', 'tomorrow']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('--at must be an ISO-8601 instant');
  });

  it('agrees with the drainer: a drain through the CLI during a window in force now is refused', async () => {
    // Prepare: a stack frozen from a minute ago for an hour
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const windows = `${iso(now - 60_000)}/${iso(now + 3_600_000)} incident in progress`;
    const live = await cliEmulator('cli-freeze-now', { parameters: { FreezeWindows: windows } });

    // Act
    const status = run(live, 'freeze', ['status', '--json']);
    const drain = run(live, 'dlq', [
      'drain',
      '--queue',
      live.ref('WorkloadDLQ').split('/').at(-1) as string,
      '--reason',
      'replay last hour',
      '--yes',
      '--json',
    ]);

    // Assess
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, frozen: true, until: iso(now + 3_600_000) });
    expect(drain.code, drain.stderr).toBe(2);
    expect(JSON.parse(drain.stdout)).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    expect(JSON.parse(drain.stdout).error.message).toContain('(incident in progress)');
  });
});
