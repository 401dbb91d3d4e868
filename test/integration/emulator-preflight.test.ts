// `runbook emulator` refusing a stack whose functions would refuse their settings, run as a person runs it:
// exit 2 before moto starts, each mistake named (the parameters alone: test/unit/emulator-preflight.test.ts;
// the functions' readers over a provisioned stack: test/integration/cli-emulator.test.ts).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('runbook emulator refuses a stack its functions would refuse', () => {
  // Its own state directory: a refused start must not touch a developer's running emulator.
  const env = { ...process.env, RUNBOOK_STATE_DIR: mkdtempSync(join(tmpdir(), 'runbook-preflight-')) };

  it('exits 2 on malformed freeze windows and a watch list whose two workloads share an alias, naming each window, field and both workloads, without starting moto', () => {
    // Prepare
    const workloads = [
      { name: 'orders', functionName: 'orders-fn' },
      { name: 'payments', functionName: 'orders-fn' },
    ];

    // Act
    const { code, stdout, stderr } = runCli(
      'emulator',
      [
        '--parameter',
        'FreezeWindows=weekdays 09:25 UTC; daily 01:00-02:00 UTC ok; daily 03:00-04:00 Mars/Olympus',
        '--parameter',
        `WatchList=${JSON.stringify({ workloads })}`,
      ],
      env,
    );

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('FreezeWindows: FREEZE_WINDOWS[0].end: the window has no end');
    expect(stderr).toContain('FreezeWindows: FREEZE_WINDOWS[2].zone: unknown time zone "Mars/Olympus"');
    expect(stderr).not.toContain('FREEZE_WINDOWS[1]');
    expect(stderr).toContain(
      'WatchList: WATCH_LIST.workloads.1.functionName: orders-fn:live is already workload orders (workloads.0): workload payments cannot watch it too',
    );
    expect(stderr).not.toContain('moto at');
  });

  it('exits 2 on a parameter the template does not declare', () => {
    const { code, stderr } = runCli('emulator', ['--parameter', 'FreezeWindow=daily 01:00-02:00 UTC'], env);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown parameter FreezeWindow');
  });
});
