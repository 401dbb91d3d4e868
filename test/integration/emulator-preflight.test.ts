// `runbook emulator` refusing a stack whose functions would refuse their settings: before moto starts for what
// the parameters show (exit 2, each mistake named), and, against a provisioned stack, what the functions' own
// readers refuse in the environment their invocations get.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { settingProblems } from '../../local/emulator/preflight.js';
import { type EmulatorState, provisionStack, resolveContext } from '../../local/emulator/provision.js';
import { loadTemplate } from '../../local/template.js';
import { runCli } from '../support/cli.js';
import { uniqueName } from '../support/names.js';

describe('runbook emulator refuses a stack its functions would refuse', () => {
  // Its own state directory: a refused start must not touch a developer's running emulator.
  const env = { ...process.env, RUNBOOK_STATE_DIR: mkdtempSync(join(tmpdir(), 'runbook-preflight-')) };

  it('exits 2 on malformed freeze windows, naming each window and field, without starting moto', () => {
    // Act
    const { code, stdout, stderr } = runCli(
      'emulator',
      [
        '--parameter',
        'FreezeWindows=weekdays 09:25 UTC; daily 01:00-02:00 UTC ok; daily 03:00-04:00 Mars/Olympus',
      ],
      env,
    );

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('FreezeWindows: FREEZE_WINDOWS[0].end: the window has no end');
    expect(stderr).toContain('FreezeWindows: FREEZE_WINDOWS[2].zone: unknown time zone "Mars/Olympus"');
    expect(stderr).not.toContain('FREEZE_WINDOWS[1]');
  });

  it('exits 2 on a watch list whose two workloads share a function and alias, naming both', () => {
    // Prepare
    const workloads = [
      { name: 'orders', functionName: 'orders-fn' },
      { name: 'payments', functionName: 'orders-fn' },
    ];

    // Act
    const { code, stderr } = runCli(
      'emulator',
      ['--parameter', `WatchList=${JSON.stringify({ workloads })}`],
      env,
    );

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(
      'WatchList: WATCH_LIST.workloads.1.functionName: orders-fn:live is already workload orders (workloads.0): workload payments cannot watch it too',
    );
  });

  it('exits 2 on a parameter the template does not declare', () => {
    const { code, stderr } = runCli('emulator', ['--parameter', 'FreezeWindow=daily 01:00-02:00 UTC'], env);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown parameter FreezeWindow');
  });
});

describe('the functions’ own readers over a provisioned stack', () => {
  let state: EmulatorState;
  const template = loadTemplate();
  const problemsWith = (parameters: Record<string, string>) =>
    settingProblems(
      resolveContext(template, { ...state, parameters: { ...state.parameters, ...parameters } }),
    );

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('preflight'),
    });
  });

  it('finds nothing wrong with the stack as provisioned', () => {
    expect(settingProblems(resolveContext(template, state))).toEqual([]);
  });

  it('names the parameter behind a setting a function refuses (a schedule without its group)', () => {
    expect(problemsWith({ WatchedFunctionName: 'trading', WatchedSchedules: 'daily-run' })).toEqual([
      {
        parameter: 'WatchedSchedules',
        field: 'WatchedSchedules',
        message: expect.stringContaining('WATCHED_SCHEDULES: "daily-run" has no group'),
      },
    ]);
  });
});
