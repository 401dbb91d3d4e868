// Who is acting, for certain (issue 18, point 1), through the real handlers against the emulator: through the
// API the actor is the SigV4 principal and a body `actor` is refused; a direct invocation's actor is recorded
// as a claim; a deployment may require the API for the actions it chooses.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { apiEvent } from '../support/api-event.js';
import { uniqueName } from '../support/names.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';

interface ApiAnswer {
  statusCode: number;
  body: string;
}

describe('who is acting (against the emulator)', { timeout: 120_000 }, () => {
  let state: EmulatorState;
  let ledger: AuditLedger;
  let group: string;
  let dlqName: string;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('identity'),
    });
    group = String(state.resources.WorkloadScheduleGroup?.ref);
    dlqName = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
  });

  const invoke = async (logicalId: string, event: unknown, env: Record<string, string> = {}) =>
    (await invokeFunction({ logicalId, event, state, envVars: { [logicalId]: env } })).result;

  const through = (route: string, body: Record<string, unknown>) => {
    const [method, path] = route.split(' ') as ['POST', string];
    return apiEvent(method, path, body, ALICE);
  };

  it.each([
    ['RollbackFunction', 'POST /rollback', { functionName: 'f', reason: 'identity test', dryRun: true }],
    ['KillSwitchFunction', 'POST /schedules/disable', { all: true, reason: 'identity test', dryRun: true }],
    ['DlqDrainerFunction', 'POST /dlq/drain', { queue: 'q', reason: 'identity test', dryRun: true }],
    ['DlqDrainerFunction', 'POST /dlq/peek', { queue: 'q', reason: 'identity test' }],
  ])(
    '%s refuses a body actor through the API (%s): the actor is the signature, never a claim',
    async (logicalId, route, body) => {
      // Act
      const answer = (await invoke(logicalId, through(route, { ...body, actor: 'root' }))) as ApiAnswer;

      // Assess
      expect(answer.statusCode).toBe(400);
      expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { field: 'actor' } });
    },
  );

  it('records the SigV4 principal as the actor of an API request', async () => {
    // Act
    const answer = (await invoke(
      'KillSwitchFunction',
      through('POST /schedules/disable', { group, all: true, reason: 'identity: api', dryRun: true }),
    )) as ApiAnswer;

    // Assess
    const body = JSON.parse(answer.body) as { auditId: string };
    expect(answer.statusCode).toBe(200);
    expect(await ledger.get(body.auditId)).toMatchObject({ actor: ALICE });
  });

  it('records a direct invocation’s actor as claimed, even one that claims to be a principal', async () => {
    // Act
    const answer = (await invoke('KillSwitchFunction', {
      actor: ALICE,
      action: 'disable',
      group,
      all: true,
      reason: 'identity: direct',
      dryRun: true,
    })) as { auditId: string };

    // Assess
    expect(await ledger.get(answer.auditId)).toMatchObject({ actor: `claimed:${ALICE}` });
  });

  it('refuses a direct disable or drain with 403 naming the route when the deployment requires the API for it, and still answers its dry run', async () => {
    // Prepare
    const env = { REQUIRE_API_FOR: 'schedules.disable,dlq.drain' };

    // Act
    const disable = (await invoke(
      'KillSwitchFunction',
      { actor: 'cli:mallory@host', action: 'disable', group, all: true, reason: 'identity: required' },
      env,
    )) as { ok: boolean; error: { code: string; message: string } };
    const drain = (await invoke(
      'DlqDrainerFunction',
      { actor: 'cli:mallory@host', queue: dlqName, reason: 'identity: required' },
      env,
    )) as { ok: boolean; error: { code: string; message: string } };
    const viaApi = (await invoke(
      'KillSwitchFunction',
      through('POST /schedules/disable', { group, all: true, reason: 'identity: api', dryRun: true }),
      env,
    )) as ApiAnswer;
    const dryRun = (await invoke(
      'KillSwitchFunction',
      { action: 'disable', group, all: true, reason: 'identity: a dry run reads only', dryRun: true },
      env,
    )) as { ok: boolean };

    // Assess
    expect(disable).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(disable.error.message).toContain('POST /schedules/disable');
    expect(drain).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(drain.error.message).toContain('POST /dlq/drain');
    expect(viaApi.statusCode).toBe(200);
    expect(dryRun).toMatchObject({ ok: true, dryRun: true });
  });
});
