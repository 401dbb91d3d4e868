// One rotation step as an action: read the secret (its stages), run the guarded step (rotation.ts), record it
// in the audit ledger — announced when it completes a rotation, revokes a key or fails; the routine steps
// quietly — and count it. Secrets Manager sees any failure: it is recorded, then thrown.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type AuditEntry, newAuditId } from '../../shared/audit.js';
import { describe as describeError } from '../../shared/errors.js';
import { guardedStep } from './rotation.js';
import type { RotationEvent } from './schema.js';
import { describeSecret, stagesOf } from './secrets.js';
import type { Origin, RotationDeps, StepResult } from './types.js';

/** Runs one rotation step for Secrets Manager. Throws on any failure: Secrets Manager must see it. */
export async function rotateStep(
  deps: RotationDeps,
  event: RotationEvent,
  origin: Origin,
): Promise<StepResult> {
  const { Step: step, ClientRequestToken: token } = event;
  const description = await describeSecret(deps, event.SecretId, 'SecretId');
  const arn = String(description.ARN ?? event.SecretId);
  const name = String(description.Name ?? event.SecretId);
  const stages = stagesOf(description);
  const auditId = newAuditId(deps.now());
  const entry = {
    action: `secret.rotation.${step}`,
    actor: origin.actor,
    reason: `rotation of ${name}: ${step} for version ${token}`,
    target: `secret:${name}`,
    request: { secretArn: arn, versionId: token, step },
    before: { stages },
    dryRun: false,
    correlationId: origin.correlationId,
  } satisfies Partial<AuditEntry>;
  const base = { secretArn: arn, name, step, versionId: token, auditId };
  deps.logger.info(`rotation step ${step}`, { secretArn: arn, versionId: token, stages });

  try {
    const outcome = await guardedStep(deps, description, { arn, name, stages, event });
    const completed = step === 'finishSecret' && outcome.changed;
    const ledger = completed || (outcome.revoked?.length ?? 0) > 0 ? deps.ledger : deps.quietLedger;
    await ledger.record(
      {
        ...entry,
        after: { stages: outcome.stages ?? stages },
        outcome: outcome.changed ? 'succeeded' : 'unchanged',
        ...(outcome.undo ? { undo: outcome.undo } : {}),
        details: {
          note: outcome.note,
          ...(outcome.apiKeyId ? { newKeyId: outcome.apiKeyId } : {}),
          ...(outcome.revoked?.length ? { revoked: outcome.revoked } : {}),
        },
      },
      auditId,
    );
    deps.logger.info(`rotation step ${step}: ${outcome.note}`, { secretArn: arn, versionId: token });
    return {
      ...base,
      changed: outcome.changed,
      note: outcome.note,
      ...(outcome.apiKeyId ? { apiKeyId: outcome.apiKeyId } : {}),
      revoked: outcome.revoked ?? [],
      stages: outcome.stages ?? stages,
    };
  } catch (error) {
    // Recorded and announced: a failed step means a rotation Secrets Manager will retry, or a stuck one.
    await deps.ledger
      .record(
        {
          ...entry,
          after: { stages },
          outcome: 'failed',
          details: { error: describeError(error) },
        },
        auditId,
      )
      .catch((cause: unknown) =>
        deps.logger.warn('could not record the failed rotation step', { reason: describeError(cause) }),
      );
    throw error;
  }
}

/** rotateStep, counted: RotationStepSucceeded or RotationStepFailed, and RotationCompleted for a finish. */
export async function countedStep(
  deps: RotationDeps,
  event: RotationEvent,
  origin: Origin,
): Promise<StepResult> {
  const count = (name: string) => deps.metrics?.addMetric(name, MetricUnit.Count, 1);
  const result = await rotateStep(deps, event, origin).catch((error: unknown) => {
    count('RotationStepFailed');
    throw error;
  });
  count('RotationStepSucceeded');
  if (result.step === 'finishSecret' && result.changed) count('RotationCompleted');
  return result;
}
