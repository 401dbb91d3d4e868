// `runbook secret rotate --emergency` and `runbook secret revoke-previous` on an emulator whose deployment
// approves every emergency revocation (ApprovalFor=secret.revoke), run as an operator would (the compiled CLI in
// a child process), each person `--as NAME` through the emulator's API door. The vendor stand-in answers in
// this process, so the CLI runs asynchronously here (a synchronous spawn would leave the vendor mute).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { httpSecretValue, startVendor, type VendorStandIn } from '../../local/vendor.js';
import { cliBin } from '../../scripts/build-cli.js';
import { cliEmulator } from '../support/emulator.js';
import { uniqueName } from '../support/names.js';

const secrets = new SecretsManagerClient({});

function runCli(
  command: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, command, ...args], {
      cwd: projectRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('runbook secret, when an emergency revocation needs approval', { timeout: 180_000 }, () => {
  let vendor: VendorStandIn;

  let functionArn: string;

  beforeAll(async () => {
    const emulator = await cliEmulator('cli-revoke', { parameters: { ApprovalFor: 'secret.revoke' } });
    functionArn = String(emulator.state.resources.SecretRotationFunction?.attributes.Arn);
    vendor = await startVendor();
  });

  afterAll(async () => {
    await vendor?.stop();
    secrets.destroy();
  });

  /**
   * A vendor key pair under rotation (its rotation enabled as the template's RotationSchedule does, the first
   * rotation finished by `rotate --resume`); its current key's id.
   */
  async function vendorSecret() {
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('api-key'),
        SecretString: httpSecretValue(vendor, vendor.issue()),
      }),
    );
    const arn = String(ARN);
    await secrets.send(
      new RotateSecretCommand({
        SecretId: arn,
        ClientRequestToken: randomUUID(),
        RotationLambdaARN: functionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    const resumed = await runCli('secret', ['rotate', '--secret-id', arn, '--resume', '--yes', '--json']);
    expect(resumed.code, resumed.stderr).toBe(0);
    return { arn, current: await currentKeyId(arn) };
  }

  async function currentKeyId(arn: string): Promise<string> {
    const answer = await secrets.send(
      new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSCURRENT' }),
    );
    return String(JSON.parse(String(answer.SecretString)).apiKeyId);
  }

  const json = (result: { stdout: string }) => JSON.parse(result.stdout);

  it('rotate --emergency rotates, says plainly the replaced key is NOT revoked, and two others approve it', async () => {
    // Prepare: the key the emergency rotation replaces (the leaked one).
    const { arn, current: first } = await vendorSecret();

    // Act
    const rotated = await runCli('secret', [
      'rotate',
      '--secret-id',
      arn,
      '--emergency',
      '--reason',
      'key posted in #general',
      '--yes',
      '--as',
      'alice',
      '--json',
    ]);
    const answer = json(rotated);
    const approvalId = String(answer.revokedPrevious?.approvalId);
    const notYet = vendor.isActive(first);
    const bob = await runCli('approve', [approvalId, '--reason', 'checked', '--as', 'bob', '--json']);
    const carol = await runCli('approve', [approvalId, '--as', 'carol', '--json']);

    // Assess
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(answer).toMatchObject({
      ok: true,
      previousKeyRevoked: false,
      revokedPrevious: { held: true, status: 'pending', action: 'secret.revoke' },
    });
    expect(answer.note).toContain(`the replaced key ${first} is NOT yet revoked`);
    expect(rotated.stderr).toContain(`the replaced key ${first} is NOT yet revoked`);
    // Asked as alice: the approve command names another person, as it must be run
    expect(rotated.stderr).toContain(`runbook approve ${approvalId} --as NAME`);
    expect(notYet).toBe(true);
    expect(bob.code, bob.stderr).toBe(0);
    expect(carol.code, carol.stderr).toBe(0);
    expect(json(carol)).toMatchObject({
      status: 'executed',
      result: { outcome: 'revoked', apiKeyId: first },
    });
    expect(vendor.isActive(first)).toBe(false);
  });

  it('revoke-previous: a direct invocation is refused naming the route; --break-glass acts alone', async () => {
    // Prepare: a rotation, which leaves the key it replaced on AWSPREVIOUS.
    const { arn, current: first } = await vendorSecret();
    const rotated = await runCli('secret', ['rotate', '--secret-id', arn, '--yes', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const ask = [
      'revoke-previous',
      '--secret-id',
      arn,
      '--emergency',
      '--reason',
      'leaked',
      '--yes',
      '--json',
    ];

    // Act
    const direct = await runCli('secret', ask);
    const alone = await runCli('secret', [...ask, '--as', 'alice', '--break-glass', 'attacker using it now']);

    // Assess
    expect(direct.code).toBe(2);
    expect(json(direct)).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(json(direct).error.message).toContain('POST /secret/revoke-previous');
    expect(alone.code, alone.stderr).toBe(0);
    expect(json(alone)).toMatchObject({
      outcome: 'revoked',
      apiKeyId: first,
      breakGlass: { reason: 'attacker using it now' },
    });
    expect(vendor.isActive(first)).toBe(false);
  });
});
