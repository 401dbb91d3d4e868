// What a disable or an enable leaves behind, for every way it ends: its audit record (an enable that finished
// also closes the kill switch), its metrics, and the caller's answer, which shows at most report.ts's share of
// the schedules while the record keeps every outcome.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Ended, Metric, Receipt, Step } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { describe } from '../../shared/errors.js';
import { baseEntry } from './ledger.js';
import { counts, shown } from './report.js';
import {
  ACTIONS,
  type DisablePlan,
  type DisableRun,
  type EnablePlan,
  type EnableRun,
  type KillSwitchResult,
  type MarkerDetails,
  type ScheduleResult,
  type ThrottleResult,
} from './types.js';
import { disableCommand, selectorOfSnapshot, undoKillSwitch } from './undo.js';

/** How a run that acted went: not finished (failed or skipped writes), or changed anything. */
function tally(
  results: readonly ScheduleResult[],
  throttle: ThrottleResult | undefined,
  done: 'disabled' | 'enabled',
) {
  const tallied = counts(results);
  const incomplete = (tallied.failed ?? 0) + (tallied.skipped ?? 0) > 0 || throttle?.outcome === 'failed';
  const throttleDone = done === 'disabled' ? 'throttled' : 'restored';
  const changed = (tallied[done] ?? 0) > 0 || throttle?.outcome === throttleDone;
  return {
    counts: tallied,
    incomplete,
    changed,
    outcome: incomplete ? 'failed' : changed ? 'succeeded' : 'unchanged',
  } as const;
}

const receiptOf = (receipt: Receipt) => ({
  notified: receipt.notified,
  ...(receipt.unrecorded ? { unrecorded: receipt.unrecorded } : {}),
});

// ------------------------------------------------------------------------------------------ disable

export function disableEntry(step: Step<DisablePlan, DisableRun>): AuditEntry {
  const { plan } = step;
  const restoreId = plan.restoreId;
  const target = restoreId ? baseEntry(plan, restoreId).target : `schedules:${plan.key}`;
  const entry = { ...baseEntry(plan, restoreId ?? ''), action: ACTIONS.disable, target };
  const planned = counts(plan.results);
  const selected = { selected: plan.results.length, enabled: plan.toDisable.length };
  const { selector } = plan;
  if (step.stage === 'failed') {
    // An act fails only before its writes (each write's failure is an outcome): nothing disabled yet, what was
    // snapshotted kept, and the same request resumes it.
    const details = { restoreId, selector, results: [], error: describe(step.error) };
    return {
      ...entry,
      before: selected,
      after: null,
      outcome: 'failed',
      undo: undoKillSwitch(String(restoreId), selector.scope),
      details,
    };
  }
  const run = step.outcome;
  if (run.kind === 'nothing') {
    return {
      ...entry,
      before: planned,
      after: planned,
      outcome: 'unchanged',
      details: { selector, results: plan.results },
    };
  }
  if (run.kind === 'planned') {
    const details = { restoreId, selector, results: plan.results };
    return { ...entry, before: planned, after: null, dryRun: true, outcome: 'planned', details };
  }
  const { counts: after, outcome } = tally(run.results, run.throttle, 'disabled');
  const throttle = run.throttle ? { throttle: run.throttle } : {};
  return {
    ...entry,
    before: selected,
    after,
    outcome,
    undo: undoKillSwitch(String(restoreId), selector.scope),
    // Every outcome and mark; the ledger pages them out when the record would not fit (shared/audit.ts).
    details: { restoreId, selector, results: run.results, marks: run.marks, ...throttle },
  };
}

export function disableResult(step: Ended<DisablePlan, DisableRun>, receipt: Receipt): KillSwitchResult {
  const { plan, outcome: run } = step;
  const { functionName } = plan.request;
  const base = { action: 'disable' as const, restoreId: plan.restoreId, auditId: plan.auditId };
  if (run.kind !== 'disabled') {
    const wouldThrottle =
      run.kind === 'planned' && functionName && plan.throttlePrevious !== undefined
        ? { throttle: { functionName, recorded: plan.throttlePrevious, outcome: 'would-throttle' as const } }
        : {};
    return {
      ...base,
      dryRun: run.kind === 'planned',
      changed: false,
      resumed: run.kind === 'planned' && plan.existing !== undefined,
      counts: counts(plan.results),
      ...shown(plan.results, plan.auditId),
      ...wouldThrottle,
      warnings: plan.warnings,
      undo: null,
      ...receiptOf(receipt),
    };
  }
  const { counts: tallied, incomplete, changed } = tally(run.results, run.throttle, 'disabled');
  const warnings = incomplete
    ? [
        ...plan.warnings,
        'not every schedule was disabled: run the same request again to finish (it resumes this restoreId)',
      ]
    : plan.warnings;
  return {
    ...base,
    dryRun: false,
    changed,
    resumed: plan.existing !== undefined,
    counts: tallied,
    ...shown(run.results, plan.auditId),
    ...(run.throttle ? { throttle: run.throttle } : {}),
    warnings,
    undo: undoKillSwitch(String(plan.restoreId), plan.selector.scope),
    ...receiptOf(receipt),
  };
}

