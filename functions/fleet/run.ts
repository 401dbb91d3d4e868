// A fleet run: select the workloads → each one's own action (its own audit record), side by side within the
// control-plane budget → one record for the whole, one answer, one undo. Partial failure is normal at fleet
// scale: what succeeded stays done and recorded, what failed is listed with its reason, and running the same
// request again finishes the rest (every per-workload action is idempotent).

import { governedEntry, governedResult } from '../../shared/approval/hold.js';
import { newAuditId } from '../../shared/audit.js';
import { describe, RunbookError } from '../../shared/errors.js';
import { select } from '../../shared/fleet/select.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { mapSettled } from '../../shared/rate.js';
import { type Chain, nextPart, type Part, stopNow } from './continue.js';
import { movedSince } from './moved.js';
import { fleetEntry, fleetResult, notQueuedEntry } from './record.js';
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
  given: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  perWorkload: PerWorkload,
  workloads?: Workload[],
  part?: Part,
): Promise<FleetResult> {
  const chosen = part?.workloads ?? workloads ?? (await selected(given, request));
  // Every record of the run — each workload's and the whole's — names the approval or the break-glass reason.
  const deps = governedDeps(given, origin, request.breakGlass);
  const fleetAuditId = part?.auditId ?? newAuditId(deps.now());
  // Near the deadline no other workload starts: those left are `skipped`, and the run continues (continue.ts).
  const settled = await mapSettled(
    chosen,
    { concurrency: deps.config.concurrency, shouldStop: stopNow(deps) },
    (workload) =>
      perWorkload(inAccount(deps, workload), workload, {
        request,
        origin,
        fleetAuditId,
        inFlight: Math.min(deps.config.concurrency, chosen.length),
      }),
  );
  const results = [
    ...(part?.gone ?? []),
    ...settled.map((item, index): WorkloadResult => {
      const workload = chosen[index] as Workload;
      if (item.status === 'ok') return item.value;
      const base = { workload: workload.name, account: workload.account ?? 'self' };
      if (item.status === 'skipped') return { ...base, outcome: 'skipped', summary: 'not reached' };
      return { ...base, outcome: 'failed', summary: 'failed', error: errorOf(item.error) };
    }),
  ];
  const number = part?.number ?? 1;
  const next = nextPart(deps, request, results, number);
  const chain: Chain = {
    part: number,
    ...(part ? { continues: part.continues } : {}),
    ...(next
      ? {
          continuation: {
            auditId: next.auditId,
            queued: next.why === undefined,
            remaining: next.remaining,
            ...(next.why ? { why: next.why } : {}),
          },
        }
      : {}),
  };
  const entry = fleetEntry({ request, origin, auditId: fleetAuditId, results, chain });
  let receipt: { notified: boolean; unrecorded?: string };
  try {
    receipt = { notified: (await deps.ledger.record(entry, fleetAuditId)).notified };
  } catch (error) {
    // Each workload's own record is written; only the whole's is missing. Never fail after acting.
    deps.logger.warn('the fleet record could not be written', {
      auditId: fleetAuditId,
      reason: describe(error),
    });
    receipt = {
      notified: false,
      unrecorded: `the fleet run acted but its record could not be written: ${describe(error)}`,
    };
    // A continuation is checked against this record: without it, the next part would be refused.
    if (chain.continuation?.queued)
      chain.continuation = {
        ...chain.continuation,
        queued: false,
        why: 'not recorded: run the same request again',
      };
  }
  if (chain.continuation?.queued) await queueNext(deps, request, fleetAuditId, chain);
  return governedResult(
    fleetResult(request, fleetAuditId, results, receipt, chain),
    origin,
    request.breakGlass,
  );
}

/** The deps of a run that was approved or broke the glass: every record it writes says so. */
function governedDeps(deps: FleetDeps, origin: Origin, breakGlass?: { reason: string }): FleetDeps {
  if (!origin.approval && !breakGlass) return deps;
  const ledger = deps.ledger;
  return {
    ...deps,
    ledger: {
      record: (entry, auditId) => ledger.record(governedEntry(entry, origin, breakGlass), auditId),
      list: (query, options) => ledger.list(query, options),
      get: (auditId, options) => ledger.get(auditId, options),
    },
  };
}

/** Sends the next part's message; if it cannot be sent, says so in the answer and in a record status reads. */
async function queueNext(deps: FleetDeps, request: FleetRequest, fleetAuditId: string, chain: Chain) {
  const continuation = chain.continuation as NonNullable<Chain['continuation']>;
  try {
    await (deps.continueWith as NonNullable<FleetDeps['continueWith']>)({
      continues: fleetAuditId,
      auditId: continuation.auditId,
      request,
    });
  } catch (error) {
    const why = `the continuation could not be queued (${describe(error)}): run the same request again`;
    deps.logger.warn('fleet continuation not queued', { auditId: fleetAuditId, reason: describe(error) });
    chain.continuation = { ...continuation, queued: false, why };
    await deps.ledger
      .record(notQueuedEntry(request, fleetAuditId, continuation.auditId, why))
      .catch(() => undefined);
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
