// Disable: stop the selected schedules (and, if asked, throttle the function), keeping everything needed to put
// back exactly what was there. On the action skeleton (shared/action.ts):
//   plan:   find the open kill switch this continues, select, read every definition, decide each schedule;
//   act:    snapshot first (snapshot.ts), then the throttle (the hard stop), then every schedule, DISABLED;
//   record: record.ts. Re-running the same request resumes the same restoreId and finishes the job without
//           re-snapshotting what it already changed.
import { newAuditId } from '../../shared/audit.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { scheduleKey } from './definition.js';
import { baseEntry, isClosed, openKillSwitches } from './ledger.js';
import { snapshotStands } from './owner.js';
import type { KillSwitchRequest } from './schema.js';
import { type Read, readAll, select, selectorKey, selectorOf } from './select.js';
import { keepSnapshot, loadSnapshot } from './snapshot.js';
import { applyThrottle, checkFunction, concurrencyNow, THROTTLE_WARNING } from './throttle.js';
import type {
  Asked,
  DisablePlan,
  DisableRun,
  MarkChange,
  OpenKillSwitch,
  PacedDeps,
  Pending,
  ScheduleResult,
  Snapshot,
  SnapshotEntry,
} from './types.js';
import { unreadResult, updateAll } from './writes.js';

export async function planDisable(deps: PacedDeps, { request, origin }: Asked): Promise<DisablePlan> {
  const selector = selectorOf(request, deps.config.scope);
  const key = selectorKey(selector);
  if (request.functionName) checkFunction(deps, request.functionName);
  const existing = await continuing(deps, request.restoreId, key);
  const snapshot = existing ? await loadSnapshot(deps.ledger, existing.restoreId) : undefined;
  const items = await select(deps, deps.pacer, request);
  const reads = await readAll(deps, deps.pacer, items);
  const throttlePrevious = await concurrencyBefore(deps, request, existing, snapshot);
  const decided = decide(reads, snapshot, request.dryRun);
  const auditId = newAuditId(deps.now());
  const opens = decided.toDisable.length > 0 || throttlePrevious !== undefined;
  // A dry run opens nothing: it names a restoreId only when it would continue an open kill switch.
  const restoreId = existing?.restoreId ?? (opens && !request.dryRun ? `ks-${newAuditId(deps.now())}` : null);
  const warnings: string[] = [];
  if (items.length === 0) warnings.push('the selector matched no schedule');
  if (request.throttle) warnings.push(THROTTLE_WARNING);
  return {
    request,
    origin,
    auditId,
    dryRun: request.dryRun,
    selector,
    key,
    ...(existing ? { existing } : {}),
    parts: snapshot?.parts ?? 0,
    restoreId,
    ...decided,
    ...(throttlePrevious !== undefined ? { throttlePrevious } : {}),
    ...(request.functionName && throttlePrevious !== undefined && !snapshot?.throttle
      ? { throttleToKeep: { functionName: request.functionName, reservedConcurrency: throttlePrevious } }
      : {}),
    warnings,
  };
}

/** The open kill switch a disable continues: the one it names, or the one opened with the same selector. */
async function continuing(
  deps: PacedDeps,
  restoreId: string | undefined,
  key: string,
): Promise<OpenKillSwitch | undefined> {
  const open = await openKillSwitches(deps.ledger);
  if (!restoreId) return open.find((item) => selectorKey(item.selector) === key);
  const existing = open.find((item) => item.restoreId === restoreId);
  if (!existing) {
    const state = await isClosed(deps.ledger, restoreId);
    throw state === 'closed'
      ? new ValidationError(
          `kill switch ${restoreId} was closed by an enable: disable anew without restoreId`,
          'restoreId',
        )
      : new NotFoundError(`no kill switch ${restoreId}`, 'restoreId');
  }
  if (selectorKey(existing.selector) !== key) {
    throw new ValidationError(
      `kill switch ${restoreId} selected ${selectorKey(existing.selector)}, not ${key}`,
      'restoreId',
    );
  }
  return existing;
}

