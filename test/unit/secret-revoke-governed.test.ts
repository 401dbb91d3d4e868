// The approval gate of the previous key's revocation (issue 18): when an emergency revocation needs approval
// (pure rules), what the held request records, the API door's body, and the exact calls of a held request
// through POST /secret/revoke-previous (reads, the pending state and record, the notice — never the vendor).
// The whole flow against moto and the vendor stand-in is test/integration/secret-revoke-approval.test.ts.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { revokeGoverned } from '../../functions/secret-rotation/governed.js';
import { handler } from '../../functions/secret-rotation/handler.js';
import type { RevokePlan } from '../../functions/secret-rotation/revoke.js';
import { revokeBody } from '../../functions/secret-rotation/schema.js';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { ValidationError } from '../../shared/errors.js';
import { apiEvent } from '../support/api-event.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:trading-api-key-AbCdEf';
const CURRENT = 'a1b2c3d4-0000-4000-8000-000000000001';
const PREVIOUS = 'a1b2c3d4-0000-4000-8000-000000000002';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';

function plan(fields: Partial<RevokePlan> = {}): RevokePlan {
  return {
    request: {
      action: 'revokePrevious',
      secretId: ARN,
      reason: 'key leaked',
      emergency: true,
      sweep: false,
      dryRun: false,
    },
    origin: { door: 'api', actor: ALICE, correlationId: 'c-1' },
    auditId: '20261122T154501123Z-3fa9c2d1',
    dryRun: false,
    arn: ARN,
    name: 'trading-api-key',
    stages: { [PREVIOUS]: ['AWSPREVIOUS'], [CURRENT]: ['AWSPENDING', 'AWSCURRENT'] },
    what: { versionId: PREVIOUS, apiKeyId: 'key_old' },
    early: { graceUntil: '2026-11-23T15:45:01.000Z' },
    ...fields,
  };
}

describe('when a revocation of the previous key needs approval', () => {
  const listed = approvalPolicy({ APPROVAL_FOR: 'secret.revoke' });

  it('needs it for an emergency inside the grace period when the policy lists secret.revoke', () => {
    expect(revokeGoverned.needs(plan(), listed)).toEqual([
      'this deployment approves every emergency key revocation (ApprovalFor): key key_old is in its grace period until 2026-11-23T15:45:01.000Z',
    ]);
  });

  it('needs it by default in prod, not in dev', () => {
    expect(revokeGoverned.needs(plan(), approvalPolicy({ RUNBOOK_ENV: 'prod' }))).toHaveLength(1);
    expect(revokeGoverned.needs(plan(), approvalPolicy({ RUNBOOK_ENV: 'dev' }))).toEqual([]);
  });

  it('never needs it after the grace period (no early revocation), whatever the policy', () => {
    expect(revokeGoverned.needs(plan({ early: undefined }), listed)).toEqual([]);
  });

  it('needs it for a freeze asked through the API, whatever the policy', () => {
    const frozen = plan({ early: undefined, frozen: 'change freeze: revoking … is refused until …' });
    expect(revokeGoverned.needs(frozen, approvalPolicy({ APPROVAL_FOR: 'none' }))).toEqual([
      'change freeze: revoking … is refused until …',
    ]);
  });

  it('records the stages (labels sorted) and the key to revoke, so that another rotation makes it stale', () => {
    // Act
    const described = revokeGoverned.describe(plan());

    // Assess
    expect(described).toMatchObject({
      action: 'secret.revokePrevious',
      target: 'secret:trading-api-key',
      before: {
        stages: { [CURRENT]: ['AWSCURRENT', 'AWSPENDING'], [PREVIOUS]: ['AWSPREVIOUS'] },
        versionId: PREVIOUS,
        apiKeyId: 'key_old',
      },
      after: { versionId: PREVIOUS, apiKeyId: 'key_old', revoked: true },
    });
  });
});

describe('POST /secret/revoke-previous body', () => {
  it('is the request without action: the route says it', () => {
    expect(revokeBody({ secretId: ARN, reason: 'leaked' })).toEqual({
      secretId: ARN,
      reason: 'leaked',
      action: 'revokePrevious',
    });
  });

  it.each([
    [{ action: 'rotate' }, 'action'],
    [{ sweep: true }, 'sweep'],
    [[1], 'body'],
  ])('refuses %o naming %s', (body, field) => {
    expect(() => revokeBody(body)).toThrow(ValidationError);
    try {
      revokeBody(body);
    } catch (error) {
      expect((error as ValidationError).field).toBe(field);
    }
  });
});

describe('a held emergency revocation through the API', () => {
  const secrets = mockClient(SecretsManagerClient);
  const dynamo = mockClient(DynamoDBDocumentClient);
  const sns = mockClient(SNSClient);
  const fetchSpy = vi.fn(async () => new Response(null, { status: 204 }));
  let restore: () => void;

  beforeEach(() => {
    secrets.reset();
    dynamo.reset();
    sns.reset();
    fetchSpy.mockClear();
    vi.stubGlobal('fetch', fetchSpy);
    restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      APPROVAL_FOR: 'secret.revoke',
    });
    secrets.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'trading-api-key',
      LastRotatedDate: new Date(),
      VersionIdsToStages: { [CURRENT]: ['AWSCURRENT'], [PREVIOUS]: ['AWSPREVIOUS'] },
    });
    const doc = (apiKeyId: string, apiKey: string) =>
      JSON.stringify({ provider: 'http', apiKeyId, apiKey, baseUrl: 'https://api.vendor.example' });
    secrets
      .on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSCURRENT' })
      .resolves({ ARN, VersionId: CURRENT, SecretString: doc('key_new', 'vk_new') });
    secrets
      .on(GetSecretValueCommand, { SecretId: ARN, VersionStage: 'AWSPREVIOUS' })
      .resolves({ ARN, VersionId: PREVIOUS, SecretString: doc('key_old', 'vk_old') });
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  afterEach(() => {
    restore();
    vi.unstubAllGlobals();
  });

  it('reads, records the pending state and request, tells the ops topic, answers 202, and calls no vendor', async () => {
    // Prepare
    const event = apiEvent(
      'POST',
      '/secret/revoke-previous',
      { secretId: ARN, reason: 'key leaked', emergency: true },
      ALICE,
    );

    // Act
    const answer = (await handler(event, lambdaContext())) as { statusCode: number; body: string };

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(answer.body)).toMatchObject({ held: true, action: 'secret.revoke', required: 2 });
    expect(secrets.commandCalls(DescribeSecretCommand).map((call) => call.args[0].input)).toEqual([
      { SecretId: ARN },
    ]);
    const puts = dynamo.commandCalls(PutCommand).map((call) => call.args[0].input.Item);
    // The plan's open-request key (a second ask answers this request), the request's state, its record.
    expect(puts).toHaveLength(3);
    expect(String(puts[0]?.auditId)).toMatch(/^approval-open#/);
    expect(puts[1]).toMatchObject({ status: 'pending', forAction: 'secret.revoke', requester: ALICE });
    expect(puts[2]).toMatchObject({ action: 'secret.revokePrevious', outcome: 'pending', actor: ALICE });
    expect(JSON.stringify(puts)).not.toContain('vk_');
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
