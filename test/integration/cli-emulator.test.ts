// `runbook emulator` as an on-call engineer runs it — started with RUNBOOK_STATE_DIR, then used from other
// shells that only source its exports file: the aws CLI sets an alarm's state, and `runbook timeline` lists
// that change. CloudWatch is reached through the emulator's one stand-in (moto has no DescribeAlarmHistory),
// which deploy-sim's CodeDeploy simulator reuses rather than starting a second one in front of it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchClient, DescribeAlarmHistoryCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCodeDeploy } from '../../local/codedeploy/local.js';
import { readExportsFile } from '../../local/emulator/exports.js';
import { settingProblems } from '../../local/emulator/preflight.js';
import {
  type EmulatorState,
  emulatorClientConfig,
  loadState,
  resolveContext,
} from '../../local/emulator/provision.js';
import { FORK_SERVER_ENV } from '../../local/moto.js';
import { loadTemplate, projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';
import type { Timeline } from '../../shared/timeline/entry.js';

describe('runbook emulator, used from other shells through its exports file', { timeout: 120_000 }, () => {
  let emulator: ChildProcess;
  let dir: string;
  let envFile: string;
  let state: EmulatorState;
  let alarmName: string;
  // Another shell: none of this worker's emulator settings, only what sourcing the file gives it. Nor the run's
  // moto fork server (test/setup.ts): this emulator starts python3 and moto itself, as an engineer's does, through
  // the compiled CLI's lazily loaded child_process (scripts/build-cli.ts's LAZY_BUILTINS).
  const {
    AWS_ENDPOINT_URL: _endpoint,
    AWS_ENDPOINT_URL_CLOUDWATCH: _cloudwatch,
    RUNBOOK_STATE_DIR: _dir,
    [FORK_SERVER_ENV]: _forkServer,
    ...shell
  } = process.env;
  const inAnotherShell = (command: string) =>
    spawnSync('bash', ['-c', `. "$ENV_FILE" && ${command}`], {
      cwd: projectRoot,
      env: { ...shell, ENV_FILE: envFile, RUNBOOK: `${process.execPath} ${cliBin}`, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'runbook-emulator-'));
    envFile = join(dir, 'emulator.env');
    emulator = spawn(process.execPath, [cliBin, 'emulator'], {
      cwd: projectRoot,
      env: { ...shell, RUNBOOK_STATE_DIR: dir, NODE_NO_WARNINGS: '1' },
      stdio: 'pipe',
    });
    let output = '';
    emulator.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    await new Promise<void>((resolve, reject) => {
      emulator.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (/Ctrl-C stops the emulator/.test(output)) resolve();
      });
      emulator.once('exit', (code) => reject(new Error(`runbook emulator exited ${code}: ${output}`)));
    });
    state = loadState(join(dir, 'emulator.json')) as EmulatorState;
    alarmName = `${state.stackName}-workload-errors`;
  }, 120_000);

  afterAll(async () => {
    if (!emulator || emulator.exitCode !== null) return;
    const exited = new Promise((resolve) => emulator.once('exit', resolve));
    emulator.kill('SIGTERM');
    await exited;
  });

  it('started, so its functions’ own readers found nothing wrong with the stack; a setting they refuse is named by its parameter', () => {
    // Prepare: the same stack, with a schedule named without its group (the health function refuses it)
    const template = loadTemplate();
    const parameters = { ...state.parameters, WatchedFunctionName: 'trading', WatchedSchedules: 'daily-run' };

    // Act
    const found = settingProblems(resolveContext(template, state));
    const refused = settingProblems(resolveContext(template, { ...state, parameters }));

    // Assess
    expect(found).toEqual([]);
    expect(refused).toEqual([
      {
        parameter: 'WatchedSchedules',
        field: 'WatchedSchedules',
        message: expect.stringContaining('WATCHED_SCHEDULES: "daily-run" has no group'),
      },
    ]);
  });

  it('refuses a second emulator in the same state folder, and leaves the running one as it was described', () => {
    // Act
    const second = spawnSync(process.execPath, [cliBin, 'emulator'], {
      cwd: projectRoot,
      env: { ...shell, RUNBOOK_STATE_DIR: dir, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });

    // Assess: nothing started (no moto, nothing written), the first still described and answering
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`runbook: an emulator is already running at ${state.endpoint}`);
    expect(second.stdout).toBe('');
    expect(loadState(join(dir, 'emulator.json'))?.endpoint).toBe(state.endpoint);
    expect(readExportsFile(envFile)?.AWS_ENDPOINT_URL).toBe(state.endpoint);
  });

  it('exports CloudWatch through its stand-in, and its state directory', () => {
    // Act
    const exports = readExportsFile(envFile);

    // Assess
    expect(state.cloudwatchEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(state.cloudwatchEndpoint).not.toBe(state.endpoint);
    expect(exports).toMatchObject({
      AWS_ENDPOINT_URL: state.endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: state.cloudwatchEndpoint,
      RUNBOOK_STATE_DIR: dir,
    });
  });

  it('lists an alarm state the aws CLI set after sourcing the exports, with no "not read" gap', () => {
    // Act
    const set = inAnotherShell(
      `aws cloudwatch set-alarm-state --alarm-name ${alarmName} --state-value ALARM --state-reason "errors above 5% for 3 minutes"`,
    );
    const read = inAnotherShell('$RUNBOOK timeline --since 10m --json');

    // Assess
    expect(set.status, set.stderr).toBe(0);
    expect(read.status, read.stderr).toBe(0);
    expect(read.stderr).toMatch(/^runbook: target: emulator at http:\/\/127\.0\.0\.1:\d+ \(from /m);
    const timeline = JSON.parse(read.stdout) as Timeline;
    expect(timeline.entries).toContainEqual(
      expect.objectContaining({
        kind: 'alarm',
        // From whatever state moto provisioned it in
        what: expect.stringMatching(new RegExp(`^alarm ${alarmName} [A-Z_]+ → ALARM$`)),
        detail: 'errors above 5% for 3 minutes',
      }),
    );
    expect(timeline.gaps).toEqual([]);
  });

  it("has deploy-sim's CodeDeploy simulator reuse the emulator's stand-in, and leave it running", async () => {
    // Act
    const local = await localCodeDeploy(state);
    const reused = local.cloudwatchEndpoint;
    await local.stop();
    const cloudwatch = new CloudWatchClient({
      ...emulatorClientConfig(state),
      endpoint: state.cloudwatchEndpoint,
    });
    const history = await cloudwatch.send(new DescribeAlarmHistoryCommand({ AlarmName: alarmName }));
    cloudwatch.destroy();

    // Assess
    expect(reused).toBe(state.cloudwatchEndpoint);
    expect(history.AlarmHistoryItems?.length).toBeGreaterThan(0);
  });
});
