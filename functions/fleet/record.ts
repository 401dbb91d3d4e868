// What a fleet run leaves behind: one record for the whole (every workload's line in its details, paged by the
// ledger when long) and the caller's answer (failures first, bounded).
import type { AuditEntry, AuditOutcome } from '../../shared/audit.js';
import type { Origin } from '../../shared/origin.js';
import { runbookCommand } from '../../shared/undo.js';
import type { Chain } from './continue.js';
import type { FleetRequest } from './schema.js';
import type { FleetResult, WorkloadOutcome, WorkloadResult } from './types.js';

/** The most workload lines an answer carries; the record keeps every one. */
export const MAX_LISTED = 100;
export const FLEET_TARGET = 'fleet';

const ORDER: Record<WorkloadOutcome, number> = {
  failed: 0,
  skipped: 1,
  succeeded: 2,
  planned: 3,
  unchanged: 4,
};

export function countsOf(results: readonly WorkloadResult[]): Record<WorkloadOutcome, number> {
  const counts = { succeeded: 0, unchanged: 0, planned: 0, failed: 0, skipped: 0 };
  for (const result of results) counts[result.outcome]++;
  return counts;
}

function outcomeOf(results: readonly WorkloadResult[], dryRun: boolean): AuditOutcome {
  const counts = countsOf(results);
  if (counts.succeeded > 0) return 'succeeded';
  if (counts.failed + counts.skipped > 0) return 'failed';
  return dryRun ? 'planned' : 'unchanged';
}

/** The command that reverses every change a fleet run made (`--workload` narrows it to some). */
export const fleetUndo = (auditId: string) =>
  runbookCommand('fleet undo', { 'audit-id': auditId, reason: `undo fleet run ${auditId}` });

const changed = (results: readonly WorkloadResult[]) =>
  results.some((result) => result.restore !== undefined);

export function fleetEntry(run: {
  request: FleetRequest;
  origin: Origin;
  auditId: string;
  results: WorkloadResult[];
  chain?: Chain;
}): AuditEntry {
  const { request, origin, auditId, results, chain } = run;
  const counts = countsOf(results);
  return {
    action: `fleet.${request.action}`,
    actor: origin.actor,
    reason: request.reason ?? '',
    target: FLEET_TARGET,
    request,
    before: { workloads: results.length },
    after: counts,
    dryRun: request.dryRun,
    outcome: outcomeOf(results, request.dryRun),
    ...(changed(results) ? { undo: fleetUndo(auditId) } : {}),
    correlationId: origin.correlationId,
    details: { workloads: results, ...(chain ? { chain } : {}) },
    account: [...new Set(results.map((result) => result.account))].join(',') || 'none',
  };
}

/** Where status finds that a run's continuation was never queued (the run's own record says it was going to be). */
export const continuationTarget = (auditId: string) => `fleet-continuation:${auditId}`;

export function notQueuedEntry(
  request: FleetRequest,
  auditId: string,
  next: string,
  why: string,
): AuditEntry {
  return {
    action: 'fleet.continuation',
    actor: 'fleet',
    reason: why,
    target: continuationTarget(auditId),
    request,
    before: null,
    after: null,
    dryRun: false,
    outcome: 'failed',
    correlationId: auditId,
    details: { continues: auditId, auditId: next, queued: false },
  };
}

export function fleetResult(
  request: FleetRequest,
  auditId: string,
  results: WorkloadResult[],
  receipt: { notified: boolean; unrecorded?: string },
  chain?: Chain,
): FleetResult {
  const sorted = [...results].sort((a, b) => ORDER[a.outcome] - ORDER[b.outcome]);
  const listed = sorted.slice(0, MAX_LISTED);
  return {
    action: request.action,
    auditId,
    dryRun: request.dryRun,
    selected: results.length,
    counts: countsOf(results),
    workloads: listed,
    ...(results.length > listed.length ? { omitted: results.length - listed.length } : {}),
    undo: changed(results) && !request.dryRun ? fleetUndo(auditId) : null,
    notified: receipt.notified,
    ...(receipt.unrecorded ? { unrecorded: receipt.unrecorded } : {}),
    ...(chain && chain.part > 1 ? { part: chain.part } : {}),
    ...(chain?.continues ? { continues: chain.continues } : {}),
    ...(chain?.continuation ? { continuation: chain.continuation } : {}),
  };
}
