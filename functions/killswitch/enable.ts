// Enable: for each schedule the disable changed, and only if nothing but its State changed since the snapshot,
// put its original State back, then the function's concurrency; anything edited meanwhile is a conflict, not
// overwritten. On the action skeleton (shared/action.ts): plan (which kill switch, its snapshot, every
// schedule as it is now) → act (the schedules, then the function) → record (record.ts, which also closes it).
import { newAuditId } from '../../shared/audit.js';
import { NotFoundError } from '../../shared/errors.js';
import { changedFields, fingerprint, scheduleKey } from './definition.js';
import { baseEntry, isClosed, openKillSwitches } from './ledger.js';
import { enableVerdict } from './owner.js';
import { counts } from './report.js';
import { type Read, readAll, selectorKey, selectorOf } from './select.js';
import { loadSnapshot } from './snapshot.js';
import { concurrencyNow, restoreThrottle } from './throttle.js';
import type {
  Asked,
  EnablePlan,
  EnableRun,
  PacedDeps,
  Pending,
  ScheduleResult,
  Selector,
  Snapshot,
  SnapshotEntry,
  ThrottleResult,
} from './types.js';
import { unreadResult, updateAll } from './writes.js';

export async function planEnable(deps: PacedDeps, { request, origin }: Asked): Promise<EnablePlan> {
  const selector = selectorOf(request, deps.config.scope);
  const restoreId = request.restoreId ?? (await openedWith(deps, selector));
  const state = await isClosed(deps.ledger, restoreId);
  if (state === 'unknown') throw new NotFoundError(`no kill switch ${restoreId}`, 'restoreId');
  const auditId = newAuditId(deps.now());
  const asked = { request, origin, auditId, dryRun: request.dryRun, selector, restoreId };
  if (state === 'closed') {
    const warnings = [`kill switch ${restoreId} was already restored and closed: nothing to do`];
    return { ...asked, closed: true, results: [], toEnable: [], warnings };
  }
  const snapshot = await loadSnapshot(deps.ledger, restoreId);
  const entries = [...snapshot.schedules.values()];
  const reads = await readAll(
    deps,
    deps.pacer,
    entries.map((entry) => ({ group: entry.group, name: entry.name })),
  );
  const { results, toEnable } = decide(entries, reads, snapshot, request.dryRun);
  const preview =
    request.dryRun && snapshot.throttle ? await previewThrottle(deps, snapshot.throttle) : undefined;
  return {
    ...asked,
    closed: false,
    snapshot,
    results,
    toEnable,
    warnings: enableWarnings(results),
    ...(preview ? { throttlePreview: preview } : {}),
  };
}

/** The open kill switch opened with this selector, when the request names no restoreId. */
async function openedWith(deps: PacedDeps, selector: Selector): Promise<string> {
  const open = await openKillSwitches(deps.ledger);
  const restoreId = open.find((item) => selectorKey(item.selector) === selectorKey(selector))?.restoreId;
  if (!restoreId) {
    throw new NotFoundError(
      `no open kill switch selected ${selectorKey(selector)}: give its restoreId (runbook schedules status lists them)`,
      'restoreId',
    );
  }
  return restoreId;
}

/** Each snapshotted schedule as it is now: put back, or left alone and why. */
function decide(
  entries: readonly SnapshotEntry[],
  reads: readonly Read[],
  snapshot: Snapshot,
  dryRun: boolean,
) {
  const results: ScheduleResult[] = [];
  const toEnable: Pending[] = [];
  for (const [position, read] of reads.entries()) {
    const entry = entries[position] as SnapshotEntry;
    const base = { group: entry.group, name: entry.name };
    const original = entry.definition;
    const key = scheduleKey(entry.group, entry.name);
    if (original.State !== 'ENABLED') {
      results.push({ ...base, outcome: 'was-disabled' });
    } else if (read.gone) {
      results.push({ ...base, outcome: 'missing' });
    } else if (!read.definition) {
      results.push(unreadResult(base, read));
    } else {
      const verdict =
        read.definition.State === 'DISABLED'
          ? enableVerdict(read.modifiedAt, snapshot.marks, key)
          : 'restore';
      if (verdict === 'not-changed-by-disable') {
        // The disable never changed it (it failed there) and someone else turned it off since: theirs to undo.
        results.push({ ...base, outcome: 'not-changed-by-disable' });
      } else if (fingerprint(read.definition) !== fingerprint(original)) {
        results.push({
          ...base,
          outcome: 'conflict',
          changedFields: changedFields(original, read.definition),
        });
      } else if (verdict === 'changed-since') {
        // Off, as the kill switch left it, but changed by someone after it was (owner.ts): theirs, not ours.
        results.push({ ...base, outcome: 'changed-since' });
      } else if (read.definition.State === 'ENABLED') {
        results.push({ ...base, outcome: 'already-enabled' });
      } else {
        // The definition as it is now: the snapshot's (the fingerprints match) with its secrets unredacted.
        toEnable.push({ definition: read.definition, index: results.length, key });
        results.push({ ...base, outcome: dryRun ? 'would-enable' : 'enabled' });
      }
    }
  }
  return { results, toEnable };
}

function enableWarnings(results: readonly ScheduleResult[]): string[] {
  const tally = counts(results);
  const warnings: string[] = [];
  if ((tally.conflict ?? 0) > 0) {
    warnings.push(
      'schedules edited during the outage were left as they are (conflict): check them and enable them by hand',
    );
  }
  if ((tally['changed-since'] ?? 0) > 0) {
    warnings.push(
      'schedules someone changed after the kill switch disabled them were left as they are (changed-since): enable them by hand if they should run',
    );
  }
  return warnings;
}

/** What a dry run says of the function: whether its concurrency would be put back. */
async function previewThrottle(
  deps: PacedDeps,
  info: { functionName: string; reservedConcurrency: number | null },
): Promise<ThrottleResult> {
  const current = await concurrencyNow(deps, deps.pacer, info.functionName);
  return {
    functionName: info.functionName,
    recorded: info.reservedConcurrency,
    current,
    outcome:
      current === info.reservedConcurrency ? 'unchanged' : current === 0 ? 'would-restore' : 'conflict',
  };
}

/** The schedules first (the function still refuses their events until its concurrency is back), then the function. */
export async function actEnable(deps: PacedDeps, plan: EnablePlan): Promise<EnableRun> {
  const results = plan.results.map((result) => ({ ...result }));
  await updateAll(deps, plan.restoreId, plan.toEnable, 'ENABLED', results);
  const info = plan.snapshot?.throttle;
  const throttle = info
    ? await restoreThrottle(deps, deps.pacer, info, plan.restoreId, baseEntry(plan, plan.restoreId))
    : undefined;
  return { kind: 'enabled', results, ...(throttle ? { throttle } : {}) };
}
