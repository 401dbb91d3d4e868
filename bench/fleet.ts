// The fleet at scale (issue 16, "Measures"), in the in-memory Region at 50 ms a call (bench/memory-region.ts:
// real SDK clients, the real AuditLedger, the fleet's real ledger-coordinated budget on the in-memory table):
//  1. roll back 200 functions in one fleet request, against a naive loop (GetAlias, ListVersionsByFunction,
//     UpdateAlias, one function after the other): wall time against N / budget, the peak Lambda writes in any
//     one-second window (never above the budget) and the share of the budget used while it binds;
//  2. disable 10,000 schedules across 50 groups (50 workloads) in one fleet request, against the naive loop of
//     bench/killswitch.ts (list, then GetSchedule and UpdateSchedule one by one), measured on the first
//     500 schedules and scaled by the schedule count: 10,000 × 2 calls × 50 ms is ~17 minutes of waiting, and
//     the loop is strictly sequential, so its time per schedule does not change with the estate's size.
// The fleet runs as deployed (fleet() with the defaults of functions/fleet/schema.ts), its clients wrapped by
// budgeted(…, ledgerBudget(…)) as functions/fleet/deps.ts wraps them; budgeted's onWrite gives the times the
// budget granted the writes.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fleetConfig } from '../functions/fleet/config.js';
import { fleet } from '../functions/fleet/fleet.js';
import { fleetRequestSchema } from '../functions/fleet/schema.js';
import type { AccountClients, FleetDeps, FleetResult } from '../functions/fleet/types.js';
import { printTable } from '../scripts/build.js';
import { type ControlPlaneService, DEFAULT_WRITE_BUDGET, ledgerBudget } from '../shared/fleet/budget.js';
import { budgeted } from '../shared/fleet/budgeted.js';
import type { Workload } from '../shared/fleet/workload.js';
import {
  metered,
  naiveDisable,
  naiveRollback,
  peakPerSecond,
  recordCalls,
  resetAliases,
  seedFunctions,
  seedSchedules,
  shareOfBudget,
  tightestSpan,
  workload,
} from './fleet-estate.js';
import { type MemoryRegion, memoryRegion } from './memory-region.js';
import type { BenchSection } from './section.js';

const LATENCY_MS = 50;
const VERSIONS = 4;
/** Lambda's control-plane quota, every call but Invoke, GetFunction and GetPolicy counted (budget.ts). */
const LAMBDA_QUOTA = 15;

interface Sizes {
  functions: number;
  lambdaBudget: number;
  groups: number;
  perGroup: number;
  naiveSample: number;
  schedulerBudget: number;
}

const FULL: Sizes = {
  functions: 200,
  lambdaBudget: DEFAULT_WRITE_BUDGET.lambda,
  groups: 50,
  perGroup: 200,
  naiveSample: 500,
  schedulerBudget: DEFAULT_WRITE_BUDGET.scheduler,
};
// --small runs in seconds: 30 functions at 10 writes/s (N / budget = 3 s: more writes than one second holds,
// so the peak is a real check) and 300 schedules in 5 groups, the naive loop on 20 of them.
const SMALL: Sizes = {
  functions: 30,
  lambdaBudget: 10,
  groups: 5,
  perGroup: 60,
  naiveSample: 20,
  schedulerBudget: DEFAULT_WRITE_BUDGET.scheduler,
};

const quiet = { info: () => undefined, warn: () => undefined };
const origin = { door: 'direct' as const, actor: 'bench', correlationId: 'bench-fleet' };

/** The fleet's dependencies over the in-memory Region, each write of `service` through a metered ledger budget. */
function fleetOver(region: MemoryRegion, workloads: Workload[], service: ControlPlaneService, rate: number) {
  const writes: number[] = [];
  const calls: number[] = [];
  const meter = metered(
    ledgerBudget({ dynamo: region.dynamo, tableName: 'audit', service, ratePerSecond: rate }),
  );
  const onWrite = (at: number) => writes.push(at);
  const lambda = region.newLambda();
  const scheduler = region.newScheduler();
  recordCalls(service === 'lambda' ? lambda : scheduler, calls);
  // The other service's writes take their own budget at its default, as deps.ts does: none are made here.
  const other = (name: ControlPlaneService) =>
    ledgerBudget({
      dynamo: region.dynamo,
      tableName: 'audit',
      service: name,
      ratePerSecond: DEFAULT_WRITE_BUDGET[name],
    });
  const clients: AccountClients = {
    lambda: budgeted(lambda, service === 'lambda' ? meter.budget : other('lambda'), { onWrite }),
    scheduler: budgeted(scheduler, service === 'scheduler' ? meter.budget : other('scheduler'), { onWrite }),
    sqs: region.unanswered(new SQSClient({})),
    codedeploy: region.unanswered(new CodeDeployClient({})),
    cloudwatch: region.unanswered(new CloudWatchClient({})),
    tagging: region.unanswered(new ResourceGroupsTaggingAPIClient({})),
  };
  const deps: FleetDeps = {
    watchList: async () => ({ workloads, accounts: {} }),
    clientsFor: async (account) => {
      if (account !== undefined) throw new Error(`the bench has no account ${account}`);
      return clients;
    },
    ledger: region.ledger,
    logger: quiet,
    now: () => new Date(),
    // The stack's defaults (FLEET_CONCURRENCY, ROLLBACK_COOLDOWN_MINUTES…), as an empty environment gives them.
    config: fleetConfig({}),
    env: {},
  };
  return { deps, writes, calls, meter };
}

