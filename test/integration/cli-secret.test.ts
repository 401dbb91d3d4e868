// `runbook secret`, run as an operator would: a child process with stdin that is not a terminal, against a
// running emulator (one stack for this file, test/support/emulator.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_ROTATION_TOKEN } from '../../local/emulator/provision.js';
import { runCli, runCliOnTerminal } from '../support/cli.js';
import { cliEmulator } from '../support/emulator.js';

const run = (args: string[]) => runCli('secret', args);

describe('runbook secret', () => {
  let secretName: string;
  let sample: string[];

  beforeAll(async () => {
    const emulator = await cliEmulator('cli-sec');
    secretName = `${emulator.stackName}-sample-api-key`;
    sample = ['--secret-id', secretName];
  });

  it('refuses to rotate without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(['rotate', ...sample]);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('refuses --emergency without a reason', () => {
    // Act
    const { code, stderr } = run(['rotate', ...sample, '--emergency', '--yes']);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain('--emergency needs --reason');
  });

  it('status shows the stages and the staged rotation, and never a value', () => {
    // Act
    const { code, stdout, stderr } = run(['status', ...sample, '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const status = JSON.parse(stdout);
    expect(status).toMatchObject({
      ok: true,
      name: secretName,
      rotationEnabled: true,
      rotationRules: { AutomaticallyAfterDays: 30 },
      rotation: { state: 'in-progress', pendingVersionId: SAMPLE_ROTATION_TOKEN },
    });
    expect(status.nextRotationDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(stdout).not.toMatch(/"(value|SecretString|apiKey)"/);
  });

  it('names the region when --secret-id is an ARN of another region than the one it reads', () => {
    // Act: the sample secret's ARN, as the console of eu-west-1 would show a secret of that name
    const arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${secretName}-AbCdEf`;
    const { code, stderr } = run(['status', '--secret-id', arn, '--json']);

    // Assess
    expect(code).toBe(1);
    expect(stderr).toContain(
      '--secret-id is an ARN of region eu-west-1, and this read region us-east-1: set AWS_REGION=eu-west-1',
    );
  });

  it('rotate --dry-run says what would happen to which versions, without --yes, and changes nothing', () => {
    // Prepare
    // Versions and their stages (moto answers every version's createdDate as the time it is asked).
    const stages = () =>
      JSON.parse(run(['status', ...sample, '--json']).stdout).versions.map(
        ({ versionId, stages }: { versionId: string; stages: string[] }) => ({ versionId, stages }),
      );
    const before = stages();

    // Act
    const resume = run(['rotate', ...sample, '--resume', '--dry-run', '--json']);
    const fresh = run(['rotate', ...sample, '--dry-run', '--human']);

    // Assess
    expect(resume.code, resume.stderr).toBe(0);
    expect(JSON.parse(resume.stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      wouldDo: 'resume',
      version: SAMPLE_ROTATION_TOKEN,
      steps: ['createSecret', 'setSecret', 'testSecret', 'finishSecret'],
      rotationFunction: expect.stringMatching(/:function:.*SecretRotationFunction$/),
      stagesAfter: { AWSCURRENT: SAMPLE_ROTATION_TOKEN },
    });
    // On AWS a new rotation beside the staged one is refused; moto lets it through, and the dry run says both.
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).toMatch(/^Dry run: would rotate .+ to a new version\. Nothing changed\./);
    expect(fresh.stdout).toContain('Secrets Manager refuses a new one until it is finished (--resume)');
    expect(stages()).toEqual(before);
  });

  it('on a terminal, asks with the versions that would move, and "n" changes nothing', () => {
    // Act: on a pseudo-terminal, answering n
    const { code, screen } = runCliOnTerminal('secret', ['rotate', ...sample, '--resume'], 'n');

    // Assess
    expect(code, screen).toBe(1);
    expect(screen).toContain(
      `Finish the rotation of ${secretName}: version ${SAMPLE_ROTATION_TOKEN} becomes AWSCURRENT, `,
    );
    expect(screen).toMatch(
      /becomes AWSPREVIOUS \(its key stays valid until revoked\); by \S+SecretRotationFunction\? \[y\/N\]/,
    );
    expect(screen).toContain('runbook: not confirmed; nothing changed');
    expect(run(['status', ...sample, '--json']).stdout).toContain(
      `"pendingVersionId": "${SAMPLE_ROTATION_TOKEN}"`,
    );
  });

  it('rotate --resume finishes the staged rotation through the four steps in-process', () => {
    // Act
    const { code, stdout, stderr } = run(['rotate', ...sample, '--resume', '--yes', '--json']);

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

  it('on a terminal, a revocation names the version whose key goes (after the rotation above), and "n" changes nothing', () => {
    // Prepare: the rotation above left the sample token AWSCURRENT and the first version AWSPREVIOUS
    const status = JSON.parse(run(['status', ...sample, '--json']).stdout) as {
      previous: string;
      current: string;
    };
    expect(status.current).toBe(SAMPLE_ROTATION_TOKEN);

    // Act
    const { code, screen } = runCliOnTerminal(
      'secret',
      ['revoke-previous', ...sample, '--reason', 'key leaked'],
      'n',
    );

    // Assess
    expect(code, screen).toBe(1);
    expect(screen).toContain(
      `Revoke the key of ${secretName} version ${status.previous} (AWSPREVIOUS; ${SAMPLE_ROTATION_TOKEN} stays AWSCURRENT)? `,
    );
    expect(screen.match(/runbook: target:/g)).toHaveLength(1);
    expect(screen).toContain('runbook: not confirmed; nothing changed');
  });
});
