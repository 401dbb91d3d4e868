// Secret rotation: Secrets Manager invokes this function once per step (createSecret, setSecret, testSecret,
// finishSecret); an operator revokes the previous key through `POST /secret/revoke-previous` (AWS_IAM: the actor
// is the signed principal) or by direct invocation (`{"action":"revokePrevious"}`, the actor only claimed).
// step.ts (a step recorded and counted), rotation.ts (the guards and the four steps), revoke.ts and governed.ts
// (the revocation, through the approval gate) do the work.
import type { Context } from 'aws-lambda';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { refuseDirectUnlessAllowed } from '../../shared/require-api.js';
import { UNCLAIMED } from '../../shared/triggers/direct.js';
import type { ApiInvocation, Invocation } from '../../shared/triggers/index.js';
import { route } from '../../shared/triggers/router.js';
import { isObject, parseInput } from '../../shared/validate.js';
import { rotationDeps } from './config.js';
import { governedRevoke } from './governed.js';
import { isOperatorRequest, revokeBody, revokePreviousRequestSchema, rotationEventSchema } from './schema.js';
import { countedStep } from './step.js';
import { RotationStepError } from './step-error.js';

function revoke(invocation: Invocation, payload: unknown, context: Context) {
  const request = parseInput(revokePreviousRequestSchema, payload);
  // The sweep is the deployment's own schedule, and revokes only what its grace period has let go.
  if (!request.dryRun && !request.sweep) refuseDirectUnlessAllowed(invocation.door, 'secret.revoke');
  const approvals = { approvals: approvalStoreFromEnv(), policy: approvalPolicy() };
  // The vendor's DELETE ends before the invocation's time does (through the API: the call's 28 s).
  const deps = rotationDeps(logger, () => context.getRemainingTimeInMillis());
  return governedRevoke({ ...deps, metrics, ...approvals }, request, originOf(invocation));
}

async function direct(invocation: Invocation, context: Context) {
  const payload = invocation.payload ?? {};
  if (isOperatorRequest(payload)) return revoke(invocation, payload, context);
  const event = parseInput(rotationEventSchema, payload);
  // Lambda does not say who invoked it; only Secrets Manager (and operators, through IAM) may.
  const actor = invocation.actor === UNCLAIMED ? 'secretsmanager' : invocation.actor;
  const deps = rotationDeps(logger, () => context.getRemainingTimeInMillis());
  return countedStep({ ...deps, metrics }, event, { actor, correlationId: invocation.correlationId });
}

const api = async (invocation: ApiInvocation, context: Context) =>
  revoke(invocation, revokeBody(invocation.payload), context);

export const handler = runbookHandler(
  (invocation, context) =>
    route(invocation, { api: { 'POST /secret/revoke-previous': api }, direct })(invocation, context),
  {
    // A failed step is thrown for Secrets Manager; an operator's request is answered as usual.
    throwInstead: (event, body) =>
      isOperatorRequest(event)
        ? undefined
        : new RotationStepError(isObject(event) ? event.Step : undefined, body),
  },
);
