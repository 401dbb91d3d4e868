// Revoking the key on AWSPREVIOUS, on the action skeleton (shared/action.ts): after the grace period since
// the last rotation, or at once with `emergency` (a leaked key: rotate, then revoke the replaced key without
// waiting). A daily `sweep` revokes what has passed its grace period and records the days with nothing to do
// without announcing them. No value of the secret leaves this file: only version ids and key ids.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Action, type Ended, type Receipt, runAction, type Step } from '../../shared/action.js';
import { type AuditEntry, newAuditId } from '../../shared/audit.js';
import { ConflictError, describe, ValidationError } from '../../shared/errors.js';
import { FrozenError, refuseDuringFreeze } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { type CredentialProvider, providerFor, type RevokeOutcome } from './providers.js';
import type { RevokePreviousRequest, SecretDocument } from './schema.js';
import { describeSecret, readSecret, requireSecret, stagesOf, versionWith } from './secrets.js';
import { CURRENT, PREVIOUS, type Revocation, type RotationDeps, type Stages } from './types.js';

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
  /** Set only when the key was revoked but the audit record could not be written. */
  unrecorded?: string;
}

export interface RevokePlan {
  request: RevokePreviousRequest;
  origin: Origin;
  auditId: string;
  dryRun: boolean;
  arn: string;
  name: string;
  stages: Stages;
  /** Why there is nothing to revoke, with what was found; absent when there is a key to revoke. */
  nothing?: { note: string; details: { versionId?: string; apiKeyId?: string } };
  /** The key to revoke: both values stay in memory, never in a record or an answer. */
  revoke?: { provider: CredentialProvider; previous: SecretDocument; current: SecretDocument };
  what: { versionId?: string; apiKeyId?: string };
  /** Set when the key is revoked inside its grace period (an emergency): when that period ends. */
  early?: { graceUntil: string };
  /** The freeze in force, when it makes this revocation need approval (deps.freezeNeedsApproval). */
  frozen?: string;
}

export type RevokeOutcomeOf =
  | { kind: 'none' }
  | { kind: 'planned' }
  | { kind: 'done'; outcome: RevokeOutcome };

export type Request = { request: RevokePreviousRequest; origin: Origin };

async function plan(deps: RotationDeps, { request, origin }: Request): Promise<RevokePlan> {
  const description = await describeSecret(deps, request.secretId, 'secretId');
  const arn = String(description.ARN ?? request.secretId);
  const name = String(description.Name ?? request.secretId);
  const stages = stagesOf(description);
  const base = {
    request,
    origin,
    auditId: newAuditId(deps.now()),
    dryRun: request.dryRun,
    arn,
    name,
    stages,
  };
  const nothing = (note: string, details: RevokePlan['what'] = {}): RevokePlan => {
    deps.logger.info(note);
    return { ...base, nothing: { note, details }, what: details };
  };
  const frozen = notDuringFreeze(deps, request, name);
  if (frozen?.sweep) return nothing(frozen.sweep);
  const currentId = versionWith(stages, CURRENT);
  const previousId = versionWith(stages, PREVIOUS);
  if (!previousId || previousId === currentId)
    return nothing('the secret has no AWSPREVIOUS version: nothing to revoke');
  const current = await requireSecret(deps, arn, CURRENT);
  const previous = await readSecret(deps, arn, PREVIOUS, previousId);
  if (!previous) return nothing(`version ${previousId} (AWSPREVIOUS) has no value: nothing to revoke`);
  const provider = providerFor(deps, current);
  const apiKeyId = provider.idOf(previous);
  if (previous.provider !== current.provider || !apiKeyId) {
    return nothing(`the ${previous.provider} provider issues no revocable key`, { versionId: previousId });
  }
  if (apiKeyId === provider.idOf(current)) {
    return nothing(`AWSPREVIOUS holds the current key ${apiKeyId}: not revoked`, { versionId: previousId });
  }
  const what = { versionId: previousId, apiKeyId };
  const since = description.LastRotatedDate ?? description.LastChangedDate;
  const until = since ? new Date(since.getTime() + deps.config.graceHours * 3_600_000) : undefined;
  const inGrace = until !== undefined && deps.now() < until;
  if (!request.emergency && inGrace) {
    if (request.sweep)
      return nothing(`key ${apiKeyId} is in its grace period until ${until.toISOString()}: not yet`, what);
    throw new ConflictError(
      `key ${apiKeyId} became AWSPREVIOUS at ${since?.toISOString()}; its grace period of ${deps.config.graceHours} h runs until ${until.toISOString()}: pass emergency to revoke it now`,
      'emergency',
    );
  }
  return {
    ...base,
    revoke: { provider, previous, current },
    what,
    ...(inGrace ? { early: { graceUntil: until.toISOString() } } : {}),
    ...(frozen?.approval ? { frozen: frozen.approval } : {}),
  };
}

/**
 * A revocation is refused during a change freeze (an emergency one too: it breaks every client still on the
 * key, so it needs an approval). Asked through the API (deps.freezeNeedsApproval), the freeze makes it need
 * approval instead (`approval`: why). The daily sweep is not an error: it revokes nothing until the freeze
 * lifts, and says so (`sweep`: the note). A dry run changes nothing and may look.
 */
