// The fleet's approval gate (functions/fleet/governed.ts), on fakes: what it never holds, and a plan it cannot
// finish reading, refused before anything is written. Held runs and approved ones against the emulator are in
// test/integration/fleet-approvals.test.ts.
import {
  GetScheduleCommand,
  GetScheduleGroupCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { governedFleet, HOLD_MARGIN_MS } from '../../functions/fleet/governed.js';
import { type FleetRequest, fleetRequestSchema } from '../../functions/fleet/schema.js';
import { fleetStatus } from '../../functions/fleet/status.js';
import type { FleetDeps, PerWorkload } from '../../functions/fleet/types.js';
import type { ApprovalPolicy } from '../../shared/approval/policy.js';
import { bareWorkload, type Workload } from '../../shared/fleet/workload.js';
import { parseInput } from '../../shared/validate.js';

const workload = (name: string): Workload =>
  bareWorkload({ name, functionName: `fn-${name}`, source: 'file' });

/** A policy that would hold every disable, throttle and drain. */
const policy: ApprovalPolicy = {
  actions: new Set(['schedules.disable', 'killswitch.throttle', 'dlq.drain']),
  required: 2,
  ttlMinutes: 30,
  drainAbove: 0,
};

function fakes(remainingMs = 600_000, more: Partial<FleetDeps> = {}) {
  const create = vi.fn(async () => {});
  const record = vi.fn(async () => ({ notified: false }));
  const deps = {
    watchList: async () => ({ workloads: [workload('orders'), workload('refunds')], accounts: {} }),
    clientsFor: async () => {
      throw new Error('no AWS call expected');
    },
    ledger: { record, list: async () => [], get: async () => undefined },
    logger: { info: () => {}, warn: () => {} },
    now: () => new Date('2026-11-27T22:00:00.000Z'),
    config: { concurrency: 2, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
    env: {},
    homeAccount: '123456789012',
    remainingMs: () => remainingMs,
    approval: { approvals: { create }, policy },
    ...more,
  } as unknown as FleetDeps;
  return { deps, create, record };
}

const request = (fields: Record<string, unknown>): FleetRequest =>
  parseInput(fleetRequestSchema, { reason: 'why it is needed', ...fields });
const api = {
  door: 'api' as const,
  actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
  correlationId: 'c',
};
const perWorkload: PerWorkload = async (_deps, one) => ({
  workload: one.name,
  account: 'self',
  outcome: 'unchanged',
  summary: 'stub',
});

describe('the fleet approval gate', () => {
  it.each([
    ['rollback', { action: 'rollback', all: true }],
    ['enable', { action: 'enable', all: true }],
    ['a dry run', { action: 'disable', all: true, dryRun: true }],
    ['break-glass', { action: 'disable', all: true, breakGlass: { reason: 'approvers asleep' } }],
  ])('never holds %s, even where the policy holds every disable and drain', async (_, fields) => {
    // Prepare
    const { deps, create } = fakes();
    const step = vi.fn(perWorkload);

    // Act
    const result = await governedFleet(deps, request(fields), api, step);

    // Assess
    expect(result).not.toHaveProperty('held');
    expect(step).toHaveBeenCalledTimes(2);
    expect(create).not.toHaveBeenCalled();
  });

  it('never holds an alarm’s run: a machine cannot wait for people', async () => {
    // Prepare
    const { deps, create } = fakes();

    // Act
    const result = await governedFleet(
      deps,
      request({ action: 'disable', all: true }),
      { ...api, door: 'alarm' },
      perWorkload,
    );

    // Assess
    expect(result).toMatchObject({ action: 'disable', selected: 2 });
    expect(create).not.toHaveBeenCalled();
  });

  it('holds nothing when no workload’s plan would change anything (no DLQ to drain)', async () => {
    // Prepare
    const { deps, create } = fakes();

    // Act
    const result = await governedFleet(deps, request({ action: 'drain', all: true }), api, perWorkload);

    // Assess
    expect(result).toMatchObject({ action: 'drain', selected: 2 });
    expect(create).not.toHaveBeenCalled();
  });

  it('refuses a plan it cannot finish reading in this invocation, naming workloads, before any write', async () => {
    // Prepare: no time left, as at the end of the approvals function's 29 s
    const { deps, create, record } = fakes(0);
    const step = vi.fn(perWorkload);

    // Act
    const outcome = governedFleet(deps, request({ action: 'drain', all: true }), api, step);

    // Assess
    await expect(outcome).rejects.toMatchObject({
      code: 'PlanTooLarge',
      field: 'workloads',
      statusCode: 409,
    });
    expect(step).not.toHaveBeenCalled();
    expect(create).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
  });
});

describe('an approved fleet disable read again', () => {
  const scheduler = mockClient(SchedulerClient);

  beforeEach(() => {
    scheduler.reset();
    scheduler.on(GetScheduleGroupCommand).resolves({ Name: 'orders-jobs' });
    scheduler.on(ListSchedulesCommand).resolves({
      Schedules: [
        { Name: 'a', GroupName: 'orders-jobs', State: 'ENABLED' },
        { Name: 'b', GroupName: 'orders-jobs', State: 'ENABLED' },
      ],
    });
    scheduler.on(GetScheduleCommand, { Name: 'a' }).resolves({
      Name: 'a',
      GroupName: 'orders-jobs',
      State: 'ENABLED',
      ScheduleExpression: 'rate(5 minutes)',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: 'arn:aws:lambda:us-east-1:123456789012:function:fn-orders',
        RoleArn: 'arn:aws:iam::123456789012:role/r',
      },
    });
    scheduler.on(GetScheduleCommand, { Name: 'b' }).rejects(
      Object.assign(new Error('We encountered an internal error'), {
        name: 'InternalServerException',
        $fault: 'server',
      }),
    );
  });

  it('refuses the run when a schedule cannot be read, rather than taking the fault for a change (stale) and asking again', async () => {
    // Prepare: the orders workload with one group; its approval's plan read before
    const { deps, create, record } = fakes();
    const orders = { ...workload('orders'), scheduleGroups: ['orders-jobs'] };
    const approvedDeps = {
      ...deps,
      watchList: async () => ({ workloads: [orders], accounts: {} }),
      clientsFor: async () => ({ scheduler: new SchedulerClient({}), lambda: {} }),
    } as unknown as FleetDeps;
    const approved = {
      ...api,
      approval: {
        approvalId: '20261127T215000000Z-0000abcd',
        approvedBy: ['bob', 'carol'],
        before: { workloads: 1, plan: 'x' },
      },
    };
    const step = vi.fn(perWorkload);

    // Act
    const outcome = governedFleet(
      approvedDeps,
      request({ action: 'disable', workloads: ['orders'] }),
      approved,
      step,
    );

    // Assess
    await expect(outcome).rejects.toMatchObject({ code: 'PlanUnreadable', statusCode: 409 });
    await expect(outcome).rejects.toThrow(/orders: 1 schedule\(s\) unreadable/);
    expect(step).not.toHaveBeenCalled();
    expect(create).not.toHaveBeenCalled();
    expect(record).not.toHaveBeenCalled();
  });

  it('reads a plan inside an API call until HOLD_MARGIN_MS before the call’s end, not the run’s 25 s (3 s of a 28 s call)', async () => {
    // Prepare: 10 s of the API call left; the same 10 s of a whole invocation would refuse the plan
    const continueWith = vi.fn(async () => {});
    const inApiCall = fakes(10_000, { apiCall: true, continueWith });
    const whole = fakes(10_000);

    // Act
    const result = await governedFleet(
      inApiCall.deps,
      request({ action: 'drain', all: true }),
      api,
      perWorkload,
    );
    const refused = governedFleet(whole.deps, request({ action: 'drain', all: true }), api, perWorkload);

    // Assess: planned (nothing to hold); no time left to start a workload in the call, so the run continues
    // from the queue rather than leaving it to a person
    expect(result).toMatchObject({
      action: 'drain',
      selected: 2,
      continuation: { queued: true, remaining: 2 },
    });
    expect(continueWith).toHaveBeenCalledTimes(1);
    await expect(refused).rejects.toMatchObject({ code: 'PlanTooLarge' });
  });

  it('refuses a plan inside an API call only when less than HOLD_MARGIN_MS is left', async () => {
    // Prepare
    const { deps, create } = fakes(HOLD_MARGIN_MS - 1, { apiCall: true });

    // Act
    const outcome = governedFleet(deps, request({ action: 'drain', all: true }), api, perWorkload);

    // Assess: the API call's time named, and fewer workloads suggested (there are two)
    await expect(outcome).rejects.toMatchObject({
      code: 'PlanTooLarge',
      message: expect.stringMatching(
        /within this API call's 28 s .*Ask for fewer workloads at a time, or act alone with breakGlass/,
      ),
    });
    expect(create).not.toHaveBeenCalled();
  });

  it('says that only break-glass acts on one workload too large to plan in the call, never "fewer workloads"', async () => {
    // Prepare
    const { deps } = fakes(HOLD_MARGIN_MS - 1, { apiCall: true });

    // Act
    const outcome = governedFleet(
      deps,
      request({ action: 'drain', workloads: ['orders'] }),
      api,
      perWorkload,
    );

    // Assess
    await expect(outcome).rejects.toMatchObject({
      code: 'PlanTooLarge',
      message: expect.stringContaining(
        "This workload's plan is too large to read for an approval inside an API call",
      ),
    });
    await expect(outcome).rejects.not.toMatchObject({ message: expect.stringContaining('fewer workloads') });
  });
});

describe('fleet status inside an API call', () => {
  it('reads no workload whose parts no longer fit in the time left, and says `not reached` rather than answer late', async () => {
    // Prepare: 9 s of the call left (each workload's parts take 8 s at most); then a whole invocation's time
    const late = fakes(9_000, { apiCall: true });
    const early = fakes();

    // Act
    const cut = (await fleetStatus(late.deps, request({ action: 'status', all: true }))) as {
      workloads: { errors?: Record<string, string> }[];
    };
    const read = (await fleetStatus(early.deps, request({ action: 'status', all: true }))) as typeof cut;

    // Assess: nothing started in the call; with time, each workload was read (its fake account refuses)
    expect(cut.workloads.map((line) => line.errors?.account)).toEqual(['not reached', 'not reached']);
    expect(read.workloads.map((line) => line.errors?.account)).toEqual([
      'no AWS call expected',
      'no AWS call expected',
    ]);
  });
});
