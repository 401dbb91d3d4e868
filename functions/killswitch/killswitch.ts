// The emergency kill switch: stop a workload's EventBridge Scheduler schedules (and, if asked, the function
// itself) in one request, and later put back exactly what was there.
//
// The manual route it replaces is `aws scheduler update-schedule --name … --state DISABLED`, which resets every
// field not sent again (UpdateSchedule replaces the whole schedule), and whose undo re-enables schedules that
// were already off before the incident. Here:
//   disable: select → GetSchedule each → snapshot every definition in the audit ledger under a restoreId →
//            UpdateSchedule each with every field sent back and State DISABLED, under a token bucket, with
//            bounded concurrency and backoff on throttling. Re-running the same request resumes the same
//            restoreId and finishes the job without re-snapshotting what it already changed.
//   enable:  for each schedule the disable changed, and only if nothing but its State changed since the
//            snapshot, put its original State back; anything else edited meanwhile is a conflict, not overwritten.
//   status:  the open kill switches, and the state of the selected schedules.
import { UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { newAuditId } from '../../shared/audit.js';
import { describe } from '../../shared/budget.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { mapSettled, type Settled } from '../../shared/rate.js';
import {
  changedFields,
  clientToken,
  fingerprint,
  type ScheduleDefinition,
  scheduleKey,
  updateInput,
} from './definition.js';
import {
  chunks,
  disableCommand,
  enableCommand,
  isClosed,
  loadSnapshot,
  type MarkChange,
  type MarkerDetails,
  type OpenKillSwitch,
  openKillSwitches,
  type Snapshot,
  type SnapshotDetails,
  type SnapshotEntry,
} from './ledger.js';
import { enableVerdict, snapshotStands } from './owner.js';
import { counts as countOf, runOutcomes, shown } from './report.js';
import type { KillSwitchRequest } from './schema.js';
import {
  hasSelector,
  pacerFor,
  type Read,
  readAll,
  type Selector,
  select,
  selectorKey,
  selectorOf,
} from './select.js';
import {
  applyThrottle,
  checkFunction,
  reservedConcurrency,
  restoreThrottle,
  THROTTLE_WARNING,
} from './throttle.js';
import {
  ACTIONS,
  type KillSwitchDeps,
  type KillSwitchResult,
  killSwitchTarget,
  type Origin,
  type ScheduleResult,
  type ThrottleResult,
} from './types.js';

export { disableCommand, enableCommand, type OpenKillSwitch, openKillSwitches } from './ledger.js';
export { type Selector, selectorKey, selectorOf } from './select.js';
export type {
  KillSwitchConfig,
  KillSwitchDeps,
  KillSwitchResult,
  Origin,
  Progress,
  ScheduleResult,
  ThrottleResult,
} from './types.js';
export { ACTIONS, killSwitchTarget } from './types.js';

// ------------------------------------------------------------------------------------------ disable

export async function disable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  const pacer = pacerFor(deps);
  const reason = request.reason ?? '';
  const selector = selectorOf(request);
  const key = selectorKey(selector);
  if (request.functionName) checkFunction(deps, request.functionName);

  // ---- plan: find what this continues, select, read every definition. Nothing is written before this ends.
  const open = await openKillSwitches(deps.ledger);
  let existing: OpenKillSwitch | undefined;
  if (request.restoreId) {
    existing = open.find((item) => item.restoreId === request.restoreId);
    if (!existing) {
      const state = await isClosed(deps.ledger, request.restoreId);
      throw state === 'closed'
        ? new ValidationError(
            `kill switch ${request.restoreId} was closed by an enable: disable anew without restoreId`,
            'restoreId',
          )
        : new NotFoundError(`no kill switch ${request.restoreId}`, 'restoreId');
    }
    if (selectorKey(existing.selector) !== key) {
      throw new ValidationError(
        `kill switch ${request.restoreId} selected ${selectorKey(existing.selector)}, not ${key}`,
        'restoreId',
      );
    }
  } else {
    existing = open.find((item) => selectorKey(item.selector) === key);
  }
  const resumed = existing !== undefined;
  const snapshot = existing ? await loadSnapshot(deps.ledger, existing.restoreId) : undefined;

  const items = await select(deps, pacer, request);
  const reads = await readAll(deps, pacer, items);
  const recorded = snapshot?.throttle;
  let throttlePrevious: number | null | undefined;
  if (request.throttle && request.functionName) {
    if (recorded && recorded.functionName !== request.functionName) {
      // One function per kill switch: its snapshot keeps one recorded concurrency to restore.
      throw new ValidationError(
        `functionName: kill switch ${existing?.restoreId} throttles ${recorded.functionName}; restore it before throttling ${request.functionName}`,
        'functionName',
      );
    }
    throttlePrevious = recorded
      ? recorded.reservedConcurrency
      : await reservedConcurrency(deps, pacer, request.functionName);
  }

  const results: ScheduleResult[] = [];
  const toDisable: { read: Read; definition: ScheduleDefinition; index: number; key: string }[] = [];
  const newEntries: SnapshotEntry[] = [];
  // Marks set or cleared by this run (owner.ts): recorded with the run, read by enable and the next resume.
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
    toDisable.push({ read, definition: read.definition, index: results.length, key });
    results.push({ ...base, outcome: request.dryRun ? 'would-disable' : 'disabled' });
  }

  const auditId = newAuditId(deps.now());
  const opens = toDisable.length > 0 || throttlePrevious !== undefined;
  // A dry run opens nothing: it names a restoreId only when it would continue an open kill switch.
  const restoreId = existing?.restoreId ?? (opens && !request.dryRun ? `ks-${newAuditId(deps.now())}` : null);
  const entry = {
    action: ACTIONS.disable,
    actor: origin.actor,
    reason,
    target: restoreId ? killSwitchTarget(restoreId) : `schedules:${key}`,
    request,
    correlationId: origin.correlationId,
  };
  const warnings: string[] = [];
  if (items.length === 0) warnings.push('the selector matched no schedule');
  if (request.throttle) warnings.push(THROTTLE_WARNING);

  // ---- dry run: the plan, no write
  if (request.dryRun) {
    const record = await deps.ledger.record(
      {
        ...entry,
        before: countOf(results),
        after: null,
        dryRun: true,
        outcome: 'planned',
        details: { restoreId, selector, results },
      },
      auditId,
    );
    return {
      action: 'disable',
      restoreId,
      auditId,
      dryRun: true,
      changed: false,
      resumed,
      counts: countOf(results),
      ...shown(results, auditId),
      ...(request.functionName && throttlePrevious !== undefined
        ? {
            throttle: {
              functionName: request.functionName,
              recorded: throttlePrevious,
              outcome: 'would-throttle' as const,
            },
          }
        : {}),
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- nothing to stop and nothing open: no kill switch to open
  if (!restoreId) {
    const record = await deps.ledger.record(
      {
        ...entry,
        before: countOf(results),
        after: countOf(results),
        dryRun: false,
        outcome: 'unchanged',
        details: { selector, results },
      },
      auditId,
    );
    return {
      action: 'disable',
      restoreId: null,
      auditId,
      dryRun: false,
      changed: false,
      resumed: false,
      counts: countOf(results),
      ...shown(results, auditId),
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- snapshot first: the marker that opens the kill switch, then every definition not yet kept
  const base = {
    actor: origin.actor,
    reason,
    target: killSwitchTarget(restoreId),
    request,
    correlationId: origin.correlationId,
    dryRun: false as const,
  };
  if (!existing) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.marker,
      before: null,
      after: { state: 'open' },
      outcome: 'succeeded',
      undo: enableCommand(restoreId, `undo kill switch ${restoreId}`),
      details: {
        restoreId,
        state: 'open',
        selector,
        selectorKey: key,
        ...(request.functionName ? { functionName: request.functionName } : {}),
      } satisfies MarkerDetails,
    });
  }
  const throttleToKeep =
    request.functionName && throttlePrevious !== undefined && !recorded
      ? { functionName: request.functionName, reservedConcurrency: throttlePrevious }
      : undefined;
  const parts = chunks(newEntries);
  if (parts.length === 0 && throttleToKeep) parts.push([]);
  for (const [index, schedules] of parts.entries()) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.snapshot,
      before: { schedules: schedules.length },
      after: null,
      outcome: 'succeeded',
      details: {
        restoreId,
        part: (snapshot?.parts ?? 0) + index,
        schedules,
        ...(index === 0 && throttleToKeep ? { throttle: throttleToKeep } : {}),
      } satisfies SnapshotDetails,
    });
  }

  // ---- act: throttle first (the hard stop), then every schedule
  let throttle: ThrottleResult | undefined;
  if (request.functionName && throttlePrevious !== undefined) {
    try {
      throttle = await applyThrottle(deps, pacer, request.functionName, throttlePrevious, restoreId, base);
    } catch (error) {
      // Nothing disabled yet, the snapshot kept: record the failure, and the same request resumes it.
      await deps.ledger
        .record(
          {
            ...base,
            action: ACTIONS.disable,
            before: { selected: results.length, enabled: toDisable.length },
            after: null,
            outcome: 'failed',
            undo: enableCommand(restoreId, `undo kill switch ${restoreId}`),
            details: { restoreId, selector, results: [], error: describe(error) },
          },
          auditId,
        )
        .catch((cause: unknown) => deps.logger.warn('could not record the failed disable', { cause }));
      throw error;
    }
  }
  let done = 0;
  const updates = await mapSettled(
    toDisable,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async ({ definition, index, key }) => {
      try {
        await pacer.send(() =>
          deps.scheduler.send(
            new UpdateScheduleCommand(
              updateInput(
                definition,
                'DISABLED',
                clientToken(restoreId, definition.GroupName, definition.Name, 'DISABLED'),
              ),
            ),
          ),
        );
      } finally {
        // The mark, once the write has settled (failed ones too: a denied write may still have landed).
        const at = deps.now().toISOString();
        (results[index] as ScheduleResult).at = at;
        marks.push([key, at]);
        deps.onProgress?.({ phase: 'write', done: ++done, total: toDisable.length });
      }
    },
  );
  recordUpdates(updates, toDisable, results);

  const counts = countOf(results);
  const incomplete = (counts.failed ?? 0) + (counts.skipped ?? 0) > 0 || throttle?.outcome === 'failed';
  const changed = (counts.disabled ?? 0) > 0 || throttle?.outcome === 'throttled';
  const undo = enableCommand(restoreId, `undo kill switch ${restoreId}`);
  if (incomplete)
    warnings.push(
      'not every schedule was disabled: run the same request again to finish (it resumes this restoreId)',
    );
  const record = await deps.ledger.record(
    {
      ...base,
      action: ACTIONS.disable,
      before: { selected: results.length, enabled: toDisable.length },
      after: counts,
      outcome: incomplete ? 'failed' : changed ? 'succeeded' : 'unchanged',
      undo,
      // Every outcome and mark; the ledger pages them out when the record would not fit (shared/audit.ts).
      details: { restoreId, selector, results, marks, ...(throttle ? { throttle } : {}) },
    },
    auditId,
  );
  return {
    action: 'disable',
    restoreId,
    auditId,
    dryRun: false,
    changed,
    resumed,
    counts,
    ...shown(results, auditId),
    ...(throttle ? { throttle } : {}),
    warnings,
    undo,
    notified: record.notified,
  };
}

