// `runbook timeline` as an operator runs it, against a running emulator: the compiled CLI, stdout not a
// terminal. The stack has the CloudWatch stand-in `runbook emulator` runs (moto has no DescribeAlarmHistory), so
// the alarm that fired before the rollback is listed before it; the deployments of the stack's CodeDeploy
// application are named as not read (none until one deploys).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeFunction } from '../../local/invoke.js';
import type { Timeline } from '../../shared/timeline/entry.js';
import { runCli } from '../support/cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';

describe('runbook timeline (against the emulator)', () => {
  let emulator: CliEmulator;
  let auditId: string;

  beforeAll(async () => {
    emulator = await cliEmulator('cli-timeline', { cloudwatch: true });
    // The alarm fires (through the stand-in, as every process pointed at `runbook emulator` reaches CloudWatch),
    // then a person rolls back.
    const cloudwatch = new CloudWatchClient({ endpoint: emulator.state.cloudwatchEndpoint, maxAttempts: 1 });
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: `${emulator.stackName}-workload-errors`,
        StateValue: 'ALARM',
        StateReason: 'errors above 5% for 3 minutes',
      }),
    );
    cloudwatch.destroy();
    const outcome = await invokeFunction({
      logicalId: 'RollbackFunction',
      event: {
        actor: 'cli:alice@ops',
        functionName: emulator.state.workload?.functionName,
        reason: 'errors since the 03:00 deploy',
      },
      state: emulator.state,
    });
    auditId = (outcome.result as { auditId: string }).auditId;
  });

  afterAll(() => emulator.stop());

  it('prints one JSON document: the alarm, then the rollback with its undo, and each source it could not read named', () => {
    // Act
    const result = runCli('timeline', ['--since', '1h']);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /^runbook: target: emulator at http:\/\/127\.0\.0\.1:\d+ .*\(read only\)$/m,
    );
    const timeline = JSON.parse(result.stdout) as Timeline;
    expect(timeline.entries).toEqual([
      expect.objectContaining({
        kind: 'alarm',
        what: expect.stringMatching(
          new RegExp(`^alarm ${emulator.stackName}-workload-errors [A-Z_]+ → ALARM$`),
        ),
        who: 'CloudWatch',
        outcome: 'ALARM',
        detail: 'errors above 5% for 3 minutes',
      }),
      expect.objectContaining({
        kind: 'action',
        what: `rollback function:${emulator.state.workload?.functionName}:live`,
        who: 'claimed:cli:alice@ops',
        outcome: 'succeeded',
        detail: 'errors since the 03:00 deploy',
        ref: auditId,
        undo: expect.stringMatching(/^runbook rollback --function .* --to-version 3 /),
      }),
    ]);
    expect(
      timeline.gaps.map((gap) => gap.source).filter((source) => source.includes('alarm history')),
    ).toEqual([]);
    expect(timeline.omitted).toBe(0);
  });

  it('writes the Markdown section to --out and answers with what it wrote', () => {
    // Prepare
    const out = join(emulator.stateDir, 'timeline.md');

    // Act
    const result = runCli('timeline', ['--since', '1h', '--format', 'markdown', '--out', out]);

    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      format: 'markdown',
      out,
      entries: 2,
      omitted: 0,
    });
    const markdown = readFileSync(out, 'utf8');
    expect(markdown).toContain('| Time (UTC) | Kind | What | Who | Outcome | Undo |');
    expect(markdown).toContain('### Actions taken, and their undo');
    expect(markdown).toContain(`(audit \`${auditId}\`)`);
    expect(markdown).toContain(`${emulator.stackName}-workload-errors`);
    expect(markdown).not.toMatch(/_Not read: CloudWatch alarm history of /);
  });

  it('prints the HTML page itself with --format html and no --out', () => {
    const result = runCli('timeline', ['--since', '1h', '--format', 'html']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^<!doctype html>/);
    expect(result.stdout).toContain(`data-ref="${auditId}"`);
  });

  it('a window before the rollback is empty', () => {
    const result = runCli('timeline', ['--since', '3h', '--until', '2h']);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as Timeline).entries).toEqual([]);
  });

  it.each([
    [
      ['--since', 'yesterday'],
      '--since yesterday: expected a duration (90m, 2h, 1d) or an ISO time with a zone',
    ],
    [['--since', '2026-11-27T13:00:00'], '--since 2026-11-27T13:00:00: expected a duration'],
    [['--since', '1h', '--until', '2h'], '--until is before --since'],
    [['--limit', '0'], '--limit must be a whole number from 1 to 2000'],
    [['--workload', 'nope'], '--workload nope: not watched (watched: workload)'],
    [
      ['--json', '--format', 'html'],
      '--json prints the timeline as JSON: with --format markdown or html, give --out FILE',
    ],
    [['--out', 'x.md'], '--out writes a document: give --format markdown or html'],
    [['--watch-list', 'missing.json'], '--watch-list missing.json: no such file'],
    [['--watch-list', 'README.md'], '--watch-list README.md: not JSON ('],
    [['--watch-list', 'package.json'], 'the watch list: (root): unknown field(s): name, version'],
  ])('refuses %j, naming what is wrong, and reads no timeline', (args, message) => {
    const result = runCli('timeline', args);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`runbook: timeline: ${message}`);
    expect(existsSync(join(emulator.stateDir, 'x.md'))).toBe(false);
  });

  it('says in its help where it reads and with whose credentials', () => {
    const result = runCli('timeline', ['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('with your own AWS credentials');
    expect(result.stdout).toContain('--stack NAME');
  });
});
