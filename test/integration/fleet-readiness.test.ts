// Rollback readiness against the emulator: a function with two versions, an alias and SQS event source
// mappings. What moto fills: State (always Active), Role per version, event source mappings listed by the
// exact FunctionName they were created with. What it lacks, covered in test/unit/fleet-readiness-read.test.ts:
// SnapStart (always ApplyOn None, Off), DeadLetterConfig (never returned), any State but Active, and the alias
// ARN in a mapping's FunctionArn (moto records the version the alias pointed to when the mapping was made).
import {
  CreateAliasCommand,
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { readReadiness } from '../../functions/fleet/readiness-read.js';
import { ensureLambdaRole } from '../../local/moto.js';
import { uniqueName } from '../support/names.js';

const lambda = new LambdaClient({});
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });

async function queueArn(prefix: string): Promise<{ name: string; arn: string }> {
  const name = uniqueName(prefix);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { name, arn: String(Attributes?.QueueArn) };
}

describe('rollback readiness (against the emulator)', () => {
  let functionName: string;
  let role: string;

  // Versions 1 and 2 of a fresh function (moto runs no code: any bytes make a zip), live → 2, one queue on live.
  beforeEach(async () => {
    role = await ensureLambdaRole(inject('motoEndpoint'));
    functionName = uniqueName('readiness');
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('readiness') },
        Publish: true,
      }),
    );
  });

  afterAll(() => {
    lambda.destroy();
    sqs.destroy();
  });

  async function secondVersion(fields: { Role?: string } = {}) {
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Description: 'release 2',
        ...fields,
      }),
    );
    await lambda.send(new PublishVersionCommand({ FunctionName: functionName }));
    await lambda.send(
      new CreateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: '2' }),
    );
  }

  async function mapQueue(prefix: string, qualifier: string) {
    const queue = await queueArn(prefix);
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: `${functionName}:${qualifier}`,
        EventSourceArn: queue.arn,
      }),
    );
    return queue.name;
  }

  it('is ready when the only event source mapping is on the alias', async () => {
    // Prepare
    await secondVersion();
    const onAlias = await mapQueue('orders', 'live');

    // Act
    const result = await readReadiness({ lambda }, { functionName, alias: 'live', knownGood: '1' });

    // Assess
    expect(result).toMatchObject({ ready: true, knownGood: '1', current: '2' });
    expect(result.checks.find((check) => check.check === 'event-sources-on-alias')).toEqual({
      check: 'event-sources-on-alias',
      ok: true,
      detail: `1 event source mapping on live: ${onAlias}`,
    });
  });

  it('is not ready when a mapping is pinned to the live version, and names its queue', async () => {
    // Prepare
    await secondVersion();
    await mapQueue('orders', 'live');
    const pinned = await mapQueue('payments', '2');

    // Act
    const result = await readReadiness({ lambda }, { functionName, alias: 'live', knownGood: '1' });

    // Assess
    expect(result.ready).toBe(false);
    expect(result.checks.filter((check) => !check.ok)).toEqual([
      {
        check: 'event-sources-on-alias',
        ok: false,
        detail: `1 event source mapping pinned to version 2: ${pinned} — an alias rollback does not move them: point them at ${functionName}:live`,
      },
    ]);
  });

  it('is not ready when the known-good version runs as another role', async () => {
    // Prepare
    const newRole = await ensureLambdaRole(inject('motoEndpoint'), 'lambda-runbook-readiness-v2');
    await secondVersion({ Role: newRole });

    // Act
    const result = await readReadiness({ lambda }, { functionName, alias: 'live', knownGood: '1' });

    // Assess
    expect(result.checks.filter((check) => !check.ok).map((check) => check.check)).toEqual(['same-role']);
  });

  it('is not ready when the known-good version is gone', async () => {
    // Prepare
    await secondVersion();

    // Act
    const result = await readReadiness({ lambda }, { functionName, alias: 'live', knownGood: '9' });

    // Assess
    expect(result.checks.filter((check) => !check.ok)).toEqual([
      {
        check: 'known-good',
        ok: false,
        detail: 'known-good version 9 no longer exists; name one with toVersion',
      },
    ]);
  });
});
