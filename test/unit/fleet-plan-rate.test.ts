// The plan of a held fleet run reads at the kill switch's rate shared by the workloads planned side by side, as
// the run's parts share it (run.ts): a fleet of one reads at the whole rate. It read at an eighth of it
// (FLEET_CONCURRENCY's eight, whatever the number of workloads), so one workload of 2,000 schedules took 80 s,
// past the API call's 28 s.
import { GetScheduleGroupCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RATE_PER_SECOND } from '../../functions/killswitch/schema.js';
import type { KillSwitchDeps } from '../../functions/killswitch/types.js';

/** The read rate of each workload's kill switch plan, as depsFor gave it. */
const rates: number[] = [];

vi.mock('../../functions/fleet/killswitch.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../functions/fleet/killswitch.js')>();
  return {
    ...real,
    depsFor: async (...args: Parameters<typeof real.depsFor>): Promise<KillSwitchDeps> => {
      const deps = await real.depsFor(...args);
      rates.push(deps.config.ratePerSecond);
      return deps;
    },
  };
});

const { governedFleet } = await import('../../functions/fleet/governed.js');
const { fleetRequestSchema } = await import('../../functions/fleet/schema.js');
const { bareWorkload } = await import('../../shared/fleet/workload.js');
const { parseInput } = await import('../../shared/validate.js');

const scheduler = mockClient(SchedulerClient);

function fleetOf(count: number) {
  const workloads = Array.from({ length: count }, (_, n) => ({
    ...bareWorkload({ name: `w${n}`, functionName: `fn-${n}`, source: 'file' }),
    scheduleGroups: [`g${n}`],
  }));
  return {
    watchList: async () => ({ workloads, accounts: {} }),
    clientsFor: async () => ({ scheduler: new SchedulerClient({}), lambda: {} }),
    ledger: {
      record: vi.fn(async () => ({ notified: false })),
      list: async () => [],
      get: async () => undefined,
    },
    logger: { info: () => {}, warn: () => {} },
    now: () => new Date('2026-11-28T02:00:00.000Z'),
    config: { concurrency: 8, cooldownMinutes: 0, killSwitchAlarms: [], rollbackAlarms: [] },
    env: {},
    homeAccount: '123456789012',
    remainingMs: () => 600_000,
    approval: {
      approvals: { create: vi.fn(async () => undefined) },
      policy: { actions: new Set(['schedules.disable']), required: 2, ttlMinutes: 30, drainAbove: 0 },
    },
  };
}

const api = {
  door: 'api' as const,
  actor: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
  correlationId: 'c',
};
const perWorkload = vi.fn();

describe('the plan of a held fleet disable', () => {
  // Workers serve many files (isolate: false): the next file imports the real module again
  // (test/setup-shared-worker.ts resets the project's modules after each file).
  afterAll(() => {
    vi.doUnmock('../../functions/fleet/killswitch.js');
  });

  beforeEach(() => {
    rates.length = 0;
    scheduler.reset();
    scheduler.on(GetScheduleGroupCommand).resolves({});
    scheduler.on(ListSchedulesCommand).resolves({ Schedules: [] });
  });

  it.each([
    [1, DEFAULT_RATE_PER_SECOND],
    [3, DEFAULT_RATE_PER_SECOND / 3],
    [12, DEFAULT_RATE_PER_SECOND / 8],
  ])(
    'of %i workload(s) reads each at %d a second: the rate shared by those read side by side (at most 8)',
    async (count, rate) => {
      // Prepare
      const deps = fleetOf(count);
      const request = parseInput(fleetRequestSchema, { action: 'disable', all: true, reason: 'runaway' });

      // Act
      const held = await governedFleet(deps as never, request, api, perWorkload);

      // Assess: held, nothing run, every workload planned at the shared rate
      expect(held).toMatchObject({ held: true, action: 'fleet.disable' });
      expect(perWorkload).not.toHaveBeenCalled();
      expect(rates).toEqual(Array(count).fill(rate));
    },
  );
});
