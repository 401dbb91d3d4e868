// The kill switch in the audit ledger: the markers that open and close it (its snapshot is snapshot.ts's).
// Records are immutable; what is open is what has an opening marker and no closing one.
import type { AuditLedger } from '../../shared/audit.js';
import type { Origin } from '../../shared/origin.js';
import type { KillSwitchRequest } from './schema.js';
import {
  ACTIONS,
  type BaseEntry,
  killSwitchTarget,
  type MarkerDetails,
  type OpenKillSwitch,
  type Selector,
} from './types.js';

/**
 * Open kill switches, newest first: opened by a marker record and not yet closed by another. Read through the
 * ledger's byAction index, which DynamoDB keeps eventually consistent: a re-run within about a second of the
 * first could miss its marker and open a second kill switch for the same selector (one kill switch runs at a
 * time, reserved concurrency 1, so only a person re-running at once could; `status` would show both).
 */
export async function openKillSwitches(ledger: Pick<AuditLedger, 'list'>): Promise<OpenKillSwitch[]> {
  const markers = (await ledger.list({ action: ACTIONS.marker }, { limit: 500 })).filter((r) => !r.dryRun);
  const closed = new Set(
    markers
      .map((r) => r.details as MarkerDetails | undefined)
      .filter((d) => d?.state === 'closed')
      .map((d) => d?.restoreId),
  );
  const open = new Map<string, OpenKillSwitch>();
  for (const record of markers) {
    const details = record.details as MarkerDetails | undefined;
    if (details?.state !== 'open' || closed.has(details.restoreId)) continue;
    // Newest first: keep overwriting, so the first (oldest) opening record wins.
    open.set(details.restoreId, {
      restoreId: details.restoreId,
      at: record.at,
      actor: record.actor,
      reason: record.reason,
      selector: details.selector,
      ...(details.functionName ? { functionName: details.functionName } : {}),
    });
  }
  return [...open.values()].sort((a, b) => b.at.localeCompare(a.at));
}

export async function isClosed(
  ledger: Pick<AuditLedger, 'list'>,
  restoreId: string,
): Promise<'open' | 'closed' | 'unknown'> {
  const records = await ledger.list({ target: killSwitchTarget(restoreId) }, { limit: 1000 });
  const markers = records.filter((r) => r.action === ACTIONS.marker && !r.dryRun);
  if (markers.length === 0) return 'unknown';
  return markers.some((r) => (r.details as MarkerDetails).state === 'closed') ? 'closed' : 'open';
}

export function baseEntry(
  { request, origin, selector }: { request: KillSwitchRequest; origin: Origin; selector: Selector },
  restoreId: string,
): BaseEntry {
  return {
    actor: origin.actor,
    reason: request.reason ?? '',
    target: killSwitchTarget(restoreId),
    request,
    correlationId: origin.correlationId,
    dryRun: false,
    // A fleet workload's kill switch: every record of it (the enable's too) says whose it is.
    ...(selector.scope !== undefined ? { scope: selector.scope } : {}),
  };
}