// ------------------------------------------------------------------------------------------ enable

export function enableEntry(step: Step<EnablePlan, EnableRun>): AuditEntry | AuditEntry[] {
  const { plan } = step;
  const { restoreId } = plan;
  const entry = { ...baseEntry(plan, restoreId), action: ACTIONS.enable };
  const before = { disabled: plan.toEnable.length };
  if (step.stage === 'failed') {
    const details = { restoreId, results: [], error: describe(step.error) };
    return { ...entry, before, after: null, outcome: 'failed', details };
  }
  const run = step.outcome;
  if (run.kind === 'closed') {
    const details = { restoreId, note: 'already closed' };
    return { ...entry, before: null, after: null, dryRun: plan.dryRun, outcome: 'unchanged', details };
  }
  if (run.kind === 'planned') {
    const details = { restoreId, results: plan.results };
    return { ...entry, before: counts(plan.results), after: null, dryRun: true, outcome: 'planned', details };
  }
  const { counts: after, incomplete, changed, outcome } = tally(run.results, run.throttle, 'enabled');
  const undo = changed ? enableUndo(plan) : undefined;
  const throttle = run.throttle ? { throttle: run.throttle } : {};
  const details = { restoreId, results: run.results, ...throttle, closed: !incomplete };
  const record = { ...entry, before, after, outcome, ...(undo ? { undo } : {}), details } as const;
  if (incomplete) return record;
  // Conflicts do not keep it open: they are for a person, and a re-run would find them again.
  const closing: MarkerDetails = { restoreId, state: 'closed', selector: {}, selectorKey: '' };
  const marker = { action: ACTIONS.marker, before: { state: 'open' }, after: { state: 'closed' } };
  return [record, { ...entry, ...marker, outcome: 'succeeded', details: closing }];
}

const enableUndo = (plan: EnablePlan) =>
  disableCommand(
    selectorOfSnapshot(plan.snapshot ?? { schedules: new Map(), parts: 0 }),
    `undo enable of ${plan.restoreId}`,
    plan.selector.scope,
  );

export function enableResult(step: Ended<EnablePlan, EnableRun>, receipt: Receipt): KillSwitchResult {
  const { plan, outcome: run } = step;
  const base = { action: 'enable' as const, restoreId: plan.restoreId, auditId: plan.auditId };
  if (run.kind === 'closed') {
    const nothing = { counts: { selected: 0 }, schedules: [], warnings: plan.warnings };
    return {
      ...base,
      dryRun: plan.dryRun,
      changed: false,
      resumed: false,
      ...nothing,
      undo: null,
      closed: true,
      ...receiptOf(receipt),
    };
  }
  if (run.kind === 'planned') {
    return {
      ...base,
      dryRun: true,
      changed: false,
      resumed: false,
      counts: counts(plan.results),
      ...shown(plan.results, plan.auditId),
      ...(plan.throttlePreview ? { throttle: plan.throttlePreview } : {}),
      warnings: plan.warnings,
      undo: null,
      ...receiptOf(receipt),
    };
  }
  const { counts: tallied, incomplete, changed } = tally(run.results, run.throttle, 'enabled');
  const warnings = incomplete
    ? [...plan.warnings, 'not everything was restored: run the same request again to finish']
    : plan.warnings;
  return {
    ...base,
    dryRun: false,
    changed,
    resumed: false,
    counts: tallied,
    ...shown(run.results, plan.auditId),
    ...(run.throttle ? { throttle: run.throttle } : {}),
    warnings,
    undo: changed ? enableUndo(plan) : null,
    closed: !incomplete,
    ...receiptOf(receipt),
  };
}

// ------------------------------------------------------------------------------------------ metrics

/**
 * What every run counts (RUNBOOK.md lists them): schedules changed, failures and conflicts, a throttle, and how
 * long it took. A dry run counts only its time.
 */
export function killSwitchMetrics(result: KillSwitchResult, elapsedMs: number): Metric[] {
  const count = (name: string, value: number) => ({ name, unit: MetricUnit.Count, value });
  const changed = result.action === 'disable' ? 'SchedulesDisabled' : 'SchedulesEnabled';
  return [
    ...(result.dryRun
      ? []
      : [
          count(changed, result.counts[`${result.action}d`] ?? 0),
          count('ScheduleFailures', result.counts.failed ?? 0),
          count('ScheduleConflicts', result.counts.conflict ?? 0),
          ...(result.throttle?.outcome === 'throttled' ? [count('FunctionThrottled', 1)] : []),
        ]),
    { name: 'KillSwitchLatencyMs', unit: MetricUnit.Milliseconds, value: elapsedMs },
  ];
}
