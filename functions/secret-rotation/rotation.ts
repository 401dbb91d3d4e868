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
// the providers' key ids.

import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { type AuditEntry, type AuditLedger, newAuditId } from '../../shared/audit.js';
import { describe as describeError } from '../../shared/budget.js';
import { ConflictError, isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import {
  type CredentialProvider,
  ProviderError,
  providerFor,
  type RevokeOutcome,
  SlowCreateError,
} from './providers.js';
import {
  type RevokePreviousRequest,
  type RotationEvent,
  type SecretDocument,
  type Step,
  secretDocumentSchema,
} from './schema.js';

const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

export interface RotationConfig {
  /** Hours the AWSPREVIOUS key stays valid before `revokePrevious` may revoke it without `emergency`. */
  graceHours: number;
}

type Logger = Pick<Log, 'info' | 'warn'>;

export interface RotationDeps {
  secrets: SecretsManagerClient;
  fetch: typeof fetch;
  /** Records and notifies the ops topic: failures, completed rotations, revocations. */
  ledger: Pick<AuditLedger, 'record'>;
  /** Records without notifying: the routine steps of a rotation that goes well. */
  quietLedger: Pick<AuditLedger, 'record'>;
  logger: Logger;
  now: () => Date;
  config: RotationConfig;
  /** The invocation's remaining time: bounds the wait for a vendor's late answer. */
  remainingMs?: () => number;
}

export interface Origin {
  actor: string;
  correlationId: string;
}

type Stages = Record<string, string[]>;

/** A revocation done (or found done) at the provider, by key id: never the key. */
export interface Revocation {
  versionId: string;
  /** `previous`: the key the last rotation replaced; `unstored`: a key made for a version but never stored. */
  why: 'previous' | 'unstored';
  apiKeyId?: string;
  outcome: RevokeOutcome;
}

export interface StepResult {
  secretArn: string;
  name: string;
  step: Step;
  versionId: string;
  changed: boolean;
  note: string;
  /** The new key's id (http provider) once createSecret made it. */
  apiKeyId?: string;
  revoked: Revocation[];
  stages: Stages;
  auditId: string;
}

// --------------------------------------------------------------------------------------------- reads

async function describeSecret(
  deps: RotationDeps,
  secretId: string,
  field: string,
): Promise<DescribeSecretCommandOutput> {
  try {
    return await deps.secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no secret ${secretId}`, field, error);
    }
    throw error;
  }
}

function stagesOf(description: DescribeSecretCommandOutput): Stages {
  return Object.fromEntries(
    Object.entries(description.VersionIdsToStages ?? {}).map(([id, labels]) => [id, [...labels]]),
  );
}

function versionWith(stages: Stages, label: string): string | undefined {
  return Object.entries(stages).find(([, labels]) => labels.includes(label))?.[0];
}

/** Parses a secret value; the error names the field and never quotes the value. */
export function parseSecret(text: string | undefined, what: string): SecretDocument {
  if (text === undefined) throw new ValidationError(`${what} has no SecretString`, 'SecretString');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // No cause: a JSON.parse error quotes the text it choked on.
    throw new ValidationError(
      `${what} is not JSON: expected {"provider": "random" | "http", …}`,
      'SecretString',
    );
  }
  const parsed = secretDocumentSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).map(String).join('.');
  throw new ValidationError(
    `${what}: ${path ? `${path}: ` : ''}${issue?.message ?? 'invalid'}`,
    path ? `SecretString.${path}` : 'SecretString',
  );
}

/**
 * One version's value, always by stage (and version id when given): without VersionStage, GetSecretValue
 * answers AWSCURRENT, and moto may answer a stale version. Undefined when that version has no value.
 */
async function readSecret(
  deps: RotationDeps,
  arn: string,
  stage: string,
  versionId?: string,
): Promise<SecretDocument | undefined> {
  let text: string | undefined;
  try {
    const answer = await deps.secrets.send(
      new GetSecretValueCommand({
        SecretId: arn,
        VersionStage: stage,
        ...(versionId ? { VersionId: versionId } : {}),
      }),
    );
    text = answer.SecretString;
  } catch (error) {
    // A version staged by RotateSecret has no value until createSecret puts one.
    if (isAwsError(error, 'ResourceNotFoundException')) return undefined;
    throw error;
  }
  return parseSecret(text, `the ${stage} value${versionId ? ` of version ${versionId}` : ''}`);
}

async function requireSecret(deps: RotationDeps, arn: string, stage: string, versionId?: string) {
  const value = await readSecret(deps, arn, stage, versionId);
  if (!value) {
    throw new ConflictError(
      stage === PENDING
        ? `version ${versionId} has no value yet: createSecret has not run for it`
        : `the secret has no ${stage} value`,
      stage === PENDING ? 'ClientRequestToken' : 'SecretId',
    );
  }
  return value;
}

/** An old version's value, for revoking its key: unreadable or malformed means "nothing we can revoke". */
async function readOld(deps: RotationDeps, arn: string, stage: string, versionId: string) {
  try {
    return await readSecret(deps, arn, stage, versionId);
  } catch (error) {
    deps.logger.warn(`version ${versionId} (${stage}) cannot be read as a credential: not revoked`, {
      reason: error instanceof ValidationError ? error.message : describeError(error),
    });
    return undefined;
  }
}

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

async function revokeOld(
  deps: RotationDeps,
  provider: CredentialProvider,
  current: SecretDocument,
  old: SecretDocument,
  versionId: string,
  why: Revocation['why'],
): Promise<Revocation | undefined> {
  if (old.provider !== current.provider) {
    deps.logger.warn(
      `version ${versionId} used provider ${old.provider}, now ${current.provider}: not revoked`,
    );
    return undefined;
  }
  const apiKeyId = provider.idOf(old);
  const outcome = await provider.revoke(old, current);
  if (outcome !== 'not-applicable') {
    deps.logger.info(`revoked the ${why} key`, { versionId, apiKeyId, outcome });
  }
  return { versionId, why, ...(apiKeyId ? { apiKeyId } : {}), outcome };
}

// ------------------------------------------------------------------------------ keys nothing holds yet

/**
 * The ids (never the values) of vendor keys made for this secret but not yet stored in a version, on a tag of
 * the secret. A key is recorded before PutSecretValue stores it and whenever a create answered too late to be
 * used; the next step (or the next rotation) adopts a recorded key that is stored by then and revokes any
 * other, so no key the vendor made stays live with nothing holding it. A tag, because DescribeSecret (which
 * every step calls anyway) returns it, and a version cannot carry metadata before it has a value.
 */
export const UNSTORED_TAG = 'lambda-runbook:unstored-keys';
// Tag values: at most 256 characters of letters, digits, spaces and _ . : / = + - @.
// https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Tag.html
const TAG_VALUE_MAX = 256;

/** The idempotency key of every create attempt for one version: its ClientRequestToken. */
export const idempotencyKeyOf = (token: string) => `lambda-runbook-rotation-${token}`;

// A create that timed out is awaited this much longer, to learn the key it made, keeping a reserve of the
// invocation for recording it and the failed step.
const LATE_ANSWER_MAX_MS = 15_000;
const LATE_ANSWER_RESERVE_MS = 3_000;

export function unstoredOf(description: DescribeSecretCommandOutput): string[] {
  const value = description.Tags?.find((tag) => tag.Key === UNSTORED_TAG)?.Value;
  if (!value) return [];
  try {
    const ids: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Writes the record (base64url JSON fits the tag's characters); an empty record removes the tag. */
async function remember(ctx: StepContext, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)];
  if (JSON.stringify(unique) === JSON.stringify(ctx.unstored)) return;
  if (unique.length === 0) {
    await ctx.deps.secrets.send(new UntagResourceCommand({ SecretId: ctx.arn, TagKeys: [UNSTORED_TAG] }));
  } else {
    let kept = unique;
    const encode = (list: string[]) => Buffer.from(JSON.stringify(list)).toString('base64url');
    while (kept.length > 1 && encode(kept).length > TAG_VALUE_MAX) kept = kept.slice(1);
    if (kept.length < unique.length) {
      ctx.deps.logger.warn('too many unstored keys to record: the oldest are dropped from the record', {
        dropped: unique.slice(0, unique.length - kept.length),
      });
    }
    await ctx.deps.secrets.send(
      new TagResourceCommand({ SecretId: ctx.arn, Tags: [{ Key: UNSTORED_TAG, Value: encode(kept) }] }),
    );
  }
  ctx.unstored = unique;
}

/** Adopts the recorded keys a version holds and revokes the others; a failed revoke stays recorded. */
async function settleUnstored(
  ctx: StepContext,
  provider: CredentialProvider,
  current: SecretDocument,
  holders: SecretDocument[],
): Promise<Revocation[]> {
  if (ctx.unstored.length === 0) return [];
  const held = new Set(holders.map((holder) => provider.idOf(holder)));
  const revoked: Revocation[] = [];
  const remaining: string[] = [];
  for (const apiKeyId of ctx.unstored) {
    if (held.has(apiKeyId)) {
      ctx.deps.logger.info(`key ${apiKeyId} is stored: adopted`);
      continue;
    }
    try {
      const outcome = await provider.revoke({ ...current, apiKeyId } as SecretDocument, current);
      ctx.deps.logger.info(`revoked key ${apiKeyId}, made but never stored`, { outcome });
      revoked.push({ versionId: ctx.token, why: 'unstored', apiKeyId, outcome });
    } catch (error) {
      ctx.deps.logger.warn(`could not revoke key ${apiKeyId} (made but never stored): kept on record`, {
        reason: describeError(error),
      });
      remaining.push(apiKeyId);
    }
  }
  await remember(ctx, remaining);
  return revoked;
}

/** The provider's create; a timed-out one is awaited a little longer and the key it made is recorded. */
async function createCredentials(
  ctx: StepContext,
  provider: CredentialProvider,
  current: SecretDocument,
): Promise<SecretDocument> {
  try {
    return await provider.create(current, idempotencyKeyOf(ctx.token));
  } catch (error) {
    if (!(error instanceof SlowCreateError)) throw error;
    const remaining = ctx.deps.remainingMs?.() ?? LATE_ANSWER_MAX_MS + LATE_ANSWER_RESERVE_MS;
    const late = await error.lateAnswer(Math.min(LATE_ANSWER_MAX_MS, remaining - LATE_ANSWER_RESERVE_MS));
    const apiKeyId = late && provider.idOf(late);
    if (!apiKeyId) throw error;
    await remember(ctx, [...ctx.unstored, apiKeyId]);
    throw new ProviderError(
      `${error.message}; it answered later with key ${apiKeyId}, recorded for the retry to adopt or revoke`,
      error,
    );
  }
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

type StepOutcome = Pick<StepResult, 'changed' | 'note'> & {
  apiKeyId?: string;
  revoked?: Revocation[];
  stages?: Stages;
  undo?: string;
};

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

// ----------------------------------------------------------------------------------------- the action

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
    // ---- guards, in the reference template's order
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
    let outcome: StepOutcome;
    if (labels.includes(CURRENT)) {
      // Done already (a retried invocation). A finish interrupted after moving AWSCURRENT may have left
      // AWSPENDING on this version: take it off, so the next rotation does not find one "in progress".
      if (step === 'finishSecret' && labels.includes(PENDING)) await removeLabel(deps, arn, PENDING, token);
      outcome = { changed: false, note: `version ${token} is already AWSCURRENT: nothing to do` };
    } else if (!labels.includes(PENDING)) {
      throw new ConflictError(
        `version ${token} of secret ${name} is not AWSPENDING (its stages: ${labels.join(', ') || 'none'})`,
        'ClientRequestToken',
      );
    } else {
      outcome = await steps[step]({
        deps,
        arn,
        name,
        token,
        stages,
        event,
        unstored: unstoredOf(description),
      });
    }

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

// ------------------------------------------------------------------------------ revoke the previous key

export interface RevokeResult {
  secretArn: string;
  name: string;
  /** The version on AWSPREVIOUS whose key was (or would be) revoked. */
  versionId?: string;
  apiKeyId?: string;
  outcome: RevokeOutcome | 'none' | 'planned';
  changed: boolean;
  dryRun: boolean;
  emergency: boolean;
  note: string;
  auditId: string;
  /** Revoking a key cannot be undone: a new one comes from a rotation. */
  undo: null;
  notified: boolean;
}

/**
 * Revokes the key on AWSPREVIOUS: after the grace period since the last rotation, or at once with
 * `emergency` (a leaked key: rotate, then revoke the replaced key without waiting).
 */
export async function revokePrevious(
  deps: RotationDeps,
  request: RevokePreviousRequest,
  origin: Origin,
): Promise<RevokeResult> {
  const description = await describeSecret(deps, request.secretId, 'secretId');
  const arn = String(description.ARN ?? request.secretId);
  const name = String(description.Name ?? request.secretId);
  const stages = stagesOf(description);
  const auditId = newAuditId(deps.now());
  const currentId = versionWith(stages, CURRENT);
  const previousId = versionWith(stages, PREVIOUS);
  const base = {
    secretArn: arn,
    name,
    dryRun: request.dryRun,
    emergency: request.emergency,
    auditId,
    undo: null,
  };
  const entry = {
    action: 'secret.revokePrevious',
    actor: origin.actor,
    reason: request.reason,
    target: `secret:${name}`,
    request,
    before: { stages },
    after: { stages },
    dryRun: request.dryRun,
    correlationId: origin.correlationId,
  };

  // A sweep that finds nothing to do runs every day: recorded, not announced.
  const ledger = request.sweep ? deps.quietLedger : deps.ledger;
  const unchanged = async (note: string, details: Record<string, unknown> = {}) => {
    deps.logger.info(note);
    const record = await ledger.record(
      { ...entry, outcome: 'unchanged', details: { note, ...details } },
      auditId,
    );
    return { ...base, ...details, outcome: 'none' as const, changed: false, note, notified: record.notified };
  };

  if (!previousId || previousId === currentId)
    return unchanged('the secret has no AWSPREVIOUS version: nothing to revoke');
  const current = await requireSecret(deps, arn, CURRENT);
  const previous = await readSecret(deps, arn, PREVIOUS, previousId);
  if (!previous) return unchanged(`version ${previousId} (AWSPREVIOUS) has no value: nothing to revoke`);
  const provider = providerFor(deps, current);
  const apiKeyId = provider.idOf(previous);
  if (previous.provider !== current.provider || !apiKeyId) {
    return unchanged(`the ${previous.provider} provider issues no revocable key`, { versionId: previousId });
  }
  if (apiKeyId === provider.idOf(current)) {
    return unchanged(`AWSPREVIOUS holds the current key ${apiKeyId}: not revoked`, { versionId: previousId });
  }

  const since = description.LastRotatedDate ?? description.LastChangedDate;
  const until = since ? new Date(since.getTime() + deps.config.graceHours * 3_600_000) : undefined;
  if (!request.emergency && until && deps.now() < until) {
    if (request.sweep) {
      return unchanged(`key ${apiKeyId} is in its grace period until ${until.toISOString()}: not yet`, {
        versionId: previousId,
        apiKeyId,
      });
    }
    throw new ConflictError(
      `key ${apiKeyId} became AWSPREVIOUS at ${since?.toISOString()}; its grace period of ${deps.config.graceHours} h runs until ${until.toISOString()}: pass emergency to revoke it now`,
      'emergency',
    );
  }
  const what = { versionId: previousId, apiKeyId };
  if (request.dryRun) {
    const note = `dry run: would revoke key ${apiKeyId} (version ${previousId}, AWSPREVIOUS)`;
    const record = await deps.ledger.record(
      { ...entry, outcome: 'planned', details: { note, ...what } },
      auditId,
    );
    return { ...base, ...what, outcome: 'planned', changed: false, note, notified: record.notified };
  }
  try {
    const outcome = await provider.revoke(previous, current);
    const note =
      outcome === 'revoked'
        ? `key ${apiKeyId} revoked${request.emergency ? ' (emergency)' : ''}; clients still on it now fail`
        : `key ${apiKeyId} was already revoked`;
    deps.logger.info(note, what);
    const record = await (outcome === 'revoked' ? deps.ledger : ledger).record(
      {
        ...entry,
        outcome: outcome === 'revoked' ? 'succeeded' : 'unchanged',
        details: { note, ...what, outcome, emergency: request.emergency },
      },
      auditId,
    );
    return { ...base, ...what, outcome, changed: outcome === 'revoked', note, notified: record.notified };
  } catch (error) {
    await deps.ledger
      .record({ ...entry, outcome: 'failed', details: { ...what, error: describeError(error) } }, auditId)
      .catch((cause: unknown) =>
        deps.logger.warn('could not record the failed revocation', { reason: describeError(cause) }),
      );
    throw error;
  }
}
