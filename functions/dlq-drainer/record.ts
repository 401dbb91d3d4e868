// What a drain or a peek leaves behind: its audit record, its metrics and the caller's answer, however it ended.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Ended, Metric, Receipt, Step } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { describe } from '../../shared/errors.js';
import { cut } from './bounded.js';
import { SAMPLE_BYTES } from './survey.js';
import { summaryOf } from './tally.js';
import type { DrainDeps, DrainOutcome, DrainPlan, DrainResult } from './types.js';

const SAMPLES_NOTE = `sample bodies are redacted with the log rules (sensitive keys, secret-shaped values) and cut to ${SAMPLE_BYTES} characters`;

type DrainStep = Step<DrainPlan, DrainOutcome>;

export function drainEntry(step: DrainStep): AuditEntry {
  const { plan } = step;
  const { tally } = plan;
  const entry = {
    action: plan.mode === 'peek' ? 'dlq.peek' : 'dlq.drain',
    actor: plan.origin.actor,
    reason: plan.request.reason,
    target: `queue:${plan.queueName}`,
    request: plan.request,
    before: { queueUrl: plan.queueUrl, approximateMessages: plan.atStart },
    dryRun: plan.dryRun,
    correlationId: plan.origin.correlationId,
  };
  if (step.stage === 'failed') {
    return { ...entry, after: { ...summaryOf(tally), error: cut(describe(step.error)) }, outcome: 'failed' };
  }
  const outcome =
    step.stage === 'dry-run'
      ? 'planned'
      : tally.redriven + tally.quarantined > 0
        ? 'succeeded'
        : tally.failed > 0
          ? 'failed'
          : 'unchanged';
  return {
    ...entry,
    after: { ...summaryOf(tally), ...step.outcome },
    outcome,
    details: {
      // A redrive cannot be undone: the event ran again. The keys say which did.
      // Bounded like the answer: the first keys of each list, and how many each left out.
      redrivenKeys: tally.redrivenKeys,
      duplicateKeys: tally.duplicateKeys,
      notDeleted: tally.notDeleted,
      failures: tally.failures,
      stale: tally.stale,
    },
  };
}

export function drainResult(step: Ended<DrainPlan, DrainOutcome>, receipt: Receipt): DrainResult {
  const { plan, outcome } = step;
  const { tally } = plan;
  return {
    mode: plan.mode,
    queue: plan.queueName,
    queueUrl: plan.queueUrl,
    ...tally,
    atStartApprox: plan.atStart,
    ...(plan.dryRun ? { samplesNote: SAMPLES_NOTE } : {}),
    dryRun: plan.dryRun,
    auditId: plan.auditId,
    remainingApprox: outcome.remainingApprox,
    stoppedBy: outcome.stoppedBy,
    ...(outcome.stoppedBy === 'deadline' && outcome.remainingApprox > 0 && !plan.dryRun
      ? { next: 'the time ran out before the queue was empty: the same request drains the rest' }
      : {}),
    notified: receipt.notified,
    ...(receipt.unrecorded ? { unrecorded: receipt.unrecorded } : {}),
  };
}

/** `Redriven`, `RedriveFailed` and `Stale` count the messages of every drain and peek that answered. */
export function drainMetrics(step: Ended<DrainPlan, DrainOutcome>): Metric[] {
  const { tally } = step.plan;
  return [
    { name: 'Redriven', unit: MetricUnit.Count, value: tally.redriven },
    { name: 'RedriveFailed', unit: MetricUnit.Count, value: tally.failed },
    { name: 'Stale', unit: MetricUnit.Count, value: tally.skipped.stale },
  ];
}

/**
 * A dry run's survey reads the queue in the plan, before the skeleton records anything: when it fails, its
 * failed attempt is recorded here, as a drain's is (what it had counted, and the error), then thrown.
 */
export async function recordFailedSurvey(deps: DrainDeps, plan: DrainPlan, error: unknown): Promise<never> {
  await deps.ledger
    .record(drainEntry({ stage: 'failed', plan, error }), plan.auditId)
    .catch((cause: unknown) =>
      deps.logger.warn('could not record the failed drain', { reason: describe(cause) }),
    );
  throw error;
}
