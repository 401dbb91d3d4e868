// Keys nothing holds yet: a vendor key made for a version but not (or not yet) stored in it. Recorded on a tag
// of the secret, adopted once a version holds it, revoked otherwise — so a slow vendor whose create answers
// after the timeout never leaves a live key that nothing holds.

import {
  type DescribeSecretCommandOutput,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-secrets-manager';
import { describe as describeError } from '../../shared/errors.js';
import { type CredentialProvider, ProviderError, SlowCreateError } from './providers.js';
import type { SecretDocument } from './schema.js';
import type { Revocation, RotationDeps } from './types.js';

/**
 * The ids (never the values) of vendor keys made for this secret but not yet stored in a version, on a tag of
 * the secret. A key is recorded before PutSecretValue stores it and whenever a create answered too late to be
 * used; the next step (or the next rotation) adopts a recorded key that is stored by then and revokes any
 * other. A tag, because DescribeSecret (which every step calls anyway) returns it, and a version cannot carry
 * metadata before it has a value.
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

/** What the unstored-key bookkeeping needs of a step: `unstored` is kept in step with the tag. */
export interface UnstoredContext {
  deps: RotationDeps;
  arn: string;
  token: string;
  unstored: string[];
}

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
export async function remember(ctx: UnstoredContext, ids: string[]): Promise<void> {
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
export async function settleUnstored(
  ctx: UnstoredContext,
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
export async function createCredentials(
  ctx: UnstoredContext,
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
