// A fleet run: select the workloads → each one's own action (its own audit record), side by side within the
// control-plane budget → one record for the whole, one answer, one undo. Partial failure is normal at fleet
// scale: what succeeded stays done and recorded, what failed is listed with its reason, and running the same
// request again finishes the rest (every per-workload action is idempotent).
import { newAuditId } from '../../shared/audit.js';
import { describe, RunbookError } from '../../shared/errors.js';
import { select } from '../../shared/fleet/select.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { mapSettled } from '../../shared/rate.js';
import { movedSince } from './moved.js';
import { fleetEntry, fleetResult } from './record.js';
import type { FleetRequest } from './schema.js';
import type { FleetDeps, FleetResult, PerWorkload, WorkloadResult } from './types.js';

/** The workloads a request addresses; a selector naming nothing real is refused here, before any write. */
export async function selected(deps: FleetDeps, request: FleetRequest): Promise<Workload[]> {
  const chosen = select(await deps.watchList(), {
    ...(request.workloads ? { workloads: request.workloads } : {}),
    ...(request.tags ? { tags: request.tags } : {}),
    ...(request.all ? { all: true } : {}),
    ...(request.deployedSince !== undefined ? { deployedSinceMinutes: request.deployedSince } : {}),
    ...(request.accounts ? { accounts: request.accounts } : {}),
  });
  return request.deployedSince === undefined ? chosen : movedSince(deps, chosen, request.deployedSince);
}

export async function runFleet(
  deps: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  perWorkload: PerWorkload,
  workloads?: Workload[],
): Promise<FleetResult> {
  const chosen = workloads ?? (await selected(deps, request));
  const fleetAuditId = newAuditId(deps.now());
  const settled = await mapSettled(chosen, { concurrency: deps.config.concurrency }, (workload) =>
    perWorkload(inAccount(deps, workload), workload, { request, origin, fleetAuditId }),
  );
  const results = settled.map((item, index): WorkloadResult => {
    const workload = chosen[index] as Workload;
    if (item.status === 'ok') return item.value;
    const base = { workload: workload.name, account: workload.account ?? 'self' };
    if (item.status === 'skipped') return { ...base, outcome: 'skipped', summary: 'not reached' };
    return { ...base, outcome: 'failed', summary: 'failed', error: errorOf(item.error) };
  });
  const entry = fleetEntry({ request, origin, auditId: fleetAuditId, results });
  try {
    const { notified } = await deps.ledger.record(entry, fleetAuditId);
    return fleetResult(request, fleetAuditId, results, { notified });
  } catch (error) {
    // Each workload's own record is written; only the whole's is missing. Never fail after acting.
    deps.logger.warn('the fleet record could not be written', {
      auditId: fleetAuditId,
      reason: describe(error),
    });
    return fleetResult(request, fleetAuditId, results, {
      notified: false,
      unrecorded: `the fleet run acted but its record could not be written: ${describe(error)}`,
    });
  }
}

/**
 * The deps of one workload's step: every record its own action writes names the account it acted in (the
 * account id, or the runbook's own id when the function knows it), without the actions knowing about fleets.
 */
export function inAccount(deps: FleetDeps, workload: Workload): FleetDeps {
  const account = workload.account ?? deps.homeAccount ?? 'self';
  const ledger = deps.ledger;
  return {
    ...deps,
    ledger: {
      record: (entry, auditId) => ledger.record({ ...entry, account }, auditId),
      list: (query, options) => ledger.list(query, options),
      get: (auditId, options) => ledger.get(auditId, options),
    },
  };
}

/** What a person reads of one workload's failure: the runbook's own message, or the AWS error's name. */
export function errorOf(error: unknown): { code: string; message: string } {
  if (error instanceof RunbookError && error.expose) return { code: error.code, message: error.message };
  const name = error instanceof Error ? error.name : 'Error';
  return { code: error instanceof RunbookError ? error.code : name, message: describe(error) };
}
