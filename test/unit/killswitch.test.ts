// What moto cannot prove (UpdateSchedule's full input and its ClientToken: moto ignores the token and never
// resets ActionAfterCompletion on update), throttling retries, the doors, and bad input, driven with
// aws-sdk-client-mock. The estate round trips run against moto in test/integration/killswitch*.test.ts.

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  type GetScheduleCommandOutput,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  ResourceNotFoundException,
  SchedulerClient,
  ThrottlingException,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithIAMAuthorizer, SNSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { killSwitchConfig } from '../../functions/killswitch/config.js';
import { clientToken, definitionOf, updateInput } from '../../functions/killswitch/definition.js';
import { handler } from '../../functions/killswitch/handler.js';
import { disable, enable, type KillSwitchDeps, status } from '../../functions/killswitch/killswitch.js';
import { DEFAULT_RATE_PER_SECOND, killSwitchRequestSchema } from '../../functions/killswitch/schema.js';
import { AuditLedger } from '../../shared/audit.js';
import type { Clock } from '../../shared/rate.js';
import { THROTTLE_ACTION } from '../../shared/throttle-windows.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { sampleEvent } from './support/events.js';
import { fakeLedger as sharedFakeLedger, memoryLedger as sharedMemoryLedger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const scheduler = mockClient(SchedulerClient);
const lambda = mockClient(LambdaClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

const GROUP = 'trading-workload';
const NOW = new Date('2026-11-22T03:10:00.000Z');

/** Every field GetSchedule can answer, as the SDK parses it. */
function schedule(name: string, fields: Partial<GetScheduleCommandOutput> = {}): GetScheduleCommandOutput {
  return {
    $metadata: {},
    Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${GROUP}/${name}`,
    Name: name,
    GroupName: GROUP,
    ScheduleExpression: 'cron(35 9 ? * MON-FRI *)',
    ScheduleExpressionTimezone: 'America/New_York',
    StartDate: new Date('2027-01-04T00:00:00.000Z'),
    EndDate: new Date('2028-12-31T00:00:00.000Z'),
    Description: 'Daily trading run',
    State: 'ENABLED',
    KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ActionAfterCompletion: 'NONE',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
    CreationDate: new Date('2026-01-01T00:00:00.000Z'),
    LastModificationDate: new Date('2026-06-01T00:00:00.000Z'),
    Target: {
      Arn: 'arn:aws:ecs:us-east-1:123456789012:cluster/trading',
      RoleArn: 'arn:aws:iam::123456789012:role/workload-scheduler',
      Input: '{"job":"daily-trading"}',
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:schedule-dlq' },
      EcsParameters: {
        TaskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/trading:7',
        TaskCount: 1,
        LaunchType: 'FARGATE',
        NetworkConfiguration: {
          awsvpcConfiguration: {
            Subnets: ['subnet-1'],
            SecurityGroups: ['sg-1'],
            AssignPublicIp: 'DISABLED',
          },
        },
        Tags: [{ team: 'trading' }],
      },
    },
    ...fields,
  };
}

/** A clock whose sleeps advance time at once: no real waiting in the pacing or the backoff. */
function virtualClock(): Clock {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms) => {
      time += Math.max(0, ms);
    },
  };
}

const fakeLedger = () => sharedFakeLedger({ at: NOW.toISOString() });
const memoryLedger = () => sharedMemoryLedger(NOW);

function deps(ledger: KillSwitchDeps['ledger'] = fakeLedger()): KillSwitchDeps {
  return {
    scheduler: new SchedulerClient({}),
    lambda: new LambdaClient({}),
    ledger,
    logger: { info: () => undefined, warn: () => undefined },
    now: () => NOW,
    config: { scheduleGroups: [GROUP], ratePerSecond: DEFAULT_RATE_PER_SECOND, concurrency: 4 },
    clock: virtualClock(),
  };
}

const origin = { door: 'direct' as const, actor: 'cli:alice@laptop', correlationId: 'req-1' };
const request = (fields: Record<string, unknown>) =>
  killSwitchRequestSchema.parse({ reason: 'orders rejected since 03:02', ...fields });

beforeEach(() => {
  scheduler.reset();
  lambda.reset();
  dynamo.reset();
  sns.reset();
});

describe('definitionOf and updateInput', () => {
  it('send back every field GetSchedule answered, with only State changed and the derived ClientToken', () => {
    // Prepare
    const answer = schedule('daily');
    const token = clientToken('ks-20261122T031000000Z-0a1b2c3d', GROUP, 'daily', 'DISABLED');

    // Act
    const input = updateInput(definitionOf(answer, GROUP), 'DISABLED', token);

    // Assess: UpdateSchedule resets any field left out
    // (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_UpdateSchedule.html).
    const { $metadata: _m, Arn: _a, CreationDate: _c, LastModificationDate: _l, ...fields } = answer;
    expect(input).toEqual({ ...fields, State: 'DISABLED', ClientToken: token });
    expect(token).toMatch(/^[a-f0-9]{64}$/);
    expect(clientToken('ks-20261122T031000000Z-0a1b2c3d', GROUP, 'daily', 'ENABLED')).not.toBe(token);
  });

  it('leaves out what GetSchedule did not answer (moto answers null) rather than sending an empty value', () => {
    // Prepare
    const answer = schedule('bare', {
      Description: undefined,
      KmsKeyArn: null as never,
      ActionAfterCompletion: undefined,
      StartDate: undefined,
      EndDate: undefined,
    });

    // Act
    const input = updateInput(definitionOf(answer, GROUP), 'ENABLED', 't');

    // Assess
    expect(Object.keys(input).sort()).toEqual(
      [
        'ClientToken',
        'FlexibleTimeWindow',
        'GroupName',
        'Name',
        'ScheduleExpression',
        'ScheduleExpressionTimezone',
        'State',
        'Target',
      ].sort(),
    );
  });
});

/**
 * The real audit ledger over a table kept in memory (PutCommand, GetCommand, and QueryCommand on the byTarget and
 * byAction indexes, newest first): what the ledger writes, sizes and pages is what the kill switch then reads.
 */
function tableLedger() {
  const items = new Map<string, Record<string, unknown>>();
  let tick = 0;
  dynamo.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
    items.set(String(input.Item.auditId), structuredClone(input.Item));
    return {};
  });
  dynamo
    .on(GetCommand)
    .callsFake((input: { Key: { auditId: string } }) => ({ Item: items.get(input.Key.auditId) }));
  dynamo
    .on(QueryCommand)
    .callsFake((input: { IndexName: string; ExpressionAttributeValues: Record<string, unknown> }) => {
      const key = input.IndexName === 'byTarget' ? 'target' : 'action';
      return {
        Items: [...items.values()]
          .filter((item) => item[key] === input.ExpressionAttributeValues[':v'])
          .sort((a, b) => String(b.at).localeCompare(String(a.at))),
      };
    });
  sns.on(PublishCommand).resolves({});
  const ledger = new AuditLedger({
    dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
    sns: new SNSClient({}),
    tableName: 'audit',
    // Distinct, increasing times: records of one run sort in the order they were written.
    now: () => new Date(NOW.getTime() + tick++),
  });
  return { items, ledger };
}

describe('kill switch at scale: bounded answers and records', () => {
  it('2,301 denied writes: answers the denials, counted and listed in pages, instead of failing after acting', async () => {
    // Prepare
    const { items, ledger } = tableLedger();
    const names = Array.from({ length: 2_301 }, (_, i) => `job-${String(i).padStart(4, '0')}`);
    scheduler.on(GetScheduleGroupCommand).resolves({ Name: GROUP });
    scheduler.on(ListSchedulesCommand).callsFake((input: { NextToken?: string }) => {
      const start = Number(input.NextToken ?? 0);
      return {
        Schedules: names
          .slice(start, start + 100)
          .map((Name) => ({ Name, GroupName: GROUP, State: 'ENABLED' })),
        ...(start + 100 < names.length ? { NextToken: String(start + 100) } : {}),
      };
    });
    scheduler.on(GetScheduleCommand).callsFake((input: { Name: string }) => schedule(input.Name));
    scheduler.on(UpdateScheduleCommand).rejects(
      Object.assign(
        new Error('User is not authorized to perform: scheduler:UpdateSchedule on this resource'),
        {
          name: 'AccessDeniedException',
          $metadata: { httpStatusCode: 403 },
        },
      ),
    );

    // Act
    const result = await disable(
      deps(ledger),
      request({ action: 'disable', group: GROUP, all: true }),
      origin,
    );
    const pages = await Promise.all(
      [1, 2, 3].map((page) =>
        status(deps(ledger), request({ action: 'status', auditId: result.auditId, page })),
      ),
    );

    // Assess: counts, the first 100 denials, and where the rest are.
    expect(result.counts).toEqual({ selected: 2_301, failed: 2_301 });
    expect(result.restoreId).toMatch(/^ks-/);
    expect(result.schedules).toHaveLength(100);
    expect(result.schedules[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringContaining('not authorized'),
    });
    expect(result.fullList).toEqual({
      total: 2_301,
      shown: 100,
      auditId: result.auditId,
      command: `runbook schedules status --audit-id ${result.auditId}`,
    });
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(64 * 1024);
    // Every item the ledger wrote fits DynamoDB's 400 KB, and the pages hold every denial.
    for (const item of items.values())
      expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    const listed = pages.flatMap(
      (page) => (page as { schedules: { name: string; outcome: string }[] }).schedules,
    );
    expect(listed.map((item) => item.name)).toEqual(names);
    expect(listed.every((item) => item.outcome === 'failed')).toBe(true);
    expect(pages.map((page) => (page as { next?: number }).next)).toEqual([2, 3, undefined]);
  });
});

describe('disable', () => {
  it('sends each enabled schedule back whole, DISABLED, with its token, and leaves a disabled one alone', async () => {
    // Prepare
    const ledger = fakeLedger();
    scheduler.on(GetScheduleGroupCommand).resolves({ Name: GROUP });
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'daily', GroupName: GROUP },
        { Name: 'paused', GroupName: GROUP },
      ],
    });
    scheduler.on(GetScheduleCommand, { Name: 'daily' }).resolves(schedule('daily'));
    scheduler.on(GetScheduleCommand, { Name: 'paused' }).resolves(schedule('paused', { State: 'DISABLED' }));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    // Act
    const result = await disable(
      deps(ledger),
      request({ action: 'disable', group: GROUP, all: true }),
      origin,
    );

    // Assess
    const restoreId = String(result.restoreId);
    expect(result.counts).toEqual({ selected: 2, disabled: 1, 'already-disabled': 1 });
    const updates = scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input);
    expect(updates).toEqual([
      updateInput(
        definitionOf(schedule('daily'), GROUP),
        'DISABLED',
        clientToken(restoreId, GROUP, 'daily', 'DISABLED'),
      ),
    ]);
    // The snapshot is written before the first UpdateSchedule, and holds the definition with its state.
    expect(ledger.records.map((r) => r.action)).toEqual([
      'schedules.killswitch',
      'schedules.snapshot',
      'schedules.disable',
    ]);
    const snapshot = ledger.records[1]?.details as {
      schedules: { name: string; definition: { State: string } }[];
    };
    expect(snapshot.schedules.map((s) => [s.name, s.definition.State])).toEqual([
      ['daily', 'ENABLED'],
      ['paused', 'DISABLED'],
    ]);
  });

  it('retries a throttled UpdateSchedule with backoff instead of failing the schedule', async () => {
    // Prepare
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler
      .on(UpdateScheduleCommand)
      .rejectsOnce(
        new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} }),
      )
      .resolves({ ScheduleArn: 'arn' });

    // Act
    const result = await disable(
      deps(),
      request({ action: 'disable', schedules: [{ name: 'daily', group: GROUP }] }),
      origin,
    );

    // Assess
    expect(result.counts).toEqual({ selected: 1, disabled: 1 });
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(2);
  });

  it('enable sends the definition back whole with State ENABLED and its own token, and removes a concurrency that was not there', async () => {
    // Prepare: disabled (and throttled) by the kill switch; nothing else changed since.
    const ledger = memoryLedger();
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    lambda.on(GetFunctionConcurrencyCommand).resolves({});
    lambda.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });
    lambda.on(DeleteFunctionConcurrencyCommand).resolves({});
    const target = [{ name: 'daily', group: GROUP }];
    const off = await disable(
      deps(ledger as never),
      request({ action: 'disable', schedules: target, functionName: 'trading', throttle: true }),
      origin,
    );
    scheduler.reset();
    lambda.reset();
    scheduler.on(GetScheduleCommand).resolves(schedule('daily', { State: 'DISABLED' }));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });
    lambda.on(DeleteFunctionConcurrencyCommand).resolves({});

    // Act
    const on = await enable(
      deps(ledger as never),
      request({ action: 'enable', restoreId: off.restoreId }),
      origin,
    );

    // Assess
    const restoreId = String(off.restoreId);
    expect(on).toMatchObject({ changed: true, closed: true, counts: { enabled: 1 } });
    expect(scheduler.commandCalls(UpdateScheduleCommand).map((call) => call.args[0].input)).toEqual([
      updateInput(
        definitionOf(schedule('daily'), GROUP),
        'ENABLED',
        clientToken(restoreId, GROUP, 'daily', 'ENABLED'),
      ),
    ]);
    expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'trading',
    });
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(on.throttle).toMatchObject({ recorded: null, current: null, outcome: 'restored' });
    expect(ledger.records.map((r) => r.action)).toEqual([
      'schedules.killswitch',
      'schedules.snapshot',
      'killswitch.throttle',
      'schedules.disable',
      'killswitch.unthrottle',
      'schedules.enable',
      'schedules.killswitch',
    ]);
  });

  it('stops cleanly before the timeout: what is left is skipped, recorded, and a re-run finishes it', async () => {
    // Prepare: time runs out after the first UpdateSchedule.
    const ledger = fakeLedger();
    scheduler.on(GetScheduleCommand).callsFake((input: { Name: string }) => schedule(input.Name));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    const value = {
      ...deps(ledger),
      config: { scheduleGroups: [GROUP], ratePerSecond: DEFAULT_RATE_PER_SECOND, concurrency: 1 },
      remainingMs: () => (scheduler.commandCalls(UpdateScheduleCommand).length >= 1 ? 4_000 : 60_000),
    };
    const names = ['a', 'b', 'c'].map((name) => ({ name, group: GROUP }));

    // Act
    const result = await disable(value, request({ action: 'disable', schedules: names }), origin);

    // Assess
    expect(result.counts).toEqual({ selected: 3, disabled: 1, skipped: 2 });
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(1);
    expect(result.warnings.join(' ')).toContain('run the same request again');
    expect(ledger.records.at(-1)).toMatchObject({ action: 'schedules.disable', outcome: 'failed' });
  });

  it('records the reserved concurrency, sets it to 0, and writes the throttle window for the DLQ drainer', async () => {
    // Prepare
    const ledger = fakeLedger();
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });
    lambda.on(GetFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 3 });
    lambda.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 0 });

    // Act
    const result = await disable(
      deps(ledger),
      request({
        action: 'disable',
        schedules: [{ name: 'daily', group: GROUP }],
        functionName: 'trading',
        throttle: true,
      }),
      origin,
    );

    // Assess
    expect(result.throttle).toMatchObject({ functionName: 'trading', recorded: 3, outcome: 'throttled' });
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'trading',
      ReservedConcurrentExecutions: 0,
    });
    const snapshot = ledger.records.find((r) => r.action === 'schedules.snapshot');
    expect(snapshot?.details).toMatchObject({
      throttle: { functionName: 'trading', reservedConcurrency: 3 },
    });
    const window = ledger.records.find((r) => r.action === THROTTLE_ACTION);
    expect(window).toMatchObject({
      target: 'function:trading',
      outcome: 'succeeded',
      dryRun: false,
      details: { restoreId: result.restoreId, functionName: 'trading' },
    });
  });

  it('dry run reads and plans, records the plan, and sends no UpdateSchedule or concurrency change', async () => {
    // Prepare
    const ledger = fakeLedger();
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    lambda.on(GetFunctionConcurrencyCommand).resolves({});

    // Act
    const result = await disable(
      deps(ledger),
      request({
        action: 'disable',
        schedules: [{ name: 'daily', group: GROUP }],
        functionName: 'trading',
        throttle: true,
        dryRun: true,
      }),
      origin,
    );

    // Assess
    expect(result).toMatchObject({
      dryRun: true,
      changed: false,
      counts: { 'would-disable': 1 },
      undo: null,
    });
    expect(result.throttle).toMatchObject({ recorded: null, outcome: 'would-throttle' });
    expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
    expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
    expect(ledger.records.map((r) => [r.action, r.outcome, r.dryRun])).toEqual([
      ['schedules.disable', 'planned', true],
    ]);
  });
});

// ------------------------------------------------------------------------------------ through the handler

const direct = (fields: Record<string, unknown>) => ({
  actor: 'cli:alice@laptop',
  reason: 'orders rejected',
  ...fields,
});

function apiEvent(method: string, path: string, body?: unknown, query?: Record<string, string>) {
  const event = sampleEvent<APIGatewayProxyEventV2WithIAMAuthorizer>('apigw/rollback.json');
  event.routeKey = `${method} ${path}`;
  event.rawPath = path;
  event.requestContext.http.method = method;
  event.requestContext.http.path = path;
  event.body = body === undefined ? (undefined as never) : JSON.stringify(body);
  event.queryStringParameters = query as never;
  return event;
}

function alarmEvent(mutate: (message: Record<string, unknown>) => void = () => undefined): SNSEvent {
  const event = sampleEvent<SNSEvent>('sns/alarm-rollback-alarm.json');
  const sns = event.Records[0]?.Sns as SNSEvent['Records'][number]['Sns'];
  const message = JSON.parse(sns.Message) as Record<string, unknown>;
  mutate(message);
  sns.Message = JSON.stringify(message);
  return event;
}

const invalidRequests: [string, unknown, string][] = [
  ['no selector', direct({ action: 'disable' }), 'schedules'],
  ['an unknown action', direct({ action: 'pause', group: GROUP, all: true }), 'action'],
  ['no action', direct({ group: GROUP, all: true }), 'action'],
  ['empty schedules', direct({ action: 'disable', schedules: [] }), 'schedules'],
  ['an empty schedule name', direct({ action: 'disable', schedules: [{ name: '' }] }), 'schedules.0.name'],
  ['a whole group without all: true', direct({ action: 'disable', group: GROUP }), 'all'],
  [
    'a whole group with an empty namePrefix',
    direct({ action: 'disable', group: GROUP, namePrefix: '' }),
    'all',
  ],
  ['a group that does not exist', direct({ action: 'disable', group: GROUP, namePrefix: 'daily' }), 'group'],
  ['a group it may not act on', direct({ action: 'disable', group: 'payments', all: true }), 'group'],
  [
    'a schedule that does not exist',
    direct({ action: 'disable', schedules: [{ name: 'gone', group: GROUP }] }),
    'schedules.0.name',
  ],
  [
    'enable with an unknown restoreId',
    direct({ action: 'enable', restoreId: 'ks-20261122T031000000Z-0a1b2c3d' }),
    'restoreId',
  ],
  ['enable with a malformed restoreId', direct({ action: 'enable', restoreId: 'yesterday' }), 'restoreId'],
  ['enable with no restoreId or selector', direct({ action: 'enable' }), 'restoreId'],
  [
    'throttle without functionName',
    direct({ action: 'disable', group: GROUP, all: true, throttle: true }),
    'functionName',
  ],
  [
    'throttle of a function it does not watch',
    direct({ action: 'disable', group: GROUP, all: true, throttle: true, functionName: 'payments' }),
    'functionName',
  ],
  ['no reason', { actor: 'cli:alice@laptop', action: 'disable', group: GROUP, all: true }, 'reason'],
  ['namePrefix without a group', direct({ action: 'disable', namePrefix: 'daily' }), 'group'],
  ['an auditId that is not one', direct({ action: 'status', auditId: 'latest' }), 'auditId'],
  [
    'an auditId given to disable',
    direct({ action: 'disable', group: GROUP, all: true, auditId: '20261122T031000000Z-0a1b2c3d' }),
    'auditId',
  ],
  ['a page without an auditId', direct({ action: 'status', page: 2 }), 'page'],
  ['a page of 0', direct({ action: 'status', auditId: '20261122T031000000Z-0a1b2c3d', page: 0 }), 'page'],
  [
    'an auditId the ledger does not hold',
    direct({ action: 'status', auditId: '20261122T031000000Z-0a1b2c3d' }),
    'auditId',
  ],
  [
    'a body whose action contradicts the route',
    apiEvent('POST', '/schedules/enable', { action: 'disable', group: GROUP, all: true, reason: 'x y z' }),
    'action',
  ],
];

describe('the kill-switch handler', () => {
  let restore: () => void;

  beforeEach(() => {
    restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      SCHEDULE_GROUPS: GROUP,
      WATCHED_FUNCTION: 'trading',
      KILLSWITCH_ALARMS: 'runbook-local-workload-errors',
      KILLSWITCH_RATE_PER_SECOND: '1000',
    });
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(GetCommand).resolves({});
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    scheduler.on(GetScheduleGroupCommand).rejects(
      new ResourceNotFoundException({
        message: 'Schedule group not found',
        Message: 'Schedule group not found',
        $metadata: {},
      }),
    );
    scheduler.on(GetScheduleCommand).rejects(
      new ResourceNotFoundException({
        message: 'Schedule not found',
        Message: 'Schedule not found',
        $metadata: {},
      }),
    );
  });

  afterEach(() => restore());

  it.each(invalidRequests)(
    'refuses %s naming the field, and sends no mutating call',
    async (_name, event, field) => {
      // Act
      const raw = (await handler(event, lambdaContext())) as {
        ok?: boolean;
        body?: string;
        error?: { field?: string };
      };
      const result = (raw.body ? JSON.parse(raw.body) : raw) as {
        ok: boolean;
        error: { field?: string; message: string };
      };

      // Assess
      expect(result.ok).toBe(false);
      expect(result.error.field).toBe(field);
      expect(scheduler.commandCalls(UpdateScheduleCommand)).toHaveLength(0);
      expect(lambda.commandCalls(PutFunctionConcurrencyCommand)).toHaveLength(0);
      expect(lambda.commandCalls(DeleteFunctionConcurrencyCommand)).toHaveLength(0);
      expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
    },
  );

  it('reads its settings, with a safe default rate', () => {
    // Act
    const config = killSwitchConfig({ SCHEDULE_GROUPS: 'a, b', KILLSWITCH_RATE_PER_SECOND: '' });

    // Assess
    expect(config).toEqual({ scheduleGroups: ['a', 'b'], alarms: [], ratePerSecond: 200, concurrency: 16 });
    expect(() => killSwitchConfig({ KILLSWITCH_CONCURRENCY: '0' })).toThrow(/KILLSWITCH_CONCURRENCY/);
  });

  it('serves GET /schedules/status from the query string, with no write', async () => {
    // Prepare
    scheduler.on(GetScheduleCommand).resolves(schedule('daily', { State: 'DISABLED' }));

    // Act
    const response = (await handler(
      apiEvent('GET', '/schedules/status', undefined, { schedule: `${GROUP}/daily` }),
      lambdaContext(),
    )) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({
      ok: true,
      openKillSwitches: [],
      schedules: [{ group: GROUP, name: 'daily', state: 'DISABLED' }],
    });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('serves GET /schedules/status?auditId=…&page=2 from the run’s paged record, with no write', async () => {
    // Prepare: a disable of 1,500 schedules whose results the ledger kept in pages.
    const auditId = '20261122T031001123Z-3fa9c2d1';
    const results = Array.from({ length: 1_500 }, (_, i) => ({
      group: GROUP,
      name: `job-${i}`,
      outcome: 'disabled',
    }));
    dynamo.on(GetCommand, { Key: { auditId } }).resolves({
      Item: {
        auditId,
        action: 'schedules.disable',
        at: NOW.toISOString(),
        actor: 'cli:alice@laptop',
        outcome: 'succeeded',
        dryRun: false,
        details: {
          restoreId: 'ks-1',
          results: { paged: true, count: 1_500, pages: 1, key: `${auditId}#results` },
        },
      },
    });
    dynamo
      .on(GetCommand, { Key: { auditId: `${auditId}#results#0` } })
      .resolves({ Item: { items: results } });

    // Act
    const response = (await handler(
      apiEvent('GET', '/schedules/status', undefined, { auditId, page: '2' }),
      lambdaContext(),
    )) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(response.body);
    expect(body).toMatchObject({
      ok: true,
      auditId,
      page: 2,
      pages: 2,
      counts: { selected: 1_500, disabled: 1_500 },
    });
    expect(body.schedules).toHaveLength(500);
    expect(body.schedules[0].name).toBe('job-1000');
    expect(body).not.toHaveProperty('next');
    const beyond = (await handler(
      apiEvent('GET', '/schedules/status', undefined, { auditId, page: '3' }),
      lambdaContext(),
    )) as { statusCode: number; body: string };
    expect(beyond.statusCode).toBe(400);
    expect(JSON.parse(beyond.body).error).toMatchObject({
      field: 'page',
      message: expect.stringContaining('2 page(s)'),
    });
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('acknowledges OK and unlisted alarms without acting, and never enables', async () => {
    // Act
    const ok = await handler(sampleEvent('sns/alarm-rollback-ok.json'), lambdaContext());
    const other = await handler(
      alarmEvent((m) => Object.assign(m, { AlarmName: 'pricing-latency' })),
      lambdaContext(),
    );

    // Assess
    expect(ok).toMatchObject({ ok: true, acknowledged: true, acted: false });
    expect(other).toMatchObject({ ok: true, acknowledged: true, acted: false, alarm: 'pricing-latency' });
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('on a listed ALARM, disables every schedule of the configured groups, as the alarm', async () => {
    // Prepare
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'daily', GroupName: GROUP }] });
    scheduler.on(GetScheduleCommand).resolves(schedule('daily'));
    scheduler.on(UpdateScheduleCommand).resolves({ ScheduleArn: 'arn' });

    // Act
    const result = await handler(alarmEvent(), lambdaContext());

    // Assess
    expect(result).toMatchObject({ ok: true, acted: true, action: 'disable', counts: { disabled: 1 } });
    expect(scheduler.commandCalls(ListSchedulesCommand)[0]?.args[0].input).toMatchObject({
      GroupName: GROUP,
    });
    expect(lambda.calls()).toHaveLength(0);
    const items = dynamo
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item as Record<string, unknown>);
    expect(items.every((item) => item.actor === 'alarm:runbook-local-workload-errors')).toBe(true);
  });
});
