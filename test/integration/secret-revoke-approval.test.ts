// An emergency revocation of the previous key held for M-of-N approval (issue 18, point 2), through the real
// handlers against the emulator and the vendor stand-in (local/vendor.ts, which records every call): asked
// through POST /secret/revoke-previous by a signed principal, recorded as pending with its plan, approved by
// two others through the approvals routes, and carried out by ApprovalsFunction — exactly the planned key, or
// re-planned when another rotation moved the stages in between.
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { httpSecretValue, startVendor, type VendorStandIn } from '../../local/vendor.js';
import { AuditLedger } from '../../shared/audit.js';
import { type ApiAnswer, invokeApi } from '../support/api-event.js';
import { FROZEN_NOW } from '../support/freeze.js';
import { uniqueName } from '../support/names.js';
import { type OpsInbox, opsInbox } from '../support/ops-inbox.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';
const STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
const ROUTE = '/secret/revoke-previous';

const secrets = new SecretsManagerClient({});
const sqs = new SQSClient({});
const sns = new SNSClient({});

describe('an emergency key revocation held for approval', { timeout: 120_000 }, () => {
  let state: EmulatorState;
  let vendor: VendorStandIn;
  let ledger: AuditLedger;
  let opsChannel: OpsInbox;
  // The policy of these tests: every emergency revocation waits for two approvers (as `auto` does in prod).
  const env = { APPROVAL_FOR: 'secret.revoke', APPROVALS_REQUIRED: '2' };

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('revoke'),
    });
    vendor = await startVendor();
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns,
      tableName: String(state.resources.AuditTable?.ref),
    });
    // The on-call channel, as a queue subscribed to the ops topic.
    opsChannel = await opsInbox({ sqs, sns }, String(state.resources.OpsTopic?.ref), 'ops');
  });

  afterAll(async () => {
    await vendor?.stop();
    secrets.destroy();
    sqs.destroy();
    sns.destroy();
  });

  /** A vendor key pair under rotation, rotated once: its first key is now AWSPREVIOUS, in its grace period. */
  async function rotatedSecret() {
    const first = vendor.issue();
    const { ARN } = await secrets.send(
      new CreateSecretCommand({ Name: uniqueName('api-key'), SecretString: httpSecretValue(vendor, first) }),
    );
    const arn = String(ARN);
    await rotate(arn);
    const current = await value(arn, 'AWSCURRENT');
    return { arn, first, current };
  }

  /** Secrets Manager's part (moto's Lambda runs no code): stage a version, then the four steps in-process. */
  async function rotate(arn: string) {
    const token = randomUUID();
    await secrets.send(
      new RotateSecretCommand({
        SecretId: arn,
        ClientRequestToken: token,
        RotationLambdaARN: String(state.resources.SecretRotationFunction?.attributes.Arn),
        RotationRules: { AutomaticallyAfterDays: 30 },
      }),
    );
    for (const Step of STEPS) {
      const outcome = await invokeFunction({
        logicalId: 'SecretRotationFunction',
        event: { SecretId: arn, ClientRequestToken: token, Step },
        state,
      });
      expect(outcome.result).toMatchObject({ ok: true });
    }
  }

  async function value(arn: string, stage: string) {
    const answer = await secrets.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
    return { versionId: answer.VersionId, ...JSON.parse(String(answer.SecretString)) };
  }

  const api = (
    logicalId: string,
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    principal: string,
    routeKey?: string,
    more: Record<string, string> = {},
  ): Promise<ApiAnswer> =>
    invokeApi(
      state,
      logicalId,
      { method, path, body, principal, routeKey },
      {
        SecretRotationFunction: { ...env, ...more },
        ApprovalsFunction: { ...env, ...more },
      },
    );

  const askToRevoke = (arn: string, extra: Record<string, unknown> = {}, more: Record<string, string> = {}) =>
    api(
      'SecretRotationFunction',
      'POST',
      ROUTE,
      { secretId: arn, reason: 'key posted in #general', emergency: true, ...extra },
      ALICE,
      undefined,
      more,
    );
  const approve = (id: string, principal: string) =>
    api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${id}/approve`,
      { reason: 'checked the leak' },
      principal,
      'POST /approvals/{id}/approve',
    );
  const revocations = () => vendor.requests.filter((request) => request.method === 'DELETE');

  const inbox = () => opsChannel.read();

  it('holds it as pending with its plan, tells the ops topic, answers 202, and leaves the vendor key untouched', async () => {
    // Prepare
    const { arn, first } = await rotatedSecret();
    const deletes = revocations().length;

    // Act
    const asked = await askToRevoke(arn);

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toMatchObject({
      ok: true,
      held: true,
      status: 'pending',
      action: 'secret.revoke',
      required: 2,
      before: { apiKeyId: first.id },
      after: { apiKeyId: first.id, revoked: true },
    });
    expect(asked.body.needs.join(' ')).toMatch(/emergency key revocation .* grace period until/);
    expect(vendor.isActive(first.id)).toBe(true);
    expect(revocations().length).toBe(deletes);
    expect(await ledger.get(asked.body.approvalId)).toMatchObject({
      action: 'secret.revokePrevious',
      outcome: 'pending',
      actor: ALICE,
      request: { secretId: arn, emergency: true },
      before: { apiKeyId: first.id },
    });
    const told = (await inbox()).find((body) => body.auditId === asked.body.approvalId);
    expect(told).toMatchObject({ action: 'secret.revokePrevious', outcome: 'pending', actor: ALICE });
  });

  it('refuses the requester’s approval, and revokes exactly the planned key on the second distinct approval', async () => {
    // Prepare
    const { arn, first, current } = await rotatedSecret();
    const asked = await askToRevoke(arn);
    const deletes = revocations().length;

    // Act
    const own = await approve(asked.body.approvalId, ALICE);
    const one = await approve(asked.body.approvalId, BOB);
    const stillActive = vendor.isActive(first.id);
    const two = await approve(asked.body.approvalId, CAROL);

    // Assess
    expect(own.statusCode).toBe(403);
    expect(one.body).toMatchObject({ status: 'pending', approvedBy: [BOB] });
    expect(stillActive).toBe(true);
    expect(two.statusCode).toBe(200);
    expect(two.body).toMatchObject({
      status: 'executed',
      result: {
        outcome: 'revoked',
        changed: true,
        apiKeyId: first.id,
        approval: { approvedBy: [BOB, CAROL] },
      },
    });
    expect(
      revocations()
        .slice(deletes)
        .map((request) => request.path),
    ).toEqual([`/keys/${first.id}`]);
    expect(vendor.isActive(first.id)).toBe(false);
    expect(vendor.works(current.apiKey)).toBe(true);
    expect(await ledger.get(two.body.result.auditId)).toMatchObject({
      action: 'secret.revokePrevious',
      actor: ALICE,
      outcome: 'succeeded',
      approval: { approvalId: asked.body.approvalId, approvedBy: [BOB, CAROL] },
    });
  });

  it('re-plans a request whose stages moved (another rotation) instead of revoking another key', async () => {
    // Prepare
    const { arn, first, current } = await rotatedSecret();
    const asked = await askToRevoke(arn);
    await approve(asked.body.approvalId, BOB);
    // Another rotation: its createSecret revokes `first` itself (its overlap is over), and `current` becomes
    // AWSPREVIOUS: the key the approvers agreed to revoke is no longer the one a fresh plan would.
    await rotate(arn);
    const deletes = revocations().length;

    // Act
    const two = await approve(asked.body.approvalId, CAROL);

    // Assess
    expect(two.statusCode).toBe(409);
    expect(two.body.error).toMatchObject({ code: 'StalePlan', field: 'id' });
    const replanned = /re-planned as (\S+),/.exec(two.body.error.message)?.[1] as string;
    expect(await ledger.get(replanned)).toMatchObject({
      outcome: 'pending',
      before: { apiKeyId: current.apiKeyId },
      details: { replans: asked.body.approvalId },
    });
    expect(revocations().length).toBe(deletes);
    expect(vendor.isActive(current.apiKeyId)).toBe(true);
    expect(vendor.isActive(first.id)).toBe(false);
  });

  it('lets the requester act alone with break-glass: revoked at once, recorded and notified as such', async () => {
    // Prepare
    const { arn, first } = await rotatedSecret();
    await inbox();
    const breakGlass = { reason: 'the key is being used by an attacker now' };

    // Act
    const acted = await askToRevoke(arn, { breakGlass });

    // Assess
    expect(acted.statusCode).toBe(200);
    expect(acted.body).toMatchObject({ outcome: 'revoked', apiKeyId: first.id, breakGlass });
    expect(vendor.isActive(first.id)).toBe(false);
    expect(await ledger.get(acted.body.auditId)).toMatchObject({
      actor: ALICE,
      outcome: 'succeeded',
      breakGlass,
    });
    const told = (await inbox()).find((body) => body.auditId === acted.body.auditId);
    expect(told).toMatchObject({ breakGlass });
  });

  it('refuses a direct invocation that needs approval with 403 naming the route, revoking nothing', async () => {
    // Prepare
    const { arn, first } = await rotatedSecret();

    // Act
    const outcome = await invokeFunction({
      logicalId: 'SecretRotationFunction',
      event: { actor: 'alice', action: 'revokePrevious', secretId: arn, reason: 'leaked', emergency: true },
      state,
      envVars: { SecretRotationFunction: env },
    });

    // Assess
    expect(outcome.exitCode).toBe(2);
    expect(outcome.result).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(JSON.stringify(outcome.result)).toContain('POST /secret/revoke-previous');
    expect(vendor.isActive(first.id)).toBe(true);
  });

  it('never holds a revocation after the grace period, nor the daily sweep', async () => {
    // Prepare
    const graceOver = { PREVIOUS_KEY_GRACE_HOURS: '0' };
    const viaApi = await rotatedSecret();
    const swept = await rotatedSecret();

    // Act
    const asked = await askToRevoke(viaApi.arn, { emergency: false }, graceOver);
    const emergencyAfterGrace = await askToRevoke(viaApi.arn, {}, graceOver);
    const sweep = await invokeFunction({
      logicalId: 'SecretRotationFunction',
      event: { action: 'revokePrevious', sweep: true, secretId: swept.arn, reason: 'scheduled sweep' },
      state,
      envVars: { SecretRotationFunction: { ...env, ...graceOver } },
    });

    // Assess
    expect(asked.statusCode).toBe(200);
    expect(asked.body).toMatchObject({ outcome: 'revoked', apiKeyId: viaApi.first.id, emergency: false });
    expect(emergencyAfterGrace.statusCode).toBe(200);
    expect(emergencyAfterGrace.body).toMatchObject({ outcome: 'already-gone' });
    expect(sweep.result).toMatchObject({ ok: true, outcome: 'revoked', apiKeyId: swept.first.id });
  });

  it('holds one asked through the API during a freeze, and the approved one passes the freeze', async () => {
    // Prepare
    const frozen = { FREEZE_WINDOWS: FROZEN_NOW(), APPROVAL_FOR: 'none' };
    const { arn, first } = await rotatedSecret();

    // Act
    const asked = await askToRevoke(arn, {}, frozen);
    await api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${asked.body.approvalId}/approve`,
      undefined,
      BOB,
      'POST /approvals/{id}/approve',
      frozen,
    );
    const two = await api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${asked.body.approvalId}/approve`,
      undefined,
      CAROL,
      'POST /approvals/{id}/approve',
      frozen,
    );

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(asked.body.needs.join(' ')).toContain('change freeze');
    expect(two.body).toMatchObject({
      status: 'executed',
      result: { outcome: 'revoked', apiKeyId: first.id },
    });
    expect(vendor.isActive(first.id)).toBe(false);
  });

  it('refuses an actor in the body, naming it: through the API the actor is the signature', async () => {
    // Prepare
    const { arn, first } = await rotatedSecret();

    // Act
    const answer = await askToRevoke(arn, { actor: 'someone-else' });

    // Assess
    expect(answer.statusCode).toBe(400);
    expect(answer.body.error.field).toBe('actor');
    expect(vendor.isActive(first.id)).toBe(true);
  });
});
