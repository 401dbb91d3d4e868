// The reads of rollback readiness, with aws-sdk-client-mock: the exact commands sent (and that none writes),
// and what moto does not model — SnapStart, Inactive or Failed versions, dead-letter configs, mapping lists
// that answer with the alias ARN. The happy path and a pinned mapping run against moto in
// test/integration/fleet-readiness.test.ts.
import {
  type FunctionConfiguration,
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readReadiness, readReadinessFacts } from '../../functions/fleet/readiness-read.js';

const lambda = mockClient(LambdaClient);
const deps = { lambda: new LambdaClient({}) };

const FN = 'orders';
const FN_ARN = `arn:aws:lambda:eu-west-1:123456789012:function:${FN}`;
const ROLE = 'arn:aws:iam::123456789012:role/orders-runtime';
const DLQ = 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq';
const request = { functionName: FN, alias: 'live', knownGood: '6' };

function configuration(version: string, fields: Partial<FunctionConfiguration> = {}): FunctionConfiguration {
  return {
    FunctionName: FN,
    FunctionArn: `${FN_ARN}:${version}`,
    Version: version,
    State: 'Active',
    Role: ROLE,
    DeadLetterConfig: { TargetArn: DLQ },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    ...fields,
  };
}

function esm(queue: string, qualifier: string) {
  return {
    UUID: `uuid-${queue}`,
    FunctionArn: qualifier ? `${FN_ARN}:${qualifier}` : FN_ARN,
    EventSourceArn: `arn:aws:sqs:eu-west-1:123456789012:${queue}`,
    State: 'Enabled',
  };
}

/** live → 7, versions 6 and 7 alike, one queue on the alias and nothing else. */
function estate(known: Partial<FunctionConfiguration> = {}) {
  lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '7' });
  lambda
    .on(GetFunctionCommand, { FunctionName: FN, Qualifier: '7' })
    .resolves({ Configuration: configuration('7') });
  lambda
    .on(GetFunctionCommand, { FunctionName: FN, Qualifier: '6' })
    .resolves({ Configuration: configuration('6', known) });
  lambda.on(ListEventSourceMappingsCommand).resolves({ EventSourceMappings: [] });
  lambda
    .on(ListEventSourceMappingsCommand, { FunctionName: `${FN}:live` })
    .resolves({ EventSourceMappings: [esm('orders-queue', 'live')] });
}

const sent = () =>
  lambda.calls().map((call) => ({ command: call.args[0].constructor.name, input: call.args[0].input }));
const failing = (result: Awaited<ReturnType<typeof readReadiness>>) =>
  result.checks.filter((check) => !check.ok).map((check) => [check.check, check.detail]);