/** When it throttles: the reserved concurrency to put back, as the kill switch first recorded it or as it is. */
async function concurrencyBefore(
  deps: PacedDeps,
  request: KillSwitchRequest,
  existing: OpenKillSwitch | undefined,
  snapshot: Snapshot | undefined,
): Promise<number | null | undefined> {
  if (!request.throttle || !request.functionName) return undefined;
  const recorded = snapshot?.throttle;
  if (recorded && recorded.functionName !== request.functionName) {
    // One function per kill switch: its snapshot keeps one recorded concurrency to restore.
    throw new ValidationError(
      `functionName: kill switch ${existing?.restoreId} throttles ${recorded.functionName}; restore it before throttling ${request.functionName}`,
      'functionName',
    );
  }
  return recorded
    ? recorded.reservedConcurrency
    : await concurrencyNow(deps, deps.pacer, request.functionName);
}

/** Each schedule read: what to write, what to snapshot, and what the answer says of it. */
function decide(reads: readonly Read[], snapshot: Snapshot | undefined, dryRun: boolean) {
  const results: ScheduleResult[] = [];
  const toDisable: Pending[] = [];
  const newEntries: SnapshotEntry[] = [];
  // Marks cleared by this run (owner.ts): recorded with the run, read by enable and the next resume.
  const marks: MarkChange[] = [];
  for (const read of reads) {
    const { group, name } = read.item;
    const base = { group, name };
    if (read.gone) {
      results.push({ ...base, outcome: 'gone' });
      continue;
    }
    if (!read.definition) {
      results.push(unreadResult(base, read));
      continue;
    }
    const key = scheduleKey(group, name);
    const snapshotted = snapshot?.schedules.get(key);
    // A resumed kill switch keeps its snapshot of a schedule only while nobody has changed the schedule since;
    // otherwise what it is now is what it was immediately before this disable (issue 13, point 6).
    const original =
      snapshotted &&
      snapshotStands(snapshotted.definition, read.definition, read.modifiedAt, snapshot?.marks, key)
        ? snapshotted
        : undefined;
    if (!original) {
      newEntries.push({ group, name, definition: read.definition });
      if (snapshotted) marks.push([key, null]);
    }
    const wasState = (original?.definition ?? read.definition).State;
    if (read.definition.State === 'DISABLED') {
      const mark = original ? snapshot?.marks?.get(key) : undefined;
      results.push({
        ...base,
        outcome: wasState === 'DISABLED' ? 'already-disabled' : 'disabled-earlier',
        ...(wasState !== 'DISABLED' && mark ? { at: mark } : {}),
      });
      continue;
    }
    toDisable.push({ definition: read.definition, index: results.length, key });
    results.push({ ...base, outcome: dryRun ? 'would-disable' : 'disabled' });
  }
  return { results, toDisable, newEntries, marks };
}

/** The snapshot, then the throttle (the hard stop), then every schedule; each write leaves its mark. */
export async function actDisable(deps: PacedDeps, plan: DisablePlan): Promise<DisableRun> {
  // settled() answers a plan without a restoreId: act only ever sees one that opens or continues a kill switch.
  const restoreId = plan.restoreId as string;
  const base = baseEntry(plan, restoreId);
  await keepSnapshot(deps, plan, restoreId, base);
  const { functionName } = plan.request;
  const throttle =
    functionName && plan.throttlePrevious !== undefined
      ? await applyThrottle(deps, deps.pacer, functionName, plan.throttlePrevious, restoreId, base)
      : undefined;
  const results = plan.results.map((result) => ({ ...result }));
  const marks = [...plan.marks];
  await updateAll(deps, restoreId, plan.toDisable, 'DISABLED', results, ({ index, key }) => {
    // The mark, once the write has settled (failed ones too: a denied write may still have landed).
    const at = deps.now().toISOString();
    (results[index] as ScheduleResult).at = at;
    marks.push([key, at]);
  });
  return { kind: 'disabled', results, marks, ...(throttle ? { throttle } : {}) };
}
