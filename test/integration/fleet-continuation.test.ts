// A fleet run longer than one invocation, against the emulator: a remaining time that runs out after a few
// schedule writes stops the run cleanly, its record says what is done and what remains, and one continuation
// message is on the queue; delivering it to the fleet function (receive, then invoke the handler with the SQS
// event, as Lambda's event source mapping would) finishes the run as the next part of the same chain. The end
// state is the one a run in one invocation leaves, and the run's one undo reverses both parts.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueSender } from '../../functions/fleet/continue.js';
import { fleet } from '../../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { AccountClients, FleetDeps, FleetResult } from '../../functions/fleet/types.js';
import { sqsEventOf } from '../../local/emulator/event-sources.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { provisionFleet } from '../../local/fleet/provision.js';
import { ensureLambdaRole } from '../../local/moto.js';
import { AuditLedger } from '../../shared/audit.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';
import { homeClients } from '../support/fleet.js';
import { uniqueName } from '../support/names.js';
import { createGroup, estate, fullSchedule } from '../support/schedules.js';

const lambda = new LambdaClient({});
const scheduler = new SchedulerClient({});
const sqs = new SQSClient({});
const quiet = { info: () => {}, warn: () => {} };
const origin = { door: 'direct' as const, actor: 'cli:oncall@test', correlationId: 'fleet-continue-test' };

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

