// Fleet actions against the emulator: three workloads broken by one bad change, rolled back by one request,
// each to its own known-good version, and restored by the run's one undo. Selectors that name nothing real are
// refused before any call; a workload that fails is listed with its reason and a re-run finishes the rest.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteFunctionCommand, GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet } from '../../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { AccountClients, FleetDeps, FleetResult } from '../../functions/fleet/types.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { breakFleet, prepareFleet, provisionFleet } from '../../local/fleet/provision.js';
import { ensureLambdaRole } from '../../local/moto.js';
import { AuditLedger } from '../../shared/audit.js';
import { accountClients } from '../../shared/fleet/accounts.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';
import { homeClients } from '../support/fleet.js';
import { uniqueName } from '../support/names.js';

const lambda = new LambdaClient({});
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const quiet = { info: () => {}, warn: () => {} };
const origin = { door: 'direct' as const, actor: 'cli:oncall@test', correlationId: 'fleet-test' };

const home = homeClients;

describe('fleet actions (against the emulator)', () => {
  let ledger: AuditLedger;
  let workloads: Workload[];
  let list: WatchList;

  let role: string;

  beforeAll(async () => {
    role = await ensureLambdaRole(String(process.env.AWS_ENDPOINT_URL));
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleet'),
    });
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
    workloads = await provisionFleet({
      prefix: uniqueName('fl'),
      members: [
        { name: 'orders', tags: { team: 'payments' } },
        { name: 'refunds', tags: { team: 'payments' } },
        { name: 'risk', tags: { team: 'risk' } },
      ],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });
    list = { workloads, accounts: {} };
  });

  afterAll(() => {
    lambda.destroy();
    sqs.destroy();
  });

  function deps(overrides: Partial<FleetDeps> = {}): FleetDeps {
    return {
      watchList: async () => list,
      clientsFor: async () => home(),
      ledger,
      logger: quiet,
      now: () => new Date(),
      config: { concurrency: 4, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
      env: {},
      homeAccount: '123456789012',
      ...overrides,
    };
  }

  const request = (fields: Record<string, unknown>) => parseInput(fleetRequestSchema, fields);
  const run = async (fields: Record<string, unknown>, more: Partial<FleetDeps> = {}) =>
    (await fleet(deps(more), request(fields), origin)) as FleetResult;
  const serving = async (workload: Workload) =>
    (await lambda.send(new GetAliasCommand({ FunctionName: workload.functionName, Name: 'live' })))
      .FunctionVersion;

  it('rolls back every workload one bad change broke, each to its own previous version, and undoes it whole', async () => {
    // Prepare
    const broken = await breakFleet(workloads, () => lambda);

    // Act
    const rolled = await run({ action: 'rollback', all: true, reason: 'bad shared layer' });

    // Assess
    expect(rolled.counts).toEqual({ succeeded: 3, unchanged: 0, planned: 0, failed: 0, skipped: 0 });
    for (const workload of workloads) expect(await serving(workload)).toBe('3');
    expect(rolled.undo).toBe(
      `runbook fleet undo --audit-id ${rolled.auditId} --reason 'undo fleet run ${rolled.auditId}'`,
    );
    const record = await ledger.get(rolled.auditId, { expand: true });
    expect(record).toMatchObject({
      action: 'fleet.rollback',
      outcome: 'succeeded',
      actor: 'cli:oncall@test',
    });
    // One record per workload too, each naming the fleet run in its reason.
    for (const line of rolled.workloads) {
      expect(await ledger.get(String(line.auditId))).toMatchObject({
        action: 'rollback',
        outcome: 'succeeded',
      });
      expect(line.undo).toBe(
        `runbook fleet rollback --workload ${line.workload} --to-version ${broken[line.workload]} --reason 'undo rollback ${line.auditId}' --force`,
      );
    }

    // Act: the one undo of the whole run
    const undone = await run({ action: 'undo', auditId: rolled.auditId, reason: 'the layer was not it' });

    // Assess
    expect(undone.counts.succeeded).toBe(3);
    for (const workload of workloads) expect(await serving(workload)).toBe(broken[workload.name]);
  });

  it('acts on the workloads a tag selects and on no other, and a re-run changes nothing', async () => {
    // Prepare
    await breakFleet(workloads, () => lambda);
    const risk = workloads.find((workload) => workload.name === 'risk') as Workload;
    const before = await serving(risk);

    // Act
    const first = await run({ action: 'rollback', tags: { team: 'payments' }, reason: 'payments errors' });
    const again = await run({ action: 'rollback', tags: { team: 'payments' }, reason: 'payments errors' });

    // Assess
    expect(first.selected).toBe(2);
    expect(first.counts.succeeded).toBe(2);
    expect(again.counts).toMatchObject({ succeeded: 0, unchanged: 2 });
    expect(again.undo).toBeNull();
    expect(await serving(risk)).toBe(before);
  });

  it('answers a dry run with each workload’s plan and moves nothing', async () => {
    // Prepare
    const broken = await breakFleet(workloads, () => lambda);

    // Act
    const planned = await run({
      action: 'rollback',
      workloads: ['orders', 'risk'],
      reason: 'check',
      dryRun: true,
    });

    // Assess
    expect(planned.counts.planned).toBe(2);
    expect(planned.workloads.map((line) => line.summary)).toEqual([
      expect.stringMatching(/^would move live \d+ → \d+/),
      expect.stringMatching(/^would move live \d+ → \d+/),
    ]);
    for (const workload of workloads) expect(await serving(workload)).toBe(broken[workload.name]);
  });

  it.each([
    [{ workloads: ['nope'] }, 'workloads.0', /no watched workload is called nope/],
    [{ tags: { owner: 'x' } }, 'tags', /no watched workload has a tag owner/],
    [{ tags: { team: 'growth' } }, 'tags', /values of team: payments, risk/],
    [{ all: true, accounts: ['999999999999'] }, 'accounts.0', /not in the watch list/],
    [{}, 'workloads', /say which workloads/],
    [{ all: true, workloads: ['orders'] }, 'all', /give it alone/],
  ])('refuses the selector %j before any call', async (selector, field, message) => {
    // Prepare: clients that fail the test if anything is sent
    const untouchable = (): AccountClients => {
      throw new Error('a client was asked for');
    };

    // Act
    const answer = run(
      { action: 'rollback', reason: 'bad selector', ...selector },
      { clientsFor: async () => untouchable() },
    );

    // Assess
    await expect(answer).rejects.toMatchObject({
      statusCode: 400,
      field,
      message: expect.stringMatching(message),
    });
  });

  it('lists a workload that fails with its reason, keeps the others done, and a re-run finishes the rest', async () => {
    // Prepare: one more workload, whose function is then deleted under it
    const [gone] = await provisionFleet({
      prefix: uniqueName('gone'),
      members: [{ name: 'gone' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });
    const withGone: WatchList = { workloads: [...workloads, gone as Workload], accounts: {} };
    await breakFleet(workloads, () => lambda);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: (gone as Workload).functionName }));

    // Act
    const result = await run(
      { action: 'rollback', all: true, reason: 'partial' },
      { watchList: async () => withGone },
    );
    const rerun = await run(
      { action: 'rollback', all: true, reason: 'partial' },
      { watchList: async () => withGone },
    );

    // Assess
    expect(result.counts).toMatchObject({ succeeded: 3, failed: 1 });
    expect(result.workloads[0]).toMatchObject({
      workload: 'gone',
      outcome: 'failed',
      error: { code: expect.any(String) },
    });
    expect(rerun.counts).toMatchObject({ succeeded: 0, unchanged: 3, failed: 1 });
  });

  it('shows each workload’s serving version and the version a rollback would choose now', async () => {
    // Prepare
    const broken = await breakFleet(workloads, () => lambda);
    const planned = await run({ action: 'rollback', all: true, reason: 'what would it do', dryRun: true });
    const target = Object.fromEntries(
      planned.workloads.map((line) => [line.workload, /→ (\d+)/.exec(line.summary)?.[1]]),
    );

    // Act
    const status = (await fleet(deps(), request({ action: 'status', all: true }), origin)) as {
      workloads: {
        workload: string;
        serving: { version: string };
        readiness: { ready: boolean; knownGood: string; checks: { check: string; ok: boolean }[] };
      }[];
    };

    // Assess
    expect(status.workloads).toHaveLength(3);
    for (const line of status.workloads) {
      expect(line.serving.version).toBe(broken[line.workload]);
      expect(line.readiness.knownGood).toBe(target[line.workload]);
      expect(line.readiness.ready).toBe(true);
      expect(line.readiness.checks.map((check) => check.check)).toContain('event-sources-on-alias');
    }
  });

  it('drains each selected workload’s DLQ back to its source queue, and only theirs', async () => {
    // Prepare: orders has a DLQ fed by its queue, with three dead letters; risk has a DLQ of its own
    const name = uniqueName('fdlq');
    const source = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-src` }));
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const other = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-other` }));
    for (const url of [dlq.QueueUrl, dlq.QueueUrl, dlq.QueueUrl, other.QueueUrl])
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '{"order":1}' }));
    const withQueues: WatchList = {
      accounts: {},
      workloads: workloads.map((workload) =>
        workload.name === 'orders'
          ? { ...workload, dlqs: [{ queue: `${name}-dlq`, sources: [`${name}-src`] }] }
          : workload.name === 'risk'
            ? { ...workload, dlqs: [{ queue: `${name}-other`, sources: [] }] }
            : workload,
      ),
    };
    const depth = async (url: string | undefined) =>
      Number(
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
          )
        ).Attributes?.ApproximateNumberOfMessages,
      );

    // Act
    const drained = await run(
      { action: 'drain', workloads: ['orders'], reason: 'poison fixed' },
      { watchList: async () => withQueues, env: { DLQ_WAIT_SECONDS: '1' } },
    );

    // Assess
    expect(drained.workloads[0]).toMatchObject({ workload: 'orders', outcome: 'succeeded' });
    expect(drained.workloads[0]?.summary).toMatch(/^3 redriven, 0 failed/);
    const back = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: source.QueueUrl, MaxNumberOfMessages: 10 }),
    );
    expect(back.Messages).toHaveLength(3);
    expect(await depth(dlq.QueueUrl)).toBe(0);
    expect(await depth(other.QueueUrl)).toBe(1);
  });
});

