// A fleet run counts what each workload's own action did, as that action counts it alone: one rollback is one
// `Rollback` whatever door it came through, in the namespace and dimension set the dashboard's search reads.
// Against the emulator, with the EMF documents a function's Metrics writes (test/support/emf.ts).
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fleet } from '../../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { FleetDeps, FleetResult } from '../../functions/fleet/types.js';
import { rollback } from '../../functions/rollback/rollback.js';
import { provisionStack } from '../../local/emulator/provision.js';
import { breakFleet, provisionFleet } from '../../local/fleet/provision.js';
import { ensureLambdaRole } from '../../local/moto.js';
import { loadTemplate } from '../../local/template.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { WatchList, Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';
import { capturedMetrics, type EmfDocument } from '../support/emf.js';
import { homeClients, ledgerOf, quiet } from '../support/fleet.js';
import { uniqueName } from '../support/names.js';
import { createGroup, fullSchedule } from '../support/schedules.js';

const lambda = new LambdaClient({});
const scheduler = new SchedulerClient({});
const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
const origin = { door: 'direct' as const, actor: 'cli:oncall@test', correlationId: 'fleet-metrics-test' };

/** `{Namespace,dim,…}` of the dashboard's "Runbook actions" search, from template.yaml. */
function dashboardSearchSchema(): string[] {
  const body = loadTemplate().Resources.OpsDashboard?.Properties?.DashboardBody as {
    'Fn::Sub': [string, unknown];
  };
  const schema = /SEARCH\('\{(LambdaRunbook[^}]*)\}/.exec(body['Fn::Sub'][0])?.[1];
  return String(schema).split(',');
}

/** Each document's namespace and dimension set, as a SEARCH schema names them. */
const schemasOf = (documents: EmfDocument[]) =>
  new Set(
    documents.flatMap((doc) =>
      doc._aws.CloudWatchMetrics.flatMap((definition) =>
        definition.Dimensions.map((set) => [definition.Namespace, ...set].join(',')),
      ),
    ),
  );

describe('fleet metrics (against the emulator)', () => {
  let ledger: AuditLedger;
  let role: string;

  beforeAll(async () => {
    role = await ensureLambdaRole(String(process.env.AWS_ENDPOINT_URL));
    ledger = ledgerOf(
      await provisionStack({
        endpoint: String(process.env.AWS_ENDPOINT_URL),
        stackName: uniqueName('fleet-metrics'),
      }),
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(() => {
    lambda.destroy();
    scheduler.destroy();
    sqs.destroy();
  });

  const twoWorkloads = async () =>
    provisionFleet({
      prefix: uniqueName('fm'),
      members: [{ name: 'orders' }, { name: 'refunds' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });

  function deps(list: WatchList, metrics: FleetDeps['metrics']): FleetDeps {
    return {
      watchList: async () => list,
      clientsFor: async () => homeClients(),
      ledger,
      logger: quiet,
      metrics,
      now: () => new Date(),
      config: { concurrency: 2, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
      env: { DLQ_WAIT_SECONDS: '1' },
      homeAccount: '123456789012',
    };
  }
  const run = async (list: WatchList, fields: Record<string, unknown>, metrics: FleetDeps['metrics']) =>
    (await fleet(deps(list, metrics), parseInput(fleetRequestSchema, fields), origin)) as FleetResult;

  it('counts 2 Rollback for a fleet rollback of 2 workloads, in the namespace and dimensions of a single rollback and the dashboard', async () => {
    // Prepare: two workloads one bad change broke, and a third rolled back alone, as `runbook rollback` does
    const workloads = await twoWorkloads();
    await breakFleet(workloads, () => lambda);
    const [alone] = await provisionFleet({
      prefix: uniqueName('fm-alone'),
      members: [{ name: 'alone' }],
      lambdaFor: () => lambda,
      roleFor: () => role,
    });

    // Act
    const fleetEmf = capturedMetrics();
    const fleetRun = await run(
      { workloads, accounts: {} },
      { action: 'rollback', all: true, reason: 'bad shared layer' },
      fleetEmf.metrics,
    );
    const fleetDocs = fleetEmf.documents();
    const singleEmf = capturedMetrics();
    const single = await rollback(
      {
        lambda,
        codedeploy: homeClients().codedeploy,
        ledger,
        logger: quiet,
        metrics: singleEmf.metrics,
        now: () => new Date(),
        config: { watchedFunction: (alone as Workload).functionName, rollbackAlarms: [], cooldownMinutes: 0 },
      },
      {
        functionName: (alone as Workload).functionName,
        alias: 'live',
        reason: 'bad build',
        dryRun: false,
        force: false,
      },
      origin,
    );
    const singleDocs = singleEmf.documents();

    // Assess
    expect(fleetRun.counts.succeeded).toBe(2);
    expect(single.changed).toBe(true);
    expect(fleetEmf.sum('Rollback', fleetDocs)).toBe(2);
    expect(fleetDocs.flatMap((doc) => doc.RollbackLatencyMs ?? [])).toHaveLength(2);
    expect(singleEmf.sum('Rollback', singleDocs)).toBe(1);
    // Same metric in CloudWatch: same namespace and exact dimension set, the one the dashboard searches.
    expect(schemasOf(fleetDocs)).toEqual(schemasOf(singleDocs));
    expect([...schemasOf(fleetDocs)]).toEqual([dashboardSearchSchema().join(',')]);
  });

  it('counts the schedules a fleet disable stopped across its workloads, as each kill switch counts its own', async () => {
    // Prepare: orders has a group of two enabled schedules and one paused; refunds a group of one
    const [orders, refunds] = (await twoWorkloads()) as [Workload, Workload];
    const groups = { orders: uniqueName('fm-orders'), refunds: uniqueName('fm-refunds') };
    await createGroup(scheduler, groups.orders, [
      fullSchedule('settle'),
      fullSchedule('reconcile'),
      fullSchedule('paused', { State: 'DISABLED' }),
    ]);
    await createGroup(scheduler, groups.refunds, [fullSchedule('refund-batch')]);
    orders.scheduleGroups = [groups.orders];
    refunds.scheduleGroups = [groups.refunds];
    const emf = capturedMetrics();

    // Act
    const stopped = await run(
      { workloads: [orders, refunds], accounts: {} },
      { action: 'disable', all: true, reason: 'runaway batch' },
      emf.metrics,
    );

    // Assess
    expect(stopped.counts.succeeded).toBe(2);
    const documents = emf.documents();
    expect(emf.sum('SchedulesDisabled', documents)).toBe(3);
    expect(emf.sum('ScheduleFailures', documents)).toBe(0);
    expect(documents.flatMap((doc) => doc.KillSwitchLatencyMs ?? [])).toHaveLength(2);
  });

  it('counts the dead letters a fleet drain redrove across its workloads, as each drain counts its own', async () => {
    // Prepare: each workload's DLQ, fed by its own queue, holds dead letters (orders 2, refunds 1)
    const [orders, refunds] = (await twoWorkloads()) as [Workload, Workload];
    for (const [workload, letters] of [
      [orders, 2],
      [refunds, 1],
    ] as const) {
      const name = uniqueName(`fm-${workload.name}`);
      await sqs.send(new CreateQueueCommand({ QueueName: `${name}-src` }));
      const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
      for (let n = 0; n < letters; n++)
        await sqs.send(new SendMessageCommand({ QueueUrl: dlq.QueueUrl, MessageBody: `{"n":${n}}` }));
      workload.dlqs = [{ queue: `${name}-dlq`, sources: [`${name}-src`] }];
    }
    const emf = capturedMetrics();

    // Act
    const drained = await run(
      { workloads: [orders, refunds], accounts: {} },
      { action: 'drain', all: true, reason: 'poison fixed' },
      emf.metrics,
    );

    // Assess
    expect(drained.counts.succeeded).toBe(2);
    const documents = emf.documents();
    expect(emf.sum('Redriven', documents)).toBe(3);
    expect(emf.sum('RedriveFailed', documents)).toBe(0);
  });
});
