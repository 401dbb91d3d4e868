// Fleet kill switch: each selected workload's schedules stopped (and, with throttle, its function's reserved
// concurrency at 0), then put back exactly, by the kill switch's own action (functions/killswitch: snapshot,
// paced writes, resume, conflict rules, audit records) run in the workload's account. The fleet adds only the
// selection, the scope and the record of the whole.
//
// One workload is one or two kill switches, never more: one over its own groups (`all: true` with the config's
// groups set to the workload's), one over its single schedules in shared groups (`schedules` by name). The
// kill switch's selectors cannot say both at once, and listing a group's schedules here to name them one by one
// would copy its selection, cap the workload at 1000 schedules and change the selector (and so lose the open
// kill switch on a re-run) whenever a schedule is added. Each is scoped to the workload (KillSwitchConfig.scope)
// so that two workloads' `all` — or groups of the same name in two accounts — never continue each other.
import { GetScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { accountOf, scopeOf } from '../../shared/fleet/select.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { runbookCommand } from '../../shared/undo.js';
import { parseInput } from '../../shared/validate.js';
import { type KillSwitchDeps, type KillSwitchResult, killSwitch } from '../killswitch/killswitch.js';
import { DEFAULT_RATE_PER_SECOND, killSwitchRequestSchema } from '../killswitch/schema.js';
import { FLEET_RESERVE_MS } from './continue.js';
import { errorOf } from './run.js';
import type { FleetDeps, PerWorkload, WorkloadResult } from './types.js';

/** One of a workload's kill switches: its selector and the groups it may touch. */
export interface Part {
  selector: { all: true } | { schedules: { group: string; name: string }[] };
  groups: string[];
}

export function partsOf(workload: Workload): Part[] {
  const parts: Part[] = [];
  // Never `all` without groups: the kill switch would read that as every group of the account.
  if (workload.scheduleGroups.length > 0)
    parts.push({ selector: { all: true }, groups: workload.scheduleGroups });
  if (workload.schedules.length > 0)
    parts.push({
      selector: { schedules: workload.schedules.map(({ group, name }) => ({ group, name })) },
      groups: [...new Set(workload.schedules.map((item) => item.group))],
    });
  return parts;
}

/**
 * A workload's kill switch deps. `reserveMs`: the time kept back from its deadline for what follows it (the
 * fleet's record and continuation by default; governed.ts keeps less for a plan read inside an API call).
 */
export async function depsFor(
  deps: FleetDeps,
  workload: Workload,
  part: Part,
  inFlight: number,
  reserveMs = FLEET_RESERVE_MS,
): Promise<KillSwitchDeps> {
  const clients = await deps.clientsFor(workload.account);
  const remaining = deps.remainingMs;
  return {
    scheduler: clients.scheduler,
    lambda: clients.lambda,
    ledger: deps.ledger,
    logger: deps.logger,
    metrics: deps.metrics,
    now: deps.now,
    config: {
      scheduleGroups: part.groups,
      // The only function this workload's kill switch may throttle is its own.
      watchedFunction: workload.functionName,
      // Workloads run side by side: together their reads stay within the kill switch's own Scheduler rate (its
      // writes also take the fleet's shared budget, deps.ts); one workload alone has all of it.
      ratePerSecond: DEFAULT_RATE_PER_SECOND / Math.max(1, inFlight),
      // Requests in flight per workload: several workloads run at once, and the rate, not this, binds.
      concurrency: 4,
      scope: scopeOf(workload),
    },
    ...(remaining ? { remainingMs: () => remaining() - reserveMs } : {}),
  };
}

/** What every kill switch of a fleet run says: the run's reason (naming the fleet run), and whether it is a dry run. */
const common = (request: { reason?: string | undefined; dryRun: boolean }, fleetAuditId: string) => ({
  reason: `${request.reason ?? ''} (fleet ${fleetAuditId})`.trim(),
  dryRun: request.dryRun,
});

/** One of the workload's kill switches, by the kill switch's own action and request schema. */
async function runPart(
  deps: FleetDeps,
  workload: Workload,
  part: Part,
  fields: Record<string, unknown>,
  context: { origin: Origin; inFlight?: number | undefined },
): Promise<KillSwitchResult> {
  const request = parseInput(killSwitchRequestSchema, fields);
  const ksDeps = await depsFor(deps, workload, part, context.inFlight ?? deps.config.concurrency);
  return (await killSwitch(ksDeps, request, context.origin)) as KillSwitchResult;
}

/** The kill switch request of one of a workload's parts in a fleet disable (its plan reads the same, governed.ts). */
export function disableFields(
  workload: Workload,
  part: Part,
  index: number,
  request: { reason?: string | undefined; dryRun: boolean; throttle: boolean },
  fleetAuditId: string,
): Record<string, unknown> {
  // The throttle goes with the first kill switch: one function, one recorded concurrency to put back.
  const throttle = request.throttle && index === 0;
  return {
    action: 'disable',
    ...part.selector,
    ...(throttle ? { throttle: true, functionName: workload.functionName } : {}),
    ...common(request, fleetAuditId),
  };
}

export const disableWorkload: PerWorkload = async (deps, workload, context) => {
  const { request, fleetAuditId } = context;
  const parts = partsOf(workload);
  if (parts.length === 0) return noSchedules(workload, request.throttle);
  await groupsExist(deps, workload);
  const results: KillSwitchResult[] = [];
  for (const [index, part] of parts.entries()) {
    try {
      results.push(
        await runPart(
          deps,
          workload,
          part,
          disableFields(workload, part, index, request, fleetAuditId),
          context,
        ),
      );
    } catch (error) {
      // The first kill switch stopped schedules before the second failed: the line must still restore them.
      if (results.length === 0) throw error;
      return { ...disableLine(workload, results), outcome: 'failed', error: errorOf(error) };
    }
  }
  return disableLine(workload, results);
};

export const enableWorkload: PerWorkload = async (deps, workload, context) => {
  const { request, fleetAuditId } = context;
  const parts = partsOf(workload);
  // From an undo: exactly the kill switches that run's disable opened; otherwise the open one of each part.
  const asked = request.restoreIds
    ? request.restoreIds.map((restoreId) => ({
        part: parts[0] ?? { selector: { all: true }, groups: [] },
        restoreId,
      }))
    : parts.map((part) => ({ part, restoreId: undefined }));
  if (asked.length === 0) return noSchedules(workload, false);
  const results: KillSwitchResult[] = [];
  for (const { part, restoreId } of asked) {
    const fields = { action: 'enable', ...(restoreId ? { restoreId } : part.selector) };
    try {
      results.push(
        await runPart(deps, workload, part, { ...fields, ...common(request, fleetAuditId) }, context),
      );
    } catch (error) {
      // No open kill switch for this part: nothing of it to put back (a person enabled it, or it never ran).
      if (restoreId === undefined && error instanceof NotFoundError && error.field === 'restoreId') continue;
      throw error;
    }
  }
  return enableLine(workload, results);
};

/**
 * Every group the workload names must exist before any of its schedules is touched. The kill switch checks the
 * group of a `group` selector itself, but reads `all` over configured groups as whatever ListSchedules lists,
 * and a group deleted (or misspelt in the watch list) would then read as "nothing to stop".
 */
export async function groupsExist(deps: FleetDeps, workload: Workload): Promise<void> {
  const { scheduler } = await deps.clientsFor(workload.account);
  const groups = [...new Set([...workload.scheduleGroups, ...workload.schedules.map((item) => item.group)])];
  for (const Name of groups) {
    try {
      await scheduler.send(new GetScheduleGroupCommand({ Name }));
    } catch (error) {
      if (isAwsError(error, 'ResourceNotFoundException'))
        throw new NotFoundError(
          `no schedule group ${Name} (watch list: ${workload.name})`,
          'scheduleGroups',
          error,
        );
      throw error;
    }
  }
}

function noSchedules(workload: Workload, throttle: boolean): WorkloadResult {
  const base = { workload: workload.name, account: accountOf(workload) };
  if (!throttle) return { ...base, outcome: 'unchanged', summary: 'no schedules watched: nothing to stop' };
  // Asked for the hard stop and not given it: a failure to see, not a quiet "unchanged".
  const error = new ValidationError(
    `${workload.name} declares no schedules: the kill switch throttles a function alongside its schedules (declare them in the watch list)`,
    'throttle',
  );
  return {
    ...base,
    outcome: 'failed',
    summary: 'not throttled',
    error: { code: error.code, message: error.message },
  };
}

const auditIds = (results: readonly KillSwitchResult[]) => ({
  auditId: results[0]?.auditId,
  ...(results.length > 1 ? { auditIds: results.map((result) => result.auditId) } : {}),
});

const sum = (results: readonly KillSwitchResult[], outcome: string) =>
  results.reduce((total, result) => total + (result.counts[outcome] ?? 0), 0);

/** The workload's own undo: the fleet's enable of it, which finds its open kill switches by their scope. */
const enableUndo = (workload: Workload, restoreIds: string[]) =>
  runbookCommand('fleet enable', {
    workload: workload.name,
    reason: `undo kill switch ${restoreIds.join(', ')}`,
  });

function disableLine(workload: Workload, results: KillSwitchResult[]): WorkloadResult {
  const base = {
    workload: workload.name,
    account: accountOf(workload),
    ...auditIds(results),
  };
  const throttled = results.find((result) => result.throttle)?.throttle;
  const stopped = sum(results, 'disabled');
  const earlier = sum(results, 'already-disabled') + sum(results, 'disabled-earlier');
  const skipped = sum(results, 'skipped');
  const failed = sum(results, 'failed') + (throttled?.outcome === 'failed' ? 1 : 0);
  const hard = throttled ? `, reserved concurrency ${throttled.outcome}` : '';
  if (results.every((result) => result.dryRun))
    return {
      ...base,
      outcome: 'planned',
      summary: `would disable ${sum(results, 'would-disable')} schedules${hard}`,
    };
  const restoreIds = results.filter((result) => result.changed).map((result) => result.restoreId as string);
  const restore =
    restoreIds.length > 0
      ? { restore: { kind: 'enable' as const, restoreIds }, undo: enableUndo(workload, restoreIds) }
      : {};
  const counted = `${stopped} schedules disabled, ${earlier} already off${hard}`;
  if (skipped > 0)
    return {
      ...base,
      outcome: 'skipped',
      summary: `${counted}, ${skipped} left when time ran out`,
      ...restore,
    };
  if (failed > 0) {
    const why = results.flatMap((result) => result.schedules.filter((item) => item.outcome === 'failed'));
    const message = throttled?.error ?? why[0]?.error ?? 'a write failed';
    return {
      ...base,
      outcome: 'failed',
      summary: `${counted}, ${failed} failed`,
      error: { code: 'KillSwitchIncomplete', message: `${failed} failed: ${message}` },
      ...restore,
    };
  }
  if (restoreIds.length > 0) return { ...base, outcome: 'succeeded', summary: counted, ...restore };
  return { ...base, outcome: 'unchanged', summary: counted };
}

function enableLine(workload: Workload, results: KillSwitchResult[]): WorkloadResult {
  const base = { workload: workload.name, account: accountOf(workload) };
  if (results.length === 0) return { ...base, outcome: 'unchanged', summary: 'no open kill switch' };
  const ids = auditIds(results);
  const throttle = results.find((result) => result.throttle)?.throttle;
  const hard = throttle ? `, reserved concurrency ${throttle.outcome}` : '';
  if (results.every((result) => result.dryRun))
    return {
      ...base,
      ...ids,
      outcome: 'planned',
      summary: `would enable ${sum(results, 'would-enable')} schedules${hard}`,
    };
  const left = ['conflict', 'changed-since', 'missing', 'not-changed-by-disable'].reduce(
    (total, outcome) => total + sum(results, outcome),
    0,
  );
  const counted = `${sum(results, 'enabled')} schedules enabled, ${left} left for a person${hard}`;
  const skipped = sum(results, 'skipped');
  if (skipped > 0)
    return { ...base, ...ids, outcome: 'skipped', summary: `${counted}, ${skipped} left when time ran out` };
  const failed = sum(results, 'failed') + (throttle?.outcome === 'failed' ? 1 : 0);
  if (failed > 0)
    return {
      ...base,
      ...ids,
      outcome: 'failed',
      summary: `${counted}, ${failed} failed`,
      error: {
        code: 'KillSwitchIncomplete',
        message: 'not everything was restored: run the same request again',
      },
    };
  const changed = results.some((result) => result.changed);
  // Undoing an enable stops the same schedules again: the fleet disable of this workload.
  const undo = changed
    ? { undo: runbookCommand('fleet disable', { workload: workload.name, reason: 'undo fleet enable' }) }
    : {};
  return { ...base, ...ids, outcome: changed ? 'succeeded' : 'unchanged', summary: counted, ...undo };
}