describe('a fleet across two accounts (against the emulator)', () => {
  const MEMBER = '222222222222';
  let ledger: AuditLedger;
  let fleetList: WatchList;
  let lambdaFor: (account: string | undefined) => Promise<LambdaClient>;

  beforeAll(async () => {
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleet2'),
    });
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
    const prepared = await prepareFleet({
      prefix: uniqueName('fx'),
      members: [
        { name: 'orders' },
        { name: 'refunds', account: MEMBER },
        { name: 'payouts', account: MEMBER },
      ],
    });
    fleetList = prepared.watchList;
    lambdaFor = prepared.lambdaFor;
  });

  const deps = (): FleetDeps => ({
    watchList: async () => fleetList,
    clientsFor: async (account) => accountClients(fleetList, account),
    ledger,
    logger: quiet,
    now: () => new Date(),
    config: { concurrency: 4, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
    env: {},
    homeAccount: '123456789012',
  });
  const serving = async (workload: Workload) =>
    (
      await (
        await lambdaFor(workload.account)
      ).send(new GetAliasCommand({ FunctionName: workload.functionName, Name: 'live' }))
    ).FunctionVersion;

  it('rolls back three workloads in two accounts in one request, each in its own account, and names the account in every record', async () => {
    // Prepare
    const broken = await breakFleet(fleetList.workloads, lambdaFor);

    // Act
    const rolled = (await fleet(
      deps(),
      parseInput(fleetRequestSchema, { action: 'rollback', all: true, reason: 'bad config push' }),
      origin,
    )) as FleetResult;

    // Assess
    expect(rolled.counts.succeeded).toBe(3);
    for (const workload of fleetList.workloads)
      expect(await serving(workload)).toBe(String(Number(broken[workload.name]) - 1));
    const accounts = Object.fromEntries(rolled.workloads.map((line) => [line.workload, line.account]));
    expect(accounts).toEqual({ orders: 'self', refunds: MEMBER, payouts: MEMBER });
    for (const line of rolled.workloads) {
      const record = await ledger.get(String(line.auditId));
      expect(record?.account).toBe(line.account === 'self' ? '123456789012' : MEMBER);
    }
    expect((await ledger.get(rolled.auditId))?.account).toBe(`self,${MEMBER}`);

    // Act: the undo of the member account's part only
    const undone = (await fleet(
      deps(),
      parseInput(fleetRequestSchema, {
        action: 'undo',
        auditId: rolled.auditId,
        workloads: ['refunds'],
        reason: 'only refunds',
      }),
      origin,
    )) as FleetResult;

    // Assess
    expect(undone.counts.succeeded).toBe(1);
    const [orders, refunds] = fleetList.workloads;
    expect(await serving(refunds as Workload)).toBe(broken.refunds);
    expect(await serving(orders as Workload)).toBe(String(Number(broken.orders) - 1));
  });

  it('acts in the accounts an account selector names, and no other', async () => {
    // Prepare
    const broken = await breakFleet(fleetList.workloads, lambdaFor);

    // Act
    const rolled = (await fleet(
      deps(),
      parseInput(fleetRequestSchema, {
        action: 'rollback',
        all: true,
        accounts: [MEMBER],
        reason: 'member account only',
      }),
      origin,
    )) as FleetResult;

    // Assess
    expect(rolled.workloads.map((line) => line.workload).sort()).toEqual(['payouts', 'refunds']);
    expect(await serving(fleetList.workloads[0] as Workload)).toBe(broken.orders);
  });
});