// ------------------------------------------------------------------------------------------ enable

export async function enable(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
  origin: Origin,
): Promise<KillSwitchResult> {
  const pacer = pacerFor(deps);
  const reason = request.reason ?? '';
  const selector = selectorOf(request);

  // ---- plan: which kill switch, and its snapshot
  let restoreId = request.restoreId;
  if (!restoreId) {
    const open = await openKillSwitches(deps.ledger);
    restoreId = open.find((item) => selectorKey(item.selector) === selectorKey(selector))?.restoreId;
    if (!restoreId) {
      throw new NotFoundError(
        `no open kill switch selected ${selectorKey(selector)}: give its restoreId (runbook schedules status lists them)`,
        'restoreId',
      );
    }
  }
  const state = await isClosed(deps.ledger, restoreId);
  if (state === 'unknown') throw new NotFoundError(`no kill switch ${restoreId}`, 'restoreId');
  const auditId = newAuditId(deps.now());
  const base = {
    actor: origin.actor,
    reason,
    target: killSwitchTarget(restoreId),
    request,
    correlationId: origin.correlationId,
  };
  if (state === 'closed') {
    const record = await deps.ledger.record(
      {
        ...base,
        action: ACTIONS.enable,
        before: null,
        after: null,
        dryRun: request.dryRun,
        outcome: 'unchanged',
        details: { restoreId, note: 'already closed' },
      },
      auditId,
    );
    return {
      action: 'enable',
      restoreId,
      auditId,
      dryRun: request.dryRun,
      changed: false,
      resumed: false,
      counts: { selected: 0 },
      schedules: [],
      warnings: [`kill switch ${restoreId} was already restored and closed: nothing to do`],
      undo: null,
      closed: true,
      notified: record.notified,
    };
  }
  const snapshot = await loadSnapshot(deps.ledger, restoreId);
  const entries = [...snapshot.schedules.values()];

  // ---- read every schedule the snapshot holds, as it is now
  const reads = await readAll(
    deps,
    pacer,
    entries.map((entry) => ({ group: entry.group, name: entry.name })),
  );
  const results: ScheduleResult[] = [];
  const toEnable: { definition: ScheduleDefinition; state: 'ENABLED'; index: number }[] = [];
  for (const [position, read] of reads.entries()) {
    const entry = entries[position] as SnapshotEntry;
    const base = { group: entry.group, name: entry.name };
    const original = entry.definition;
    if (original.State !== 'ENABLED') {
      results.push({ ...base, outcome: 'was-disabled' });
      continue;
    }
    if (read.gone) {
      results.push({ ...base, outcome: 'missing' });
      continue;
    }
    if (!read.definition) {
      results.push(unreadResult(base, read));
      continue;
    }
    const verdict =
      read.definition.State === 'DISABLED'
        ? enableVerdict(read.modifiedAt, snapshot.marks, scheduleKey(entry.group, entry.name))
        : 'restore';
    if (verdict === 'not-changed-by-disable') {
      // The disable never changed it (it failed there) and someone else turned it off since: theirs to undo.
      results.push({ ...base, outcome: 'not-changed-by-disable' });
      continue;
    }
    if (fingerprint(read.definition) !== fingerprint(original)) {
      results.push({ ...base, outcome: 'conflict', changedFields: changedFields(original, read.definition) });
      continue;
    }
    if (verdict === 'changed-since') {
      // Off, as the kill switch left it, but changed by someone after it was (owner.ts): theirs, not ours.
      results.push({ ...base, outcome: 'changed-since' });
      continue;
    }
    if (read.definition.State === 'ENABLED') {
      results.push({ ...base, outcome: 'already-enabled' });
      continue;
    }
    // The definition as it is now, which is the snapshot's (the fingerprints match) with its secrets unredacted.
    toEnable.push({ definition: read.definition, state: 'ENABLED', index: results.length });
    results.push({ ...base, outcome: request.dryRun ? 'would-enable' : 'enabled' });
  }

  const throttleInfo = snapshot.throttle;
  const warnings: string[] = [];
  if ((countOf(results).conflict ?? 0) > 0) {
    warnings.push(
      'schedules edited during the outage were left as they are (conflict): check them and enable them by hand',
    );
  }
  if ((countOf(results)['changed-since'] ?? 0) > 0) {
    warnings.push(
      'schedules someone changed after the kill switch disabled them were left as they are (changed-since): enable them by hand if they should run',
    );
  }
  if (request.dryRun) {
    let throttle: ThrottleResult | undefined;
    if (throttleInfo) {
      const current = await reservedConcurrency(deps, pacer, throttleInfo.functionName);
      throttle = {
        functionName: throttleInfo.functionName,
        recorded: throttleInfo.reservedConcurrency,
        current,
        outcome:
          current === throttleInfo.reservedConcurrency
            ? 'unchanged'
            : current === 0
              ? 'would-restore'
              : 'conflict',
      };
    }
    const record = await deps.ledger.record(
      {
        ...base,
        action: ACTIONS.enable,
        before: countOf(results),
        after: null,
        dryRun: true,
        outcome: 'planned',
        details: { restoreId, results },
      },
      auditId,
    );
    return {
      action: 'enable',
      restoreId,
      auditId,
      dryRun: true,
      changed: false,
      resumed: false,
      counts: countOf(results),
      ...shown(results, auditId),
      ...(throttle ? { throttle } : {}),
      warnings,
      undo: null,
      notified: record.notified,
    };
  }

  // ---- act: schedules first (the function still refuses their events until its concurrency is back), then the function
  let done = 0;
  const updates = await mapSettled(
    toEnable,
    { concurrency: deps.config.concurrency, shouldStop: () => pacer.outOfTime() },
    async ({ definition, state: target }) => {
      try {
        await pacer.send(() =>
          deps.scheduler.send(
            new UpdateScheduleCommand(
              updateInput(
                definition,
                target,
                clientToken(restoreId, definition.GroupName, definition.Name, target),
              ),
            ),
          ),
        );
      } finally {
        deps.onProgress?.({ phase: 'write', done: ++done, total: toEnable.length });
      }
    },
  );
  recordUpdates(updates, toEnable, results);
  const entryBase = { ...base, dryRun: false as const };
  const throttle = throttleInfo
    ? await restoreThrottle(deps, pacer, throttleInfo, restoreId, entryBase)
    : undefined;

  const counts = countOf(results);
  const incomplete = (counts.failed ?? 0) + (counts.skipped ?? 0) > 0 || throttle?.outcome === 'failed';
  const changed = (counts.enabled ?? 0) > 0 || throttle?.outcome === 'restored';
  if (incomplete) warnings.push('not everything was restored: run the same request again to finish');
  const undo = changed ? disableCommand(selectorOfSnapshot(snapshot), `undo enable of ${restoreId}`) : null;
  const record = await deps.ledger.record(
    {
      ...entryBase,
      action: ACTIONS.enable,
      before: { disabled: toEnable.length },
      after: counts,
      outcome: incomplete ? 'failed' : changed ? 'succeeded' : 'unchanged',
      ...(undo ? { undo } : {}),
      details: { restoreId, results, ...(throttle ? { throttle } : {}), closed: !incomplete },
    },
    auditId,
  );
  if (!incomplete) {
    // Conflicts do not keep it open: they are for a person, and a re-run would find them again.
    await deps.ledger.record({
      ...entryBase,
      action: ACTIONS.marker,
      before: { state: 'open' },
      after: { state: 'closed' },
      outcome: 'succeeded',
      details: { restoreId, state: 'closed', selector: {}, selectorKey: '' } satisfies MarkerDetails,
    });
  }
  return {
    action: 'enable',
    restoreId,
    auditId,
    dryRun: false,
    changed,
    resumed: false,
    counts,
    ...shown(results, auditId),
    ...(throttle ? { throttle } : {}),
    warnings,
    undo,
    closed: !incomplete,
    notified: record.notified,
  };
}

