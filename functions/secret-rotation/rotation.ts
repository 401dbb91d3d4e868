// Secrets Manager's four-step rotation, the shape of the reference template
// (aws-samples/aws-secrets-manager-rotation-lambdas, SecretsManagerRotationTemplate): guards first — rotation
// enabled, the token is a version, already AWSCURRENT returns, otherwise it must be AWSPENDING — then one
// idempotent function per step. Secrets Manager retries a whole rotation when a step fails, so every step
// first looks and acts only on a difference.
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_lambda-functions.html
//
// Zero-downtime overlap: finishSecret leaves the replaced key on AWSPREVIOUS, still valid, for clients that
// cached it. That key is revoked when the next rotation begins (createSecret), or earlier by `revokePrevious`
// once the grace period has passed (or at once, with `emergency`, when it leaked).
//
// No value of the secret is ever logged, returned, recorded or notified: only version ids, staging labels and
// the providers' key ids. step.ts runs a step as an action: reads the secret, records and counts the step.

import {
  type DescribeSecretCommandOutput,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { ConflictError } from '../../shared/errors.js';
import { FrozenError, refuseDuringFreeze } from '../../shared/freeze/guard.js';
import { providerFor } from './providers.js';
import { readOld, revokeOld } from './revoke.js';
import type { RotationEvent, Step } from './schema.js';
import { describeSecret, readSecret, requireSecret, stagesOf, versionWith } from './secrets.js';
import {
  CURRENT,
  PENDING,
  PREVIOUS,
  type Revocation,
  type RotationDeps,
  type Stages,
  type StepResult,
} from './types.js';
import { createCredentials, remember, settleUnstored, unstoredOf } from './unstored.js';

export { parseSecret } from './secrets.js';
export type { Origin, Revocation, RotationConfig, RotationDeps, StepResult } from './types.js';
export { idempotencyKeyOf, UNSTORED_TAG, unstoredOf } from './unstored.js';

// -------------------------------------------------------------------------------------------- writes

async function removeLabel(deps: RotationDeps, arn: string, label: string, versionId: string) {
  // https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html
  await deps.secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: arn,
      VersionStage: label,
      RemoveFromVersionId: versionId,
    }),
  );
}

// --------------------------------------------------------------------------------------------- steps

interface StepContext {
  deps: RotationDeps;
  arn: string;
  name: string;
  token: string;
  stages: Stages;
  event: RotationEvent;
  /** Ids of keys made but not stored (UNSTORED_TAG), kept in step with the tag. */
  unstored: string[];
}

export type StepOutcome = Pick<StepResult, 'changed' | 'note'> & {
  apiKeyId?: string;
  revoked?: Revocation[];
  stages?: Stages;
  undo?: string;
};

/**
 * A rotation that has made nothing yet does not begin during a change freeze (whoever started it: the operator's
 * RotateSecret or Secrets Manager's schedule — the step cannot tell them apart, and both change the key every
 * client uses). Secrets Manager staged AWSPENDING on an empty version when it started; left there, every later
 * RotateSecret would answer that a rotation is in progress, so it is taken off: the secret is as it was before,
 * and the next scheduled rotation (or `runbook secret rotate`) after the freeze starts cleanly. A rotation whose
 * createSecret already stored the new key is never refused: its later steps complete it (refusing them would
 * strand a live vendor key that no client reads).
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html
 */
async function notDuringFreeze(ctx: StepContext): Promise<void> {
  if (!ctx.deps.freeze) return;
  try {
    refuseDuringFreeze(ctx.deps.freeze, ctx.deps.now(), `a new rotation of ${ctx.name}`, ctx.deps);
  } catch (error) {
    if (error instanceof FrozenError) await removeLabel(ctx.deps, ctx.arn, PENDING, ctx.token);
    throw error;
  }
}

async function createSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, arn, token, stages } = ctx;
  const current = await requireSecret(deps, arn, CURRENT);
  const provider = providerFor(deps, current);
  const existing = await readSecret(deps, arn, PENDING, token);
  if (existing) {
    const revoked = await settleUnstored(ctx, provider, current, [current, existing]);
    return {
      changed: revoked.length > 0,
      note: `version ${token} already holds the new credentials`,
      ...(provider.idOf(existing) ? { apiKeyId: provider.idOf(existing) } : {}),
      revoked,
    };
  }

  await notDuringFreeze(ctx);
  const revoked: Revocation[] = [];
  const currentId = versionWith(stages, CURRENT);
  // The next rotation has begun: the key the last one replaced (AWSPREVIOUS) has had its overlap. Revoked
  // before creating, as vendors often cap the live keys at two. (No other version can be AWSPENDING: a label
  // is on one version at a time, and the guard found it on this token. A rotation stuck since an earlier
  // failure is resumed with its own token — `runbook secret rotate --resume` — so its key is not orphaned.)
  const previousId = versionWith(stages, PREVIOUS);
  if (previousId && previousId !== currentId) {
    const previous = await readOld(deps, arn, PREVIOUS, previousId);
    const revocation =
      previous && (await revokeOld(deps, provider, current, previous, previousId, 'previous'));
    if (revocation) revoked.push(revocation);
  }
  const next = await createCredentials(ctx, provider, current);
  const apiKeyId = provider.idOf(next);
  // Recorded before it is stored: should the put fail, or the invocation end, the key is still accounted for.
  if (apiKeyId) await remember(ctx, [...ctx.unstored, apiKeyId]);
  // VersionStages AWSPENDING moves the label here from any other version; the token makes a repeated put of
  // the same version a no-op rather than a second version.
  await deps.secrets.send(
    new PutSecretValueCommand({
      SecretId: arn,
      ClientRequestToken: token,
      SecretString: JSON.stringify(next),
      VersionStages: [PENDING],
      ...(ctx.event.RotationToken ? { RotationToken: ctx.event.RotationToken } : {}),
    }),
  );
  revoked.push(...(await settleUnstored(ctx, provider, current, [current, next])));
  return {
    changed: true,
    note: `new credentials put on version ${token} (AWSPENDING)`,
    ...(apiKeyId ? { apiKeyId } : {}),
    revoked,
    stages: { ...stages, [token]: [...(stages[token] ?? []).filter((label) => label !== PENDING), PENDING] },
  };
}

