// The emergency kill switch: stop a workload's EventBridge Scheduler schedules (and, if asked, the function
// itself) in one request, and later put back exactly what was there.
//
// The manual route it replaces is `aws scheduler update-schedule --name … --state DISABLED`, which resets every
// field not sent again (UpdateSchedule replaces the whole schedule), and whose undo re-enables schedules that
// were already off before the incident. Here, on the action skeleton (shared/action.ts):
//   disable (disable.ts): select → GetSchedule each → snapshot every definition in the audit ledger under a
//            restoreId (snapshot.ts) → UpdateSchedule each with every field sent back and State DISABLED
//            (writes.ts), paced, with bounded concurrency and backoff on throttling.
//   enable (enable.ts): for each schedule the disable changed, and only if nothing but its State changed since
//            the snapshot, put its original State back; anything else edited meanwhile is a conflict.
//   record (record.ts): the run's audit record, the marker that closes a finished enable, metrics, the answer.
//   status (status.ts): the open kill switches, and the state of the selected schedules.
import { type Action, runAction } from '../../shared/action.js';
import type { Origin } from '../../shared/origin.js';
import { actDisable, planDisable } from './disable.js';
import { actEnable, planEnable } from './enable.js';
import { disableEntry, disableResult, enableEntry, enableResult, killSwitchMetrics } from './record.js';
import type { KillSwitchRequest } from './schema.js';
import { pacerFor } from './select.js';
import { status } from './status.js';
import type {
  Asked,
  DisablePlan,
  DisableRun,
  EnablePlan,
  EnableRun,
  KillSwitchDeps,
  KillSwitchResult,
  PacedDeps,
} from './types.js';

export { status } from './status.js';
export type { KillSwitchDeps, KillSwitchResult, Progress } from './types.js';

// Metrics are read off the answer; the notification is not among them.
const NO_RECEIPT = { notified: false };

export const disableAction: Action<PacedDeps, Asked, DisablePlan, DisableRun, KillSwitchResult> = {
  plan: planDisable,
  // Nothing to stop and nothing open: no kill switch to open (a dry run says what it would do instead).
  settled: (plan) => (plan.restoreId === null && !plan.dryRun ? { kind: 'nothing' } : undefined),
  dryRun: () => ({ kind: 'planned' }),
  act: actDisable,
  entry: disableEntry,
  result: disableResult,
  metrics: (step, elapsedMs) => killSwitchMetrics(disableResult(step, NO_RECEIPT), elapsedMs),
};

const enableAction: Action<PacedDeps, Asked, EnablePlan, EnableRun, KillSwitchResult> = {
  plan: planEnable,
  settled: (plan) => (plan.closed ? { kind: 'closed' } : undefined),
  dryRun: () => ({ kind: 'planned' }),
  act: actEnable,
  entry: enableEntry,
  result: enableResult,
  metrics: (step, elapsedMs) => killSwitchMetrics(enableResult(step, NO_RECEIPT), elapsedMs),
};

/** One pacer per request, shared by its reads and its writes. */
export const paced = (deps: KillSwitchDeps): PacedDeps => ({ ...deps, pacer: pacerFor(deps) });

export function disable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  return runAction(disableAction, paced(deps), { request, origin });
}

export function enable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  return runAction(enableAction, paced(deps), { request, origin });
}

/** One request, whichever its action: what the handler calls. */
export function killSwitch(deps: KillSwitchDeps, request: KillSwitchRequest, origin: Origin) {
  if (request.action === 'status') return status(deps, request);
  return (request.action === 'disable' ? disable : enable)(deps, request, origin);
}
