// What a rollback leaves behind: its audit record, its metrics and the caller's answer, for every way it ends.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Ended, Metric, Receipt, Step } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { describeAlias, weightsOf } from './alias.js';
import type { RollbackOutcome, RollbackPlan, RollbackResult } from './types.js';

const STACK_NOTE =
  'the CloudFormation stack still declares the version it deployed: the live alias differs from the stack until the next deploy (which moves it again)';

type RollbackStep = Step<RollbackPlan, RollbackOutcome>;

const stopped = (plan: RollbackPlan) =>
  plan.inFlight ? { stoppedDeploymentId: plan.inFlight.deploymentId } : {};

const details = (plan: RollbackPlan) => ({
  chosenBy: plan.choice.chosenBy,
  why: plan.choice.why,
  ...(plan.inFlight ? { deployment: plan.inFlight } : {}),
});

export function rollbackEntry(step: RollbackStep): AuditEntry {
  const { plan } = step;
  const summary = {
    version: String(plan.before.FunctionVersion),
    routing: weightsOf(plan.before),
    revisionId: plan.before.RevisionId,
  };
  const planned = { version: plan.choice.version, routing: {}, ...stopped(plan) };
  const entry = {
    action: 'rollback',
    actor: plan.origin.actor,
    reason: plan.request.reason,
    target: plan.target,
    request: plan.request,
    before: summary,
    dryRun: plan.dryRun,
    correlationId: plan.origin.correlationId,
  };
  if (step.stage === 'failed') {
    const error = step.error instanceof Error ? step.error.message : String(step.error);
    return { ...entry, after: planned, outcome: 'failed', details: { ...details(plan), error } };
  }
  const outcome = step.outcome;
  if (outcome.kind === 'already-there') {
    return {
      ...entry,
      after: summary,
      outcome: 'unchanged',
      details: { chosenBy: plan.choice.chosenBy, why: plan.choice.why },
    };
  }
  if (outcome.kind === 'held') {
    const why = { chosenBy: plan.choice.chosenBy, why: plan.choice.why, heldByCooldown: outcome.hold };
    return { ...entry, after: summary, outcome: 'unchanged', details: why };
  }
  if (outcome.kind === 'planned') {
    return { ...entry, after: planned, outcome: 'planned', undo: plan.undo, details: details(plan) };
  }
  const after = { version: plan.choice.version, routing: {} };
  return outcome.changed
    ? { ...entry, after, outcome: 'succeeded', undo: plan.undo, details: details(plan) }
    : { ...entry, after, outcome: 'unchanged', details: details(plan) };
}

export function rollbackResult(step: Ended<RollbackPlan, RollbackOutcome>, receipt: Receipt): RollbackResult {
  const { plan, outcome } = step;
  const base = {
    functionName: plan.request.functionName,
    alias: plan.request.alias,
    fromVersion: String(plan.before.FunctionVersion),
    toVersion: plan.choice.version,
    chosenBy: plan.choice.chosenBy,
    why: plan.choice.why,
    clearedWeights: weightsOf(plan.before),
    dryRun: plan.dryRun,
    auditId: plan.auditId,
    notified: receipt.notified,
    ...(receipt.unrecorded ? { unrecorded: receipt.unrecorded } : {}),
  };
  switch (outcome.kind) {
    case 'already-there':
      return { ...base, changed: false, undo: null };
    case 'held':
      return { ...base, changed: false, undo: null, heldByCooldown: outcome.hold };
    case 'planned':
      return { ...base, ...stopped(plan), changed: false, undo: null, note: dryRunNote(plan) };
    case 'moved':
      return {
        ...base,
        ...stopped(plan),
        changed: outcome.changed,
        undo: outcome.changed ? plan.undo : null,
        ...(outcome.changed ? { note: STACK_NOTE } : {}),
      };
  }
}

function dryRunNote(plan: RollbackPlan): string {
  const stop = plan.inFlight ? `stop deployment ${plan.inFlight.deploymentId} and ` : '';
  return `dry run: would ${stop}move ${plan.request.alias} from ${describeAlias(plan.before)} to version ${plan.choice.version}`;
}

/** `Rollback` counts the alias moves; `RollbackLatencyMs` times every rollback that answered. */
export function rollbackMetrics(step: Ended<RollbackPlan, RollbackOutcome>, elapsedMs: number): Metric[] {
  const moved = step.outcome.kind === 'moved' && step.outcome.changed;
  return [
    ...(moved ? [{ name: 'Rollback', unit: MetricUnit.Count, value: 1 }] : []),
    { name: 'RollbackLatencyMs', unit: MetricUnit.Milliseconds, value: elapsedMs },
  ];
}