/** Above this many schedules, the enable's undo names the kill switch's selector instead of each schedule. */
const UNDO_NAMES = 20;

/**
 * What disabling the snapshot's schedules again would take: by name, or, for more than a few, the selector the
 * kill switch was opened with — a command naming 10,000 schedules would be neither bounded nor runnable.
 */
function selectorOfSnapshot(snapshot: Snapshot): Selector {
  const schedules = [...snapshot.schedules.values()]
    .filter((entry) => entry.definition.State === 'ENABLED')
    .map((entry) => scheduleKey(entry.group, entry.name))
    .sort();
  return schedules.length > UNDO_NAMES && snapshot.selector ? snapshot.selector : { schedules };
}

// ------------------------------------------------------------------------------------------ status

export interface StatusResult {
  openKillSwitches: OpenKillSwitch[];
  schedules?: { group: string; name: string; state: string }[];
  counts?: Record<string, number>;
}

export async function status(
  deps: KillSwitchDeps,
  request: KillSwitchRequest,
): Promise<StatusResult | Awaited<ReturnType<typeof runOutcomes>>> {
  // One run's full list of outcomes, which its answer showed only the first of.
  if (request.auditId) return runOutcomes(deps.ledger, request.auditId, request.page);
  const pacer = pacerFor(deps);
  const open = await openKillSwitches(deps.ledger);
  const selector = selectorOf(request);
  const restoreFilter = request.restoreId;
  const openKillSwitchesShown = restoreFilter
    ? open.filter((item) => item.restoreId === restoreFilter)
    : open;
  if (!hasSelector(selector)) return { openKillSwitches: openKillSwitchesShown };
  const items = await select(deps, pacer, request);
  // Listed schedules carry their state already; only schedules named one by one are read.
  const reads = await readAll(
    deps,
    pacer,
    items.filter((item) => item.listedState === undefined),
  );
  const readState = new Map(
    reads.map((read) => [
      scheduleKey(read.item.group, read.item.name),
      read.definition?.State ?? (read.gone ? 'GONE' : 'UNKNOWN'),
    ]),
  );
  const schedules = items.map((item) => ({
    group: item.group,
    name: item.name,
    state: item.listedState ?? readState.get(scheduleKey(item.group, item.name)) ?? 'UNKNOWN',
  }));
  const counts: Record<string, number> = { selected: schedules.length };
  for (const item of schedules) counts[item.state] = (counts[item.state] ?? 0) + 1;
  return { openKillSwitches: openKillSwitchesShown, schedules, counts };
}

/** Marks each schedule whose write failed or never ran (out of time); the same request finishes the job. */
function recordUpdates(
  updates: readonly Settled<unknown>[],
  attempted: readonly { index: number }[],
  results: ScheduleResult[],
): void {
  for (const [position, update] of updates.entries()) {
    const result = results[(attempted[position] as { index: number }).index] as ScheduleResult;
    if (update.status === 'error')
      Object.assign(result, { outcome: 'failed', error: describe(update.error) });
    if (update.status === 'skipped')
      Object.assign(result, { outcome: 'skipped', error: 'out of time: run the same request again' });
  }
}

/** A schedule whose definition could not be read: skipped (out of time, the same request resumes) or failed. */
function unreadResult(base: { group: string; name: string }, read: { error?: string }): ScheduleResult {
  return {
    ...base,
    outcome: read.error?.startsWith('skipped') ? 'skipped' : 'failed',
    ...(read.error ? { error: read.error } : {}),
  };
}
