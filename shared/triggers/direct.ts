// Direct invocations (runbook CLI, `sam local invoke`, `runbook invoke`, Lambda Invoke, schedules).
import type { Context } from 'aws-lambda';
import { ValidationError } from '../errors.js';
import type { DirectInvocation } from './types.js';

/**
 * How a claimed actor reads in the logs, the ledger and the timeline: `claimed:cli:alice@host`. Lambda does not
 * tell a function who invoked it, so a direct invocation's actor is only what the caller says; the prefix makes
 * it impossible to mistake for a verified principal (an API actor is the SigV4 principal's ARN, an alarm's
 * `alarm:<name>`), whatever the caller claims — `{"actor": "arn:aws:iam::…"}` is recorded as
 * `claimed:arn:aws:iam::…`. IAM decides who may invoke, and CloudTrail records the real principal.
 */
export const CLAIMED = 'claimed:';

/** The actor of a direct invocation that claims none. */
export const UNCLAIMED = `${CLAIMED}direct-invoke`;

/** The payload travels as is, less an optional `actor` field: the claim, recorded as `claimed:<claim>`. */
export function fromDirect(event: unknown, context: Pick<Context, 'awsRequestId'>): DirectInvocation {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new ValidationError('event must be a JSON object', 'event');
  }
  const { actor, ...payload } = event as Record<string, unknown>;
  if (actor !== undefined && (typeof actor !== 'string' || actor.length === 0 || actor.length > 256)) {
    throw new ValidationError('actor must be a non-empty string of at most 256 characters', 'actor');
  }
  return {
    door: 'direct',
    actor: typeof actor === 'string' ? `${CLAIMED}${actor}` : UNCLAIMED,
    correlationId: context.awsRequestId,
    payload,
  };
}