const request = (action: 'rollback' | 'disable') =>
  fleetRequestSchema.parse({ action, all: true, reason: `bench: fleet ${action}` });

const thousandths = (value: number) => Math.round(value * 1000) / 1000;

/** The writes of a run against its budget: the peak in a second, and the share used while the budget bound. */
function rateOf(run: ReturnType<typeof fleetOver>, budget: number) {
  const { writes, calls, meter } = run;
  const spanMs = (writes.at(-1) ?? 0) - (writes[0] ?? 0);
  const callsSpanS = ((calls.at(-1) ?? 0) - (calls[0] ?? 0)) / 1000;
  return {
    budgetPerSecond: budget,
    writes: writes.length,
    peakWritesPerSecond: peakPerSecond(writes),
    /** The shortest time holding budget + 1 writes: at least 1000 ms when no second holds more than the budget. */
    tightestOverBudgetMs: tightestSpan(writes, budget + 1),
    writeSpanMs: spanMs,
    /** How long a write waited for its token, on average: far above one place (1000 / budget ms) while it binds. */
    meanWaitMs: Math.round(meter.meanWaitMs()),
    budgetShare: thousandths(shareOfBudget(writes, budget)),
    peakCallsPerSecond: peakPerSecond(calls),
    averageCallsPerSecond: callsSpanS > 0 ? Math.round(calls.length / callsSpanS) : calls.length,
  };
}

async function measureRollback(sizes: Sizes) {
  const region = memoryRegion({ latencyMs: LATENCY_MS });
  try {
    const names = seedFunctions(region, sizes.functions, VERSIONS);
    // The naive loop, timed; the Lambda calls it sends per second are what the quota would count.
    const naiveCalls: number[] = [];
    recordCalls(region.lambda, naiveCalls);
    let started = performance.now();
    const naiveMoved = await naiveRollback(region.lambda, names);
    const naiveMs = performance.now() - started;
    resetAliases(region, VERSIONS);

    const workloads = names.map((name) => workload(name, name));
    const run = fleetOver(region, workloads, 'lambda', sizes.lambdaBudget);
    started = performance.now();
    const result = (await fleet(run.deps, request('rollback'), origin)) as FleetResult;
    const wallMs = performance.now() - started;
    const moved = [...region.functions.values()].filter(
      (item) => item.aliases.get('live')?.FunctionVersion === String(VERSIONS - 1),
    ).length;
    const idealMs = (sizes.functions / sizes.lambdaBudget) * 1000;
    return {
      functions: sizes.functions,
      wallMs: Math.round(wallMs),
      idealMs: Math.round(idealMs),
      wallOverIdeal: thousandths(wallMs / idealMs),
      ...rateOf(run, sizes.lambdaBudget),
      counts: result.counts,
      moved,
      naive: {
        ms: Math.round(naiveMs),
        moved: naiveMoved,
        writesPerSecond: Math.round((naiveMoved / naiveMs) * 1000 * 10) / 10,
        peakCallsPerSecond: peakPerSecond(naiveCalls),
      },
    };
  } finally {
    region.destroy();
  }
}

