// `runbook secret`, run as an operator would: a child process with stdin that is not a terminal.
import { describe, expect, it } from 'vitest';
import { SAMPLE_ROTATION_TOKEN } from '../../local/emulator/provision.js';
import { runCli } from '../support/cli.js';

const run = (args: string[]) => runCli('secret', args);

const sample = ['--secret-id', 'runbook-local-sample-api-key'];

describe('runbook secret', () => {
  it('refuses to rotate without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(['rotate', ...sample, '--emulator']);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('refuses --emergency without a reason', () => {
    // Act
    const { code, stderr } = run(['rotate', ...sample, '--emergency', '--yes', '--emulator']);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('--emergency needs --reason');
  });

  it('status shows the stages and the staged rotation, and never a value', () => {
    // Act
    const { code, stdout, stderr } = run(['status', ...sample, '--emulator', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({
      ok: true,
      name: 'runbook-local-sample-api-key',
      rotationEnabled: true,
      rotationRules: { AutomaticallyAfterDays: 30 },
      rotation: { state: 'in-progress', pendingVersionId: SAMPLE_ROTATION_TOKEN },
    });
    expect(status.nextRotationDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stdout).not.toMatch(/"(value|SecretString|apiKey)"/);
  });

  it('rotate --resume finishes the staged rotation through the four steps in-process', () => {
    // Act
    const { code, stdout, stderr } = run(['rotate', ...sample, '--resume', '--yes', '--emulator', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const answer = JSON.parse(stdout);
    expect(answer).toMatchObject({
      ok: true,
      versionId: SAMPLE_ROTATION_TOKEN,
      status: { current: SAMPLE_ROTATION_TOKEN, rotation: { state: 'idle' } },
    });
    expect(answer.steps.map((step: { step: string }) => step.step)).toEqual([
      'createSecret',
      'setSecret',
      'testSecret',
      'finishSecret',
    ]);
    expect(stdout).not.toMatch(/"(value|SecretString|apiKey)"/);
  });
});