describe('readReadiness', () => {
  beforeEach(() => {
    lambda.reset();
  });

  it('reads the alias, both versions and three mapping lists, in that order, and writes nothing', async () => {
    // Prepare
    estate();

    // Act
    const result = await readReadiness(deps, request);

    // Assess
    expect(result).toMatchObject({ ready: true, knownGood: '6', current: '7' });
    expect(sent()).toEqual([
      { command: 'GetAliasCommand', input: { FunctionName: FN, Name: 'live' } },
      { command: 'GetFunctionCommand', input: { FunctionName: FN, Qualifier: '7' } },
      { command: 'GetFunctionCommand', input: { FunctionName: FN, Qualifier: '6' } },
      { command: 'ListEventSourceMappingsCommand', input: { FunctionName: `${FN}:live`, MaxItems: 100 } },
      { command: 'ListEventSourceMappingsCommand', input: { FunctionName: `${FN}:7`, MaxItems: 100 } },
      { command: 'ListEventSourceMappingsCommand', input: { FunctionName: FN, MaxItems: 100 } },
    ]);
    expect(sent().every(({ command }) => /^(Get|List)[A-Za-z]+Command$/.test(command))).toBe(true);
  });

  it('reads the version once when the alias already serves the known-good one', async () => {
    // Prepare
    estate();

    // Act
    await readReadiness(deps, { ...request, knownGood: '7' });

    // Assess
    expect(lambda.commandCalls(GetFunctionCommand).map((call) => call.args[0].input)).toEqual([
      { FunctionName: FN, Qualifier: '7' },
    ]);
  });

  it('without a known-good version, reads no target and passes on the plan’s reason', async () => {
    // Prepare
    estate();

    // Act
    const result = await readReadiness(deps, {
      functionName: FN,
      alias: 'live',
      whyNoKnownGood: 'no published version below 1 to roll back to; name one with toVersion',
    });

    // Assess
    expect(lambda.commandCalls(GetFunctionCommand)).toHaveLength(1);
    expect(failing(result)).toEqual([
      [
        'known-good',
        'no known-good version: no published version below 1 to roll back to; name one with toVersion',
      ],
    ]);
  });

  it('reports a known-good version deleted since the plan as not ready, without failing', async () => {
    // Prepare
    estate();
    lambda
      .on(GetFunctionCommand, { FunctionName: FN, Qualifier: '6' })
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

    // Act
    const result = await readReadiness(deps, request);

    // Assess
    expect(failing(result)).toEqual([
      ['known-good', 'known-good version 6 no longer exists; name one with toVersion'],
    ]);
  });

  it('reads SnapStart and State from the known-good version (moto always answers Off and Active)', async () => {
    // Prepare
    estate({ State: 'Inactive', SnapStart: { ApplyOn: 'PublishedVersions', OptimizationStatus: 'On' } });

    // Act
    const result = await readReadiness(deps, request);

    // Assess
    expect(failing(result)).toEqual([
      [
        'snapstart-active',
        'version 6 is Inactive (SnapStart, not invoked for 14 days): invocations fail with SnapStartNotReadyException until it is Active again; invoke orders:6 once and wait for State Active',
      ],
    ]);
  });

  it('reads the dead-letter target of each version (moto returns none)', async () => {
    // Prepare
    estate({ DeadLetterConfig: { TargetArn: 'arn:aws:sqs:eu-west-1:123456789012:orders-dlq-old' } });

    // Act
    const result = await readReadiness(deps, request);

    // Assess
    expect(failing(result)).toEqual([
      [
        'same-dlq',
        'version 6 has queue orders-dlq-old, version 7 queue orders-dlq: after a rollback failed asynchronous events go to queue orders-dlq-old; check it still exists',
      ],
    ]);
  });

  it('treats an empty dead-letter target as none', async () => {
    // Prepare: UpdateFunctionConfiguration removes a DLQ with TargetArn "", and a version may keep that.
    estate({ DeadLetterConfig: { TargetArn: '' } });

    // Act
    const facts = await readReadinessFacts(deps, request);

    // Assess
    expect(facts.knownGoodVersion).toEqual({ version: '6', state: 'Active', snapStart: 'Off', role: ROLE });
  });

  it('places mappings by FunctionArn whatever list returned them, and counts each once', async () => {
    // Prepare: an unqualified list that also answers with qualified mappings, as a broader filter would.
    estate();
    lambda.on(ListEventSourceMappingsCommand, { FunctionName: FN }).resolves({
      EventSourceMappings: [esm('orders-queue', 'live'), esm('payments-queue', '7'), esm('audit-queue', '')],
    });

    // Act
    const result = await readReadiness(deps, request);

    // Assess
    expect(failing(result)).toEqual([
      [
        'event-sources-on-alias',
        '1 event source mapping pinned to version 7: payments-queue; 1 event source mapping on the unqualified function ($LATEST): audit-queue — an alias rollback does not move them: point them at orders:live',
      ],
    ]);
  });

  it('follows NextMarker to the last page of a mapping list', async () => {
    // Prepare
    estate();
    lambda
      .on(ListEventSourceMappingsCommand, { FunctionName: `${FN}:7`, MaxItems: 100 }, false)
      .resolves({ EventSourceMappings: [esm('a-queue', '7')], NextMarker: 'page-2' })
      .on(ListEventSourceMappingsCommand, { FunctionName: `${FN}:7`, Marker: 'page-2' }, false)
      .resolves({ EventSourceMappings: [esm('b-queue', '7')] });

    // Act
    const facts = await readReadinessFacts(deps, request);

    // Assess
    expect(facts.mappings.map((mapping) => mapping.uuid)).toEqual([
      'uuid-orders-queue',
      'uuid-a-queue',
      'uuid-b-queue',
    ]);
    expect(
      lambda.commandCalls(ListEventSourceMappingsCommand).map((call) => call.args[0].input),
    ).toContainEqual({
      FunctionName: `${FN}:7`,
      MaxItems: 100,
      Marker: 'page-2',
    });
  });

  it('says which field is wrong when the alias does not exist, and reads nothing more', async () => {
    // Prepare
    lambda
      .on(GetAliasCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }));

    // Act & Assess
    await expect(readReadiness(deps, request)).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'no alias live on function orders',
      field: 'alias',
    });
    expect(lambda.commandCalls(GetFunctionCommand)).toHaveLength(0);
    expect(lambda.commandCalls(ListEventSourceMappingsCommand)).toHaveLength(0);
  });

  it('lets a throttling error reach the caller instead of deciding from half the facts', async () => {
    // Prepare
    estate();
    lambda
      .on(ListEventSourceMappingsCommand)
      .rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));

    // Act & Assess
    await expect(readReadiness(deps, request)).rejects.toThrow('Rate exceeded');
  });
});
