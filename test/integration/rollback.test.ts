// The rollback handler against the emulator: real versions, aliases, weights and ledger records (moto enforces
// neither RevisionId nor has CodeDeploy's StopDeployment: those are in test/unit/rollback.test.ts).

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { uniqueName } from '../support/names.js';

const lambda = new LambdaClient({});

interface Result {
  ok: boolean;
  fromVersion: string;
  toVersion: string;
  chosenBy: string;
  changed: boolean;
  clearedWeights: Record<string, number>;
  auditId: string;
  undo: string | null;
  heldByCooldown?: { auditId: string };
  error?: { code: string; field?: string };
}

describe('rollback (against the emulator)', () => {
  let state: EmulatorState;
  let functionName: string;

  // A fresh stack per test: its own workload (versions 1, 2, 3; live -> 3) and its own empty ledger.
  beforeEach(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('rollback'),
    });
    functionName = String(state.workload?.functionName);
  });

  afterAll(() => lambda.destroy());

  async function rollback(fields: Record<string, unknown>, env: Record<string, string> = {}) {
    const outcome = await invokeFunction({
      logicalId: 'RollbackFunction',
      event: { actor: 'cli:test@ci', functionName, reason: 'integration test', ...fields },
      state,
      envVars: { RollbackFunction: env },
    });
    return outcome.result as Result;
  }

  async function live() {
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: 'live' }));
    return { version: alias.FunctionVersion, weights: alias.RoutingConfig?.AdditionalVersionWeights ?? {} };
  }

  it('moves live from 3 back to 2, records it in the ledger, and a second rollback is a no-op', async () => {
    // Act
    const first = await rollback({});
    const second = await rollback({});

    // Assess
    expect(first).toMatchObject({
      ok: true,
      fromVersion: '3',
      toVersion: '2',
      chosenBy: 'previous-published',
      changed: true,
    });
    expect(first.undo).toBe(
      `runbook rollback --function ${functionName} --alias live --to-version 3 --reason 'undo rollback ${first.auditId}' --force`,
    );
    expect(await live()).toEqual({ version: '2', weights: {} });
    expect(second).toMatchObject({
      ok: true,
      toVersion: '2',
      chosenBy: 'already-rolled-back',
      changed: false,
      undo: null,
    });
    const ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
    const records = await ledger.list({ target: `function:${functionName}:live` });
    expect(records.map((record) => record.outcome)).toEqual(['unchanged', 'succeeded']);
    expect(records[1]).toMatchObject({
      auditId: first.auditId,
      actor: 'claimed:cli:test@ci',
      before: { version: '3', routing: {} },
      after: { version: '2', routing: {} },
      undo: first.undo,
    });
  });

  it('mid-canary, keeps the primary version and clears the weights', async () => {
    // Prepare: 2 serves 90%, 3 gets 10%.
    await lambda.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: 'live',
        FunctionVersion: '2',
        RoutingConfig: { AdditionalVersionWeights: { '3': 0.1 } },
      }),
    );

    // Act
    const result = await rollback({});

    // Assess
    expect(result).toMatchObject({
      toVersion: '2',
      chosenBy: 'canary-primary',
      clearedWeights: { '3': 0.1 },
      changed: true,
    });
    expect(await live()).toEqual({ version: '2', weights: {} });
  });

  it('finds the version built from a git sha, by its description', async () => {
    // Prepare
    const first = state.workload?.versions[0];

    // Act
    const result = await rollback({ toGitSha: first?.gitSha.slice(0, 10) });

    // Assess
    expect(result).toMatchObject({ toVersion: '1', chosenBy: 'toGitSha', changed: true });
    expect((await live()).version).toBe('1');
  });

  it('after an undo, a new rollback goes back to where the first one went', async () => {
    // Act
    const first = await rollback({});
    const undo = await rollback({
      toVersion: first.fromVersion,
      force: true,
      reason: `undo ${first.auditId}`,
    });
    const again = await rollback({ force: true });

    // Assess
    expect(undo).toMatchObject({ toVersion: '3', chosenBy: 'toVersion', changed: true });
    expect(again).toMatchObject({ toVersion: '2', chosenBy: 'ledger', changed: true });
    expect((await live()).version).toBe('2');
  });

  it('refuses a person’s rollback within the cool-down of the last one unless forced', async () => {
    // Prepare: rolled back to 2; then someone put 3 back without the runbook.
    await rollback({});
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: '3' }),
    );

    // Act
    const refused = await rollback({});

    // Assess
    expect(refused).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'force' } });
    expect((await live()).version).toBe('3');
  });

  it('holds to the cool-down of a rollback followed by more dry runs than the history it reads', async () => {
    // Prepare: rolled back to 2; then a dry run, recorded as every action is, and 55 more of its record (more
    // than the 50 the plan reads), newer, written as it wrote its own; then someone put 3 back by hand.
    const first = await rollback({});
    const plan = await rollback({ dryRun: true });
    const tableName = String(state.resources.AuditTable?.ref);
    const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const { Item: recorded } = await doc.send(
      new GetCommand({ TableName: tableName, Key: { auditId: plan.auditId }, ConsistentRead: true }),
    );
    for (let i = 1; i <= 55; i++) {
      const at = new Date(Date.parse(String(recorded?.at)) + i).toISOString();
      await doc.send(
        new PutCommand({ TableName: tableName, Item: { ...recorded, auditId: `${plan.auditId}-${i}`, at } }),
      );
    }
    doc.destroy();
    await lambda.send(
      new UpdateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: '3' }),
    );

    // Act
    const refused = await rollback({});

    // Assess: the cool-down of the real rollback still holds; without force nothing moved.
    expect(first).toMatchObject({ ok: true, changed: true });
    expect(recorded).toMatchObject({ action: 'rollback', dryRun: true });
    expect(refused).toMatchObject({ ok: false, error: { code: 'Conflict', field: 'force' } });
    expect((await live()).version).toBe('3');
  });

  it('dry run leaves the alias alone, and a cool-down of 0 lets a second rollback through', async () => {
    // Act
    const plan = await rollback({ dryRun: true });
    const after = await live();
    await rollback({});
    const next = await rollback({ toVersion: '1' }, { ROLLBACK_COOLDOWN_MINUTES: '0' });

    // Assess
    expect(plan).toMatchObject({ ok: true, dryRun: true, changed: false, toVersion: '2' });
    expect(after).toEqual({ version: '3', weights: {} });
    expect(next).toMatchObject({ ok: true, toVersion: '1', changed: true });
  });

  it('names the field for a missing version, an unknown alias, and a function it does not watch', async () => {
    // Act
    const missing = await rollback({ toVersion: '9' });
    const alias = await rollback({ alias: 'blue' });
    const other = await rollback({ functionName: 'someone-elses-function' });

    // Assess
    expect(missing).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'toVersion' } });
    expect(alias).toMatchObject({ ok: false, error: { code: 'NotFound', field: 'alias' } });
    expect(other).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'functionName' } });
    expect(await live()).toEqual({ version: '3', weights: {} });
  });

  it('treats a CodeDeploy application that does not exist as no deployment in flight', async () => {
    // Act
    const result = await rollback({}, { CODEDEPLOY_APPLICATION: uniqueName('no-such-app') });

    // Assess
    expect(result).toMatchObject({ ok: true, toVersion: '2', changed: true });
  });
});