function context(remainingMs = 900_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'lambda-runbook-FleetFunction',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:lambda-runbook-FleetFunction',
    memoryLimitInMB: '512',
    awsRequestId: uniqueName('req'),
    logGroupName: '/aws/lambda/lambda-runbook-FleetFunction',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The SQS event Lambda's event source mapping would deliver for one received message (as the emulator builds it). */
const sqsEvent = (message: Pick<Message, 'MessageId' | 'Body'>, queueArn: string): SQSEvent =>
  sqsEventOf(message, { queueArn }, 'us-east-1');

describe('fleet run longer than one invocation (against the emulator)', () => {
  let ledger: AuditLedger;
  let role: string;
  let queueUrl: string;
  let queueArn: string;
  let handler: Handler;
  let workloads: Workload[];
  let twins: Workload[];
  let groups: string[];
  let twinGroups: string[];

  /** Two workloads with groups of their own: 8 schedules (one already off) and 4. */
  async function twoWorkloads(prefix: string) {
    const members = await provisionFleet({
      prefix: uniqueName(prefix),
      members: [{ name: 'batch' }, { name: 'nightly' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });
    const made = [uniqueName(`${prefix}-batch`), uniqueName(`${prefix}-nightly`)];
    await createGroup(scheduler, made[0] as string, [
      ...Array.from({ length: 7 }, (_, n) => fullSchedule(`job-${n}`)),
      fullSchedule('paused', { State: 'DISABLED' }),
    ]);
    await createGroup(
      scheduler,
      made[1] as string,
      Array.from({ length: 4 }, (_, n) => fullSchedule(`night-${n}`)),
    );
    members.forEach((workload, index) => {
      workload.scheduleGroups = [made[index] as string];
    });
    return { members, made };
  }

  beforeAll(async () => {
    role = await ensureLambdaRole(String(process.env.AWS_ENDPOINT_URL));
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleet-cont'),
    });
    const table = String(state.resources.AuditTable?.ref);
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: table,
    });
    queueUrl = String(
      (await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('fleet-continuation') }))).QueueUrl,
    );
    queueArn = String(
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] })))
        .Attributes?.QueueArn,
    );
    ({ members: workloads, made: groups } = await twoWorkloads('fc'));
    ({ members: twins, made: twinGroups } = await twoWorkloads('fc-twin'));
    // The fleet function's own configuration, as template.yaml gives it: read when the handler first runs.
    Object.assign(process.env, {
      AUDIT_TABLE: table,
      WATCH_TAG_DISCOVERY: 'false',
      FLEET_CONTINUATION_QUEUE_URL: queueUrl,
      WATCH_LIST: JSON.stringify({
        workloads: workloads.map(({ source: _source, ...declared }) => declared),
      }),
    });
    ({ handler } = (await import('../../functions/fleet/handler.js')) as unknown as { handler: Handler });
  });

  afterAll(() => {
    for (const client of [lambda, scheduler, sqs]) client.destroy();
  });

  /** The clients of the runbook's account, counting schedule writes: the clock of the fake remaining time. */
  function counted() {
    const count = { writes: 0 };
    const home = homeClients();
    const real = home.scheduler;
    const clients: AccountClients = {
      ...home,
      scheduler: {
        send: (command: unknown) => {
          if (command instanceof UpdateScheduleCommand) count.writes++;
          return real.send(command as never);
        },
      } as unknown as AccountClients['scheduler'],
    };
    return { count, clients };
  }

  function deps(list: Workload[], overrides: Partial<FleetDeps> = {}): FleetDeps {
    return {
      watchList: async () => ({ workloads: list, accounts: {} }),
      clientsFor: async () => counted().clients,
      ledger,
      logger: quiet,
      now: () => new Date(),
      config: { concurrency: 1, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
      env: {},
      ...overrides,
    };
  }

  const states = async (names: string[]) => {
    const out: Record<string, string>[] = [];
    for (const group of names)
      out.push(
        Object.fromEntries(
          Object.entries(await estate(scheduler, group)).map(([name, s]) => [
            name,
            (s as { State: string }).State,
          ]),
        ),
      );
    return out;
  };
  const receiveAll = async () =>
    (
      await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      )
    ).Messages ?? [];
  const status = async (auditId: string) =>
    (await fleet(deps(workloads), parseInput(fleetRequestSchema, { action: 'status', auditId }), origin)) as {
      done: number;
      remaining: number;
      parts?: { auditId: string }[];
      continuation?: { auditId: string; state: string };
    };

  it('stops before its deadline, queues one continuation, and the delivered message finishes the run as the next part: the estate equals a one-invocation run’s, and the one undo reverses both parts', async () => {
    // Prepare: the remaining time runs out after 3 schedule writes
    const before = await Promise.all(groups.map((group) => estate(scheduler, group)));
    const { count, clients } = counted();
    const request = { action: 'disable', all: true, reason: 'runaway batch jobs' };

    // Act: the first part
    const first = (await fleet(
      deps(workloads, {
        clientsFor: async () => clients,
        remainingMs: () => (count.writes >= 3 ? 1_000 : 900_000),
        continueWith: queueSender(sqs, queueUrl),
      }),
      parseInput(fleetRequestSchema, request),
      origin,
    )) as FleetResult;
    const queued = await receiveAll();
    const midway = await status(first.auditId);
    const during = await states(groups);

    // Assess: stopped cleanly, one message, progress visible
    expect(first.counts).toMatchObject({ skipped: 2, failed: 0 });
    expect(first.workloads.map((line) => [line.workload, line.outcome])).toEqual([
      ['batch', 'skipped'],
      ['nightly', 'skipped'],
    ]);
    expect(first.continuation).toMatchObject({ queued: true, remaining: 2 });
    expect(queued).toHaveLength(1);
    expect(JSON.parse(String(queued[0]?.Body))).toMatchObject({
      continues: first.auditId,
      auditId: first.continuation?.auditId,
      request: { action: 'disable', all: true },
    });
    expect(midway).toMatchObject({
      done: 0,
      remaining: 2,
      continuation: { auditId: first.continuation?.auditId, state: 'queued' },
    });
    const offMidway = Object.values(during[0] ?? {}).filter((state) => state === 'DISABLED').length;
    expect(offMidway).toBeGreaterThan(1);
    expect(offMidway).toBeLessThan(8);
    expect(Object.values(during[1] ?? {})).toEqual(['ENABLED', 'ENABLED', 'ENABLED', 'ENABLED']);

    // Act: a forged copy (the request changed) is refused without a write; the real message finishes the run
    const body = JSON.parse(String(queued[0]?.Body));
    const forged = await handler(
      sqsEvent(
        {
          MessageId: 'forged',
          Body: JSON.stringify({ ...body, request: { ...body.request, throttle: true } }),
        },
        queueArn,
      ),
      context(),
    );
    const afterForged = await states(groups);
    const second = await handler(sqsEvent(queued[0] as Message, queueArn), context());
    const duplicate = await handler(sqsEvent(queued[0] as Message, queueArn), context());
    const done = await status(first.auditId);
    const after = await states(groups);

    // Assess
    expect(forged).toMatchObject({ ok: false, error: { field: 'request' }, batchItemFailures: [] });
    expect(afterForged).toEqual(during);
    expect(await ledger.get(String(first.continuation?.auditId))).toBeDefined();
    expect(second).toMatchObject({
      ok: true,
      auditId: first.continuation?.auditId,
      part: 2,
      continues: first.auditId,
      counts: { succeeded: 2, skipped: 0, failed: 0 },
      batchItemFailures: [],
    });
    expect(second.continuation).toBeUndefined();
    expect(duplicate).toMatchObject({ ok: true, acted: false, why: 'already ran' });
    expect(await receiveAll()).toHaveLength(0);
    expect(done).toMatchObject({ done: 2, remaining: 0 });
    expect(done.parts?.map((part) => part.auditId)).toEqual([first.auditId, first.continuation?.auditId]);
    expect(done.continuation).toBeUndefined();

    // Assess: the same end state as one invocation over identical twins
    const once = (await fleet(deps(twins), parseInput(fleetRequestSchema, request), origin)) as FleetResult;
    expect(once.counts).toMatchObject({ succeeded: 2 });
    expect(after).toEqual(await states(twinGroups));

    // Act: the one undo of the run, both parts
    const undone = (await fleet(
      deps(workloads),
      parseInput(fleetRequestSchema, { action: 'undo', auditId: first.auditId, reason: 'jobs fixed' }),
      origin,
    )) as FleetResult;

    // Assess
    expect(undone.counts).toMatchObject({ succeeded: 2, failed: 0 });
    expect(await Promise.all(groups.map((group) => estate(scheduler, group)))).toEqual(before);
  });

  it.each([
    ['a body that is not JSON', 'not json', 'Records.0.body'],
    ['a message of another shape', JSON.stringify({ action: 'disable', all: true }), 'continues'],
    [
      'a continuation of no recorded run',
      JSON.stringify({
        continues: '20261122T154501123Z-3fa9c2d1',
        auditId: '20261122T154501124Z-3fa9c2d2',
        request: {
          action: 'disable',
          all: true,
          reason: 'forged',
          dryRun: false,
          force: false,
          throttle: false,
        },
      }),
      'continues',
    ],
  ])(
    'refuses %s with a 4xx the queue does not retry, and makes no call that changes anything',
    async (_, body, field) => {
      // Prepare
      const before = await states(groups);

      // Act
      const answer = await handler(sqsEvent({ MessageId: uniqueName('m'), Body: body }, queueArn), context());

      // Assess: answered (so deleted), not thrown (so not retried)
      expect(answer).toMatchObject({ ok: false, error: { field }, batchItemFailures: [] });
      expect(await states(groups)).toEqual(before);
    },
  );

  it('throws (so SQS retries, then dead-letters) a batch of more than one message rather than deleting it unread', async () => {
    // Prepare
    const one = sqsEvent({ MessageId: 'a', Body: '{}' }, queueArn);
    const two = { Records: [...one.Records, { ...one.Records[0], messageId: 'b' }] };

    // Act / Assess
    await expect(handler(two, context())).rejects.toThrow(/BatchSize 1/);
  });
});
