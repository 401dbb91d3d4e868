// The fleet kill switch against the emulator: three workloads' schedules (two with groups of their own, one with
// single schedules in a group it shares) stopped by one request, each by the kill switch's own action, and put
// back exactly by the run's one undo. A re-run changes nothing; a workload whose group is gone fails alone.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleet } from '../../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { FleetDeps, FleetResult } from '../../functions/fleet/types.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { adminCredentials, ensureRole, prepareMemberAccount } from '../../local/fleet/accounts.js';
import { provisionFleet } from '../../local/fleet/provision.js';
import { ensureLambdaRole } from '../../local/moto.js';
import { AuditLedger } from '../../shared/audit.js';
import { accountClients } from '../../shared/fleet/accounts.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';
import { homeClients } from '../support/fleet.js';
import { uniqueName } from '../support/names.js';
import { createGroup, estate, fullSchedule } from '../support/schedules.js';

const lambda = new LambdaClient({});
const MEMBER = '222222222222';
const LAMBDA_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const scheduler = new SchedulerClient({});
const quiet = { info: () => {}, warn: () => {} };
const origin = { door: 'direct' as const, actor: 'cli:oncall@test', correlationId: 'fleet-ks-test' };

const home = homeClients;

describe('fleet kill switch (against the emulator)', () => {
  let ledger: AuditLedger;
  let role: string;

  beforeAll(async () => {
    role = await ensureLambdaRole(String(process.env.AWS_ENDPOINT_URL));
    const state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleet-ks'),
    });
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns: new SNSClient({}),
      tableName: String(state.resources.AuditTable?.ref),
    });
  });

  afterAll(() => {
    lambda.destroy();
    scheduler.destroy();
  });

  /** Three workloads: orders (its group and one single in the shared group), refunds (its group), risk (singles). */
  async function fleetWithSchedules() {
    const [orders, refunds, risk] = (await provisionFleet({
      prefix: uniqueName('fk'),
      members: [{ name: 'orders' }, { name: 'refunds' }, { name: 'risk' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    })) as [Workload, Workload, Workload];
    const groups = {
      orders: uniqueName('fk-orders'),
      refunds: uniqueName('fk-refunds'),
      shared: uniqueName('fk-shared'),
    };
    await createGroup(scheduler, groups.orders, [
      fullSchedule('settle'),
      fullSchedule('reconcile', { ScheduleExpression: 'rate(1 hour)' }),
      fullSchedule('paused', { State: 'DISABLED' }),
    ]);
    await createGroup(scheduler, groups.refunds, [
      fullSchedule('refund-batch'),
      fullSchedule('refund-report'),
    ]);
    await createGroup(scheduler, groups.shared, [
      fullSchedule('orders-export'),
      fullSchedule('risk-scan'),
      fullSchedule('risk-score'),
      fullSchedule('nobodys'),
    ]);
    orders.scheduleGroups = [groups.orders];
    orders.schedules = [{ group: groups.shared, name: 'orders-export' }];
    refunds.scheduleGroups = [groups.refunds];
    risk.schedules = [
      { group: groups.shared, name: 'risk-scan' },
      { group: groups.shared, name: 'risk-score' },
    ];
    await lambda.send(
      new PutFunctionConcurrencyCommand({
        FunctionName: refunds.functionName,
        ReservedConcurrentExecutions: 5,
      }),
    );
    return { workloads: [orders, refunds, risk], groups };
  }

  function deps(list: WatchList): FleetDeps {
    return {
      watchList: async () => list,
      clientsFor: async () => home(),
      ledger,
      logger: quiet,
      now: () => new Date(),
      config: { concurrency: 3, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
      env: {},
    };
  }
  const run = async (list: WatchList, fields: Record<string, unknown>) =>
    (await fleet(deps(list), parseInput(fleetRequestSchema, fields), origin)) as FleetResult;

  const whole = async (groups: Record<string, string>) =>
    Object.fromEntries(
      await Promise.all(Object.values(groups).map(async (g) => [g, await estate(scheduler, g)])),
    );
  const states = (estateOfGroup: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(estateOfGroup).map(([name, schedule]) => [name, (schedule as { State: string }).State]),
    );
  const reserved = async (workload: Workload) =>
    (await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: workload.functionName })))
      .ReservedConcurrentExecutions ?? null;

  it('stops every workload’s groups, single schedules and concurrency in one request, a re-run changes nothing, and the one undo puts the estate back exactly', async () => {
    // Prepare
    const { workloads, groups } = await fleetWithSchedules();
    const list = { workloads, accounts: {} };
    const before = await whole(groups);

    // Act
    const off = await run(list, { action: 'disable', all: true, throttle: true, reason: 'runaway jobs' });
    const during = await whole(groups);
    const again = await run(list, { action: 'disable', all: true, throttle: true, reason: 'runaway jobs' });
    const concurrencyDuring = await Promise.all(workloads.map(reserved));

    // Assess: what stopped, and nothing else
    expect(off.counts).toEqual({ succeeded: 3, unchanged: 0, planned: 0, failed: 0, skipped: 0 });
    expect(states(during[groups.orders])).toEqual({
      paused: 'DISABLED',
      reconcile: 'DISABLED',
      settle: 'DISABLED',
    });
    expect(states(during[groups.refunds])).toEqual({
      'refund-batch': 'DISABLED',
      'refund-report': 'DISABLED',
    });
    expect(states(during[groups.shared])).toEqual({
      nobodys: 'ENABLED',
      'orders-export': 'DISABLED',
      'risk-scan': 'DISABLED',
      'risk-score': 'DISABLED',
    });
    expect(concurrencyDuring).toEqual([0, 0, 0]);
    const orders = off.workloads.find((line) => line.workload === 'orders');
    // Two kill switches for orders (its group, its single schedule), both in its restore.
    expect(orders?.restore).toMatchObject({
      kind: 'enable',
      restoreIds: [expect.any(String), expect.any(String)],
    });
    expect(orders?.auditIds).toHaveLength(2);
    // Each workload its own kill switches: orders' and refunds' `all` never continue each other (scope).
    const restoreIds = off.workloads.flatMap((line) =>
      line.restore?.kind === 'enable' ? line.restore.restoreIds : [],
    );
    expect(new Set(restoreIds).size).toBe(4);
    expect(again.counts).toMatchObject({ succeeded: 0, unchanged: 3, failed: 0 });
    expect(again.undo).toBeNull();

    // Act: the one undo of the whole run
    const undone = await run(list, { action: 'undo', auditId: off.auditId, reason: 'jobs fixed' });

    // Assess
    expect(undone.counts).toMatchObject({ succeeded: 3, failed: 0 });
    expect(await whole(groups)).toEqual(before);
    expect(await Promise.all(workloads.map(reserved))).toEqual([null, 5, null]);
  });

  it('lists a workload whose group is gone as failed while the others are stopped, and fleet enable puts those back', async () => {
    // Prepare
    const { workloads, groups } = await fleetWithSchedules();
    const [ghost] = await provisionFleet({
      prefix: uniqueName('fk-ghost'),
      members: [{ name: 'ghost' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });
    (ghost as Workload).scheduleGroups = [uniqueName('fk-missing')];
    const list = { workloads: [...workloads, ghost as Workload], accounts: {} };
    const before = await whole(groups);

    // Act
    const off = await run(list, { action: 'disable', all: true, reason: 'runaway jobs' });
    const on = await run(list, { action: 'enable', all: true, reason: 'jobs fixed' });

    // Assess
    expect(off.counts).toMatchObject({ succeeded: 3, failed: 1 });
    expect(off.workloads[0]).toMatchObject({
      workload: 'ghost',
      outcome: 'failed',
      error: { message: expect.stringMatching(/no schedule group/) },
    });
    expect(on.counts).toMatchObject({ succeeded: 3, unchanged: 1 });
    expect(await whole(groups)).toEqual(before);
  });

  it('keeps what a workload’s first kill switch stopped in its line when its second fails, so the undo restores it', async () => {
    // Prepare: orders names a single schedule its shared group does not hold
    const { workloads, groups } = await fleetWithSchedules();
    const orders = workloads[0] as Workload;
    orders.schedules = [{ group: groups.shared, name: 'no-such-schedule' }];
    const list = { workloads: [orders], accounts: {} };
    const before = await whole(groups);

    // Act
    const off = await run(list, { action: 'disable', workloads: ['orders'], reason: 'runaway jobs' });
    const undone = await run(list, { action: 'undo', auditId: off.auditId, reason: 'jobs fixed' });

    // Assess
    expect(off.workloads[0]).toMatchObject({
      outcome: 'failed',
      error: { message: expect.stringMatching(/no schedule no-such-schedule/) },
      restore: { kind: 'enable', restoreIds: [expect.any(String)] },
    });
    expect(undone.counts).toMatchObject({ succeeded: 1 });
    expect(await whole(groups)).toEqual(before);
  });

  it('stops a group in a member account through its assumed role, apart from a same-named group at home, and the undo restores both', async () => {
    // Prepare: one workload at home and one in the member account, each with a group called `jobs-…`
    const member = await prepareMemberAccount(MEMBER, { name: 'prod-eu' });
    const admin = await adminCredentials(MEMBER);
    const memberLambda = new LambdaClient({ credentials: admin });
    const memberScheduler = new SchedulerClient({ credentials: admin });
    const memberRole = await ensureRole(admin, 'lambda-runbook-local', LAMBDA_TRUST);
    const [atHome, away] = (await provisionFleet({
      prefix: uniqueName('fk-acct'),
      members: [{ name: 'home-jobs' }, { name: 'away-jobs', account: MEMBER }],
      lambdaFor: (account) => (account ? memberLambda : lambda),
      roleFor: (account) => (account ? memberRole : role),
    })) as [Workload, Workload];
    const group = uniqueName('fk-jobs');
    await createGroup(scheduler, group, [fullSchedule('a'), fullSchedule('b')]);
    await createGroup(memberScheduler, group, [fullSchedule('a'), fullSchedule('c', { State: 'DISABLED' })]);
    atHome.scheduleGroups = [group];
    away.scheduleGroups = [group];
    const list: WatchList = { workloads: [atHome, away], accounts: { [MEMBER]: member } };
    const before = [await estate(scheduler, group), await estate(memberScheduler, group)];
    const twoAccounts = {
      ...deps(list),
      clientsFor: async (account: string | undefined) => accountClients(list, account),
    };

    // Act
    const off = (await fleet(
      twoAccounts,
      parseInput(fleetRequestSchema, { action: 'disable', all: true, reason: 'runaway' }),
      origin,
    )) as FleetResult;
    const during = [states(await estate(scheduler, group)), states(await estate(memberScheduler, group))];
    const undone = (await fleet(
      twoAccounts,
      parseInput(fleetRequestSchema, { action: 'undo', auditId: off.auditId, reason: 'fixed' }),
      origin,
    )) as FleetResult;

    // Assess
    expect(off.counts).toMatchObject({ succeeded: 2, failed: 0 });
    expect(off.workloads.find((line) => line.workload === 'away-jobs')).toMatchObject({ account: MEMBER });
    expect(during).toEqual([
      { a: 'DISABLED', b: 'DISABLED' },
      { a: 'DISABLED', c: 'DISABLED' },
    ]);
    expect(undone.counts).toMatchObject({ succeeded: 2, failed: 0 });
    expect([await estate(scheduler, group), await estate(memberScheduler, group)]).toEqual(before);
    memberLambda.destroy();
    memberScheduler.destroy();
  });
});
