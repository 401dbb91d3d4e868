// The commands README.md tells a new user to type, run as that user would: as child processes (`runbook`
// is the compiled CLI; the drill still runs through tsx).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('runbook invoke', () => {
  it('prints the health metadata as JSON with --emulator, starting and provisioning its own emulator', () => {
    // Act
    const { code, stdout, stderr } = runCli('invoke', [
      'HealthFunction',
      '-e',
      'events/apigw/health-metadata.json',
      '--emulator',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    const response = JSON.parse(stdout);
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({
      ok: true,
      status: 'ok',
      target: { status: 'ok', alias: 'live', version: '3' },
    });
    expect(body.schedules.items[0].state).toBe('ENABLED');
    // README.md shows this command; docs-commands.test.ts leaves it to this test, which also checks what that
    // file checks of every command: the target said on stderr before acting.
    expect(stderr).toMatch(/^runbook: target: a throwaway emulator at http:\/\/127\.0\.0\.1:\d+ /m);
  }, 120_000);

  it('exits 2 and prints the refusal when the function answers ok:false', () => {
    const { code, stdout } = runCli('invoke', [
      'HealthFunction',
      '-e',
      'events/direct/health-bad-action.json',
    ]);

    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { code: 'ValidationError', field: 'action' },
    });
  });

  it('exits 1 naming the known functions when the logical id does not exist', () => {
    const { code, stderr } = runCli('invoke', ['NoSuchFunction']);

    expect(code).toBe(1);
    expect(stderr).toContain('no function NoSuchFunction');
    expect(stderr).toContain('HealthFunction');
  });

  it('applies --env-vars in SAM format to the function', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runbook-'));
    const envFile = join(dir, 'env.json');
    spawnSync('sh', ['-c', `echo '{"WorkloadFunction":{"GIT_SHA":"abcdef1234567"}}' > ${envFile}`]);

    // Act
    const { code, stdout } = runCli('invoke', [
      'WorkloadFunction',
      '-e',
      'events/direct/workload-probe.json',
      '--env-vars',
      envFile,
    ]);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ runbook: 'health', gitSha: 'abcdef1234567' });
    expect(readFileSync(envFile, 'utf8')).toContain('GIT_SHA');
  });
});
