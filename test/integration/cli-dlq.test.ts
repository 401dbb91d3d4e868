// `runbook dlq`, run as an operator would: a child process with stdin that is not a terminal, against a
// running emulator (one stack for this file, test/support/emulator.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { dlqSummary, progressLine, summaryTable } from '../../cli/dlq.js';
import { runCli } from '../support/cli.js';
import { cliEmulator } from '../support/emulator.js';

const run = (args: string[]) => runCli('dlq', args);

describe('runbook dlq', () => {
  let queue: string[];

  beforeAll(async () => {
    const emulator = await cliEmulator('cli-dlq');
    queue = ['--queue', `${emulator.stackName}-WorkloadDLQ`];
  });

  it('refuses to drain without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(['drain', ...queue, '--reason', 'incident over']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('peeks in the running emulator, printing JSON on stdout (a terminal would get the summary table)', () => {
    // Act
    const { code, stdout, stderr } = run(['peek', ...queue, '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, mode: 'peek', dryRun: true, received: 0 });
    expect(dlqSummary(JSON.parse(stdout))).toMatch(/remaining in DLQ \(approx\.\)\s+0/);
  });

  it('exits 2 with the field named when the function refuses the request', () => {
    // Act
    const { code, stdout } = run([
      'drain',
      ...queue,
      '--reason',
      'incident over',
      '--rate',
      '0',
      '--dry-run',
      '--json',
    ]);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { field: 'ratePerSecond' } });
  });

  it('draws progress against the smaller of the queue depth and the limit', () => {
    // Act
    const line = progressLine(
      { received: 50, redriven: 40, failed: 2, stale: 8, filtered: 0, atStart: 100, limit: 1000 },
      10,
    );

    // Assess
    expect(line).toBe('[#####-----] 50/100  redriven 40  failed 2  stale 8  filtered 0');
    expect(summaryTable({ queue: 'q', mode: 'drain', byErrorCode: { '429': 3 } })).toContain(
      'error code 429',
    );
  });
});