async function setSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, arn, token } = ctx;
  const current = await requireSecret(deps, arn, CURRENT);
  const pending = await requireSecret(deps, arn, PENDING, token);
  const provider = providerFor(deps, pending);
  await provider.activate(pending, current);
  const activates = pending.provider === 'http' && pending.activatePath !== undefined;
  return {
    changed: activates,
    note: activates ? 'pending key activated at the provider' : 'the provider needs no activation',
  };
}

async function testSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, arn, token } = ctx;
  const pending = await requireSecret(deps, arn, PENDING, token);
  const provider = providerFor(deps, pending);
  await provider.test(pending);
  const apiKeyId = provider.idOf(pending);
  return {
    changed: false,
    note: `the pending credentials work${apiKeyId ? ` (key ${apiKeyId})` : ''}`,
    ...(apiKeyId ? { apiKeyId } : {}),
  };
}

async function finishSecret(ctx: StepContext): Promise<StepOutcome> {
  const { deps, arn, token, stages } = ctx;
  const currentId = versionWith(stages, CURRENT);
  // Keys still on record (a revoke that failed in createSecret): settled before the rotation completes.
  const pending = ctx.unstored.length > 0 ? await requireSecret(deps, arn, PENDING, token) : undefined;
  // Moving AWSCURRENT also moves AWSPREVIOUS to the version it left: the replaced key stays readable (and
  // valid) for the overlap.
  await deps.secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: arn,
      VersionStage: CURRENT,
      MoveToVersionId: token,
      ...(currentId ? { RemoveFromVersionId: currentId } : {}),
    }),
  );
  const after = stagesOf(await describeSecret(deps, arn, 'SecretId'));
  for (const [versionId, labels] of Object.entries(after)) {
    if (labels.includes(PENDING)) await removeLabel(deps, arn, PENDING, versionId);
  }
  const final = stagesOf(await describeSecret(deps, arn, 'SecretId'));
  const revoked = pending ? await settleUnstored(ctx, providerFor(deps, pending), pending, [pending]) : [];
  return {
    changed: true,
    ...(revoked.length > 0 ? { revoked } : {}),
    note: `version ${token} is AWSCURRENT; ${currentId ? `version ${currentId} is AWSPREVIOUS, its key still valid until the next rotation` : 'no previous version'}`,
    stages: final,
    ...(currentId
      ? {
          undo: `aws secretsmanager update-secret-version-stage --secret-id ${arn} --version-stage AWSCURRENT --move-to-version-id ${currentId} --remove-from-version-id ${token}`,
        }
      : {}),
  };
}

const steps: Record<Step, (ctx: StepContext) => Promise<StepOutcome>> = {
  createSecret,
  setSecret,
  testSecret,
  finishSecret,
};

// ---------------------------------------------------------------------------------------- the guards

/**
 * The reference template's guards, in its order — rotation enabled, the token is a version, already
 * AWSCURRENT returns — then the step itself, only for a version on AWSPENDING.
 */
export async function guardedStep(
  deps: RotationDeps,
  description: DescribeSecretCommandOutput,
  { arn, name, stages, event }: { arn: string; name: string; stages: Stages; event: RotationEvent },
): Promise<StepOutcome> {
  const { Step: step, ClientRequestToken: token } = event;
  if (!description.RotationEnabled) {
    throw new ConflictError(`secret ${name} is not enabled for rotation`, 'SecretId');
  }
  const labels = stages[token];
  if (!labels) {
    throw new ConflictError(
      `version ${token} has no stage for rotation of secret ${name}`,
      'ClientRequestToken',
    );
  }
  if (labels.includes(CURRENT)) {
    // Done already (a retried invocation). A finish interrupted after moving AWSCURRENT may have left
    // AWSPENDING on this version: take it off, so the next rotation does not find one "in progress".
    if (step === 'finishSecret' && labels.includes(PENDING)) await removeLabel(deps, arn, PENDING, token);
    return { changed: false, note: `version ${token} is already AWSCURRENT: nothing to do` };
  }
  if (!labels.includes(PENDING)) {
    throw new ConflictError(
      `version ${token} of secret ${name} is not AWSPENDING (its stages: ${labels.join(', ') || 'none'})`,
      'ClientRequestToken',
    );
  }
  return steps[step]({ deps, arn, name, token, stages, event, unstored: unstoredOf(description) });
}