function notDuringFreeze(
  deps: RotationDeps,
  request: RevokePreviousRequest,
  name: string,
): { sweep?: string; approval?: string } | undefined {
  if (!deps.freeze || request.dryRun) return undefined;
  try {
    refuseDuringFreeze(deps.freeze, deps.now(), `revoking the previous key of ${name}`, deps);
    return undefined;
  } catch (error) {
    if (error instanceof FrozenError && request.sweep) return { sweep: error.message };
    if (error instanceof FrozenError && deps.freezeNeedsApproval) return { approval: error.message };
    throw error;
  }
}

async function act(deps: RotationDeps, plan: RevokePlan): Promise<RevokeOutcomeOf> {
  const { provider, previous, current } = plan.revoke as NonNullable<RevokePlan['revoke']>;
  const outcome = await provider.revoke(previous, current);
  deps.logger.info(noteOf(plan, { kind: 'done', outcome }), plan.what);
  return { kind: 'done', outcome };
}

function noteOf(plan: RevokePlan, outcome: RevokeOutcomeOf): string {
  const key = plan.what.apiKeyId;
  if (outcome.kind === 'none') return plan.nothing?.note ?? '';
  if (outcome.kind === 'planned')
    return `dry run: would revoke key ${key} (version ${plan.what.versionId}, AWSPREVIOUS)`;
  return outcome.outcome === 'revoked'
    ? `key ${key} revoked${plan.request.emergency ? ' (emergency)' : ''}; clients still on it now fail`
    : `key ${key} was already revoked`;
}

export function revokeEntry(step: Step<RevokePlan, RevokeOutcomeOf>): AuditEntry {
  const { plan } = step;
  const common = {
    action: 'secret.revokePrevious',
    actor: plan.origin.actor,
    reason: plan.request.reason,
    target: `secret:${plan.name}`,
    request: plan.request,
    before: { stages: plan.stages },
    after: { stages: plan.stages },
    dryRun: plan.dryRun,
    correlationId: plan.origin.correlationId,
  };
  if (step.stage === 'failed') {
    return { ...common, outcome: 'failed', details: { ...plan.what, error: describe(step.error) } };
  }
  const note = noteOf(plan, step.outcome);
  if (step.outcome.kind === 'none')
    return { ...common, outcome: 'unchanged', details: { note, ...plan.what } };
  if (step.outcome.kind === 'planned')
    return { ...common, outcome: 'planned', details: { note, ...plan.what } };
  const { outcome } = step.outcome;
  const details = { note, ...plan.what, outcome, emergency: plan.request.emergency };
  return { ...common, outcome: outcome === 'revoked' ? 'succeeded' : 'unchanged', details };
}

/** A revocation, a dry run and a failure are announced; a sweep that changed nothing is only recorded. */
function ledger(deps: RotationDeps, step: Step<RevokePlan, RevokeOutcomeOf>) {
  const routine =
    step.stage === 'settled' ||
    (step.stage === 'acted' && step.outcome.kind === 'done' && step.outcome.outcome !== 'revoked');
  return routine && step.plan.request.sweep ? deps.quietLedger : deps.ledger;
}

function result(step: Ended<RevokePlan, RevokeOutcomeOf>, receipt: Receipt): RevokeResult {
  const { plan, outcome } = step;
  const changed = outcome.kind === 'done' && outcome.outcome === 'revoked';
  return {
    secretArn: plan.arn,
    name: plan.name,
    dryRun: plan.dryRun,
    emergency: plan.request.emergency,
    auditId: plan.auditId,
    undo: null,
    ...plan.what,
    outcome: outcome.kind === 'done' ? outcome.outcome : outcome.kind,
    changed,
    note: noteOf(plan, outcome),
    notified: receipt.notified,
    ...(receipt.unrecorded ? { unrecorded: receipt.unrecorded } : {}),
  };
}

export const revokeAction: Action<RotationDeps, Request, RevokePlan, RevokeOutcomeOf, RevokeResult> = {
  plan,
  settled: (plan) => (plan.nothing ? { kind: 'none' } : undefined),
  dryRun: () => ({ kind: 'planned' }),
  act,
  entry: revokeEntry,
  ledger,
  result,
  metrics: (step) =>
    step.outcome.kind === 'done' && step.outcome.outcome === 'revoked'
      ? [{ name: 'PreviousKeyRevoked', unit: MetricUnit.Count, value: 1 }]
      : [],
};

/** Revokes the key on AWSPREVIOUS, or says why not. */
export function revokePrevious(
  deps: RotationDeps,
  request: RevokePreviousRequest,
  origin: Origin,
): Promise<RevokeResult> {
  return runAction(revokeAction, deps, { request, origin });
}

// The next rotation's createSecret revokes the key on AWSPREVIOUS too: these two serve it.

/** An old version's value, for revoking its key: unreadable or malformed means "nothing we can revoke". */
export async function readOld(deps: RotationDeps, arn: string, stage: string, versionId: string) {
  try {
    return await readSecret(deps, arn, stage, versionId);
  } catch (error) {
    deps.logger.warn(`version ${versionId} (${stage}) cannot be read as a credential: not revoked`, {
      reason: error instanceof ValidationError ? error.message : describe(error),
    });
    return undefined;
  }
}

export async function revokeOld(
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
