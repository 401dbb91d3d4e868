// Direct invocations (runbook CLI, `sam local invoke`, `runbook invoke`, Lambda Invoke, schedules).
import type { Context } from 'aws-lambda';
import { ValidationError } from '../errors.js';
import type { DirectInvocation } from './types.js';

/**
 * The payload travels as is, less an optional `actor` field: Lambda does not tell a function who invoked it,
 * so for this door the actor is what the caller claims (the CLI sends `cli:<user>@<host>`). IAM decides who
 * may invoke, and CloudTrail records the real principal.
 */
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
    actor: typeof actor === 'string' ? actor : 'direct-invoke',
    correlationId: context.awsRequestId,
    payload,
  };
}