async function measureKillSwitch(sizes: Sizes) {
  const region = memoryRegion({ latencyMs: LATENCY_MS });
  try {
    const groups = seedSchedules(region, sizes.groups, sizes.perGroup);
    const total = sizes.groups * sizes.perGroup;
    // The naive loop on a sample, timed, then scaled by the schedule count; the sample is enabled again after.
    let started = performance.now();
    const sampled = await naiveDisable(region.scheduler, groups, sizes.naiveSample);
    const sampleMs = performance.now() - started;
    for (const group of region.groups.values()) for (const item of group.values()) item.State = 'ENABLED';
    const naiveEstimateMs = (sampleMs / sampled) * total;

    const workloads = groups.map((group) => workload(group, `${group}-fn`, [group]));
    const run = fleetOver(region, workloads, 'scheduler', sizes.schedulerBudget);
    started = performance.now();
    const result = (await fleet(run.deps, request('disable'), origin)) as FleetResult;
    const wallMs = performance.now() - started;
    const disabled = [...region.groups.values()]
      .flatMap((group) => [...group.values()])
      .filter((item) => item.State === 'DISABLED').length;
    return {
      schedules: total,
      groups: sizes.groups,
      wallMs: Math.round(wallMs),
      ...rateOf(run, sizes.schedulerBudget),
      counts: result.counts,
      disabled,
      naive: {
        sampleSchedules: sampled,
        sampleMs: Math.round(sampleMs),
        estimatedMs: Math.round(naiveEstimateMs),
      },
      naiveOverFleet: Math.round((naiveEstimateMs / wallMs) * 10) / 10,
    };
  } finally {
    region.destroy();
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const percent = (share: number) => `${(share * 100).toFixed(0)}%`;

type Rate = ReturnType<typeof rateOf>;

/** The budget columns: peak writes in a second, the budget, the shortest span of budget + 1 writes, its use. */
function budgetCells(rate: Rate): string[] {
  return [
    String(rate.peakWritesPerSecond),
    String(rate.budgetPerSecond),
    rate.tightestOverBudgetMs === null ? '-' : String(rate.tightestOverBudgetMs),
    `${percent(rate.budgetShare)} (wait ${rate.meanWaitMs} ms, a place ${Math.round(1000 / rate.budgetPerSecond)} ms)`,
  ];
}

function print(
  rollback: Awaited<ReturnType<typeof measureRollback>>,
  ks: Awaited<ReturnType<typeof measureKillSwitch>>,
) {
  printTable(
    [
      'fleet action',
      'naive loop (s)',
      'fleet (s)',
      'target',
      'measured',
      'peak writes/1 s',
      'budget/s',
      'budget+1 writes in (ms)',
      'budget used (mean wait for a token)',
    ],
    [
      [
        `rollback of ${rollback.functions} functions`,
        seconds(rollback.naive.ms),
        seconds(rollback.wallMs),
        `N / budget = ${seconds(rollback.idealMs)} s ± 10%`,
        `${rollback.wallOverIdeal.toFixed(2)} × N / budget`,
        ...budgetCells(rollback),
      ],
      [
        `disable ${ks.schedules.toLocaleString('en')} schedules in ${ks.groups} groups`,
        `${seconds(ks.naive.estimatedMs)}*`,
        seconds(ks.wallMs),
        '≥ 8× the naive loop',
        `${ks.naiveOverFleet.toFixed(1)}× the naive loop`,
        ...budgetCells(ks),
      ],
    ],
    'lrrllrrrl',
  );
  console.log(
    `\n* the naive disable measured on its first ${ks.naive.sampleSchedules} schedules (${seconds(ks.naive.sampleMs)} s) and scaled linearly to ${ks.schedules.toLocaleString('en')}:` +
      ' it is strictly sequential, one schedule after the other, so its time per schedule does not depend on the estate.' +
      `\nIn-memory Region at ${LATENCY_MS} ms a call; the fleet at its deployed defaults (functions/fleet/schema.ts), every write through the ledger-coordinated budget` +
      '. "budget+1 writes in": the shortest time holding one write more than the budget, from the times the budget granted each' +
      " write (budgeted's onWrite); 1000 ms or more is never above the budget. Each write leaves a little after its grant (signing," +
      ' a busy event loop), which shared/fleet/budget.ts says the budget does not cover.' +
      ' Budget used: writes per second from the first write to the last, against the budget; the budget binds when a write waits far longer than one place of its grid.' +
      `\nRollback: ${rollback.counts.succeeded} succeeded, ${rollback.moved} aliases on version ${VERSIONS - 1}; the naive loop moved ${rollback.naive.moved} at ${rollback.naive.writesPerSecond} writes/s.` +
      ` Lambda calls of every kind (its ${LAMBDA_QUOTA}/s quota counts reads too): fleet peak ${rollback.peakCallsPerSecond} in 1 s, ${rollback.averageCallsPerSecond}/s on average; naive loop peak ${rollback.naive.peakCallsPerSecond}.` +
      `\nDisable: ${ks.counts.succeeded} workloads succeeded, ${ks.disabled} of ${ks.schedules} schedules disabled. Scheduler calls of every kind: peak ${ks.peakCallsPerSecond} in 1 s, ${ks.averageCallsPerSecond}/s on average:` +
      " each workload's kill switch paces its reads and writes at its own 200/s ÷ the workloads in flight.",
  );
}

export const fleetBench: BenchSection = {
  name: 'fleet',
  description: `the fleet in the in-memory Region (${LATENCY_MS} ms a call): rollback of ${FULL.functions} functions against N / budget, kill switch over ${(FULL.groups * FULL.perGroup).toLocaleString('en')} schedules in ${FULL.groups} groups against a naive loop; writes per second against the budget`,
  async run({ small }) {
    const sizes = small ? SMALL : FULL;
    if (small)
      console.log(
        `--small: ${sizes.functions} functions at a Lambda budget of ${sizes.lambdaBudget}/s, ${sizes.groups * sizes.perGroup} schedules in ${sizes.groups} groups, naive sample ${sizes.naiveSample}.\n`,
      );
    const rollback = await measureRollback(sizes);
    const killSwitch = await measureKillSwitch(sizes);
    print(rollback, killSwitch);
    return { latencyMs: LATENCY_MS, rollback, killSwitch };
  },
};
