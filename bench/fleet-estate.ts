// What the fleet bench (bench/fleet.ts) measures on: an estate in the in-memory Region (functions with their
// versions and `live` alias; schedule groups full of schedules), the naive loops the fleet actions are compared
// with, and the meters of a budget (when each write left; how long callers were kept waiting).
import {
  GetAliasCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { definitionOf, updateInput } from '../functions/killswitch/definition.js';
import type { ControlPlaneBudget } from '../shared/fleet/budget.js';
import { bareWorkload, type Workload } from '../shared/fleet/workload.js';
import { type MemoryRegion, memoryFunction } from './memory-region.js';

/** A watched workload as the watch list would declare it, with nothing but its function and groups. */
export function workload(name: string, functionName: string, scheduleGroups: string[] = []): Workload {
  return bareWorkload({ name, functionName, scheduleGroups, source: 'file' });
}

/** `count` functions `fn-000…`, each with `versions` published versions and `live` on the newest. */
export function seedFunctions(region: MemoryRegion, count: number, versions: number): string[] {
  const names = Array.from({ length: count }, (_, i) => `fn-${String(i).padStart(3, '0')}`);
  for (const name of names)
    region.functions.set(name, memoryFunction(name, versions, { live: String(versions) }));
  return names;
}

/** Every `live` alias back on the newest version, untimed (between the naive loop and the fleet). */
export function resetAliases(region: MemoryRegion, versions: number): void {
  for (const name of region.functions.keys())
    region.functions.set(name, memoryFunction(name, versions, { live: String(versions) }));
}

/** `groups` groups `jobs-00…` of `perGroup` enabled schedules each, as a workload's cron jobs would be. */
export function seedSchedules(region: MemoryRegion, groups: number, perGroup: number): string[] {
  const names = Array.from({ length: groups }, (_, i) => `jobs-${String(i).padStart(2, '0')}`);
  for (const group of names) {
    const schedules = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < perGroup; i++) {
      const name = `job-${String(i).padStart(3, '0')}`;
      schedules.set(name, {
        Arn: `arn:aws:scheduler:us-east-1:123456789012:schedule/${group}/${name}`,
        Name: name,
        GroupName: group,
        Description: `bench schedule ${group}/${name}`,
        ScheduleExpression: 'cron(35 9 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'America/New_York',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: {
          Arn: `arn:aws:lambda:us-east-1:123456789012:function:${group}-fn:live`,
          RoleArn: 'arn:aws:iam::123456789012:role/bench-scheduler',
          Input: JSON.stringify({ job: name }),
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
        },
        CreationDate: new Date('2026-01-01T00:00:00Z'),
        LastModificationDate: new Date('2026-01-01T00:00:00Z'),
      });
    }
    region.groups.set(group, schedules);
  }
  return names;
}

/**
 * The rollback by hand, one function after the other: read the alias, list the versions, put the alias on the
 * highest version below the one it serves. No ledger, no checks, no budget: the floor of what a loop costs.
 */
export async function naiveRollback(lambda: LambdaClient, names: readonly string[]): Promise<number> {
  let moved = 0;
  for (const FunctionName of names) {
    const alias = await lambda.send(new GetAliasCommand({ FunctionName, Name: 'live' }));
    const { Versions = [] } = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName }));
    const below = Versions.map((item) => Number(item.Version))
      .filter((version) => version < Number(alias.FunctionVersion))
      .sort((a, b) => b - a)[0];
    if (below === undefined) continue;
    await lambda.send(new UpdateAliasCommand({ FunctionName, Name: 'live', FunctionVersion: String(below) }));
    moved++;
  }
  return moved;
}

/**
 * The kill switch by hand (as bench/killswitch.ts's naive loop): list a group, then GetSchedule and
 * UpdateSchedule one schedule after the other, group after group, until `limit` schedules are done.
 */
export async function naiveDisable(
  scheduler: SchedulerClient,
  groups: readonly string[],
  limit: number,
): Promise<number> {
  let done = 0;
  for (const group of groups) {
    if (done >= limit) break;
    const names: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await scheduler.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
      names.push(...(page.Schedules ?? []).map((item) => String(item.Name)));
      NextToken = page.NextToken ?? undefined;
    } while (NextToken);
    for (const name of names.slice(0, limit - done)) {
      const schedule = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      // Even the naive loop sends every field back: the fair comparison is of pacing, not of correctness.
      await scheduler.send(
        new UpdateScheduleCommand(
          updateInput(definitionOf(schedule, group), 'DISABLED', `naive-${group}-${name}`),
        ),
      );
      done++;
    }
  }
  return done;
}

/** Records when each call of `client` is sent (every command, before any budget): what a quota counts. */
export function recordCalls(
  client: { middlewareStack: { add(...args: never[]): void } },
  times: number[],
): void {
  (client.middlewareStack.add as (...args: unknown[]) => void)(
    (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
      times.push(Date.now());
      return next(args);
    },
    { step: 'initialize', name: 'benchRecordCalls' },
  );
}

/** The most times in any one-second window, sliding: times less than 1000 ms apart share a window. */
export function peakPerSecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}

/**
 * The shortest time holding `count` writes: with `count` one more than the budget, under 1000 ms is a second
 * with more writes than the budget (999 is one tick of a clock that reads whole milliseconds).
 */
export function tightestSpan(times: readonly number[], count: number): number | null {
  const sorted = [...times].sort((a, b) => a - b);
  let tightest: number | null = null;
  for (let end = count - 1; end < sorted.length; end++) {
    const span = (sorted[end] as number) - (sorted[end - count + 1] as number);
    if (tightest === null || span < tightest) tightest = span;
  }
  return tightest;
}

/** Writes per second between the first write and the last, against `rate`: the share of the budget used. */
export function shareOfBudget(times: readonly number[], rate: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  const spanS = ((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)) / 1000;
  return spanS > 0 ? (sorted.length - 1) / spanS / rate : 0;
}

/** A budget's meter: how long each write waited for its token (the budget binds when it is far above a place). */
export interface BudgetMeter {
  budget: ControlPlaneBudget;
  meanWaitMs(): number;
}

export function metered(inner: ControlPlaneBudget): BudgetMeter {
  let waited = 0;
  let taken = 0;
  return {
    budget: {
      async take() {
        const asked = performance.now();
        const granted = await inner.take();
        waited += performance.now() - asked;
        taken++;
        return granted;
      },
    },
    meanWaitMs: () => (taken > 0 ? waited / taken : 0),
  };
}
