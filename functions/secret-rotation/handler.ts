// Secret rotation: Secrets Manager invokes this function once per step (createSecret, setSecret, testSecret,
// finishSecret); an operator invokes it directly to revoke the previous key (`{"action":"revokePrevious"}`).
// step.ts (a step recorded and counted), rotation.ts (the guards and the four steps) and revoke.ts do the work.
import type { Context } from 'aws-lambda';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { UNCLAIMED } from '../../shared/triggers/direct.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { route } from '../../shared/triggers/router.js';
import { isObject, parseInput } from '../../shared/validate.js';
import { rotationDeps } from './config.js';
import { revokePrevious } from './revoke.js';
import { isOperatorRequest, revokePreviousRequestSchema, rotationEventSchema } from './schema.js';
import { countedStep } from './step.js';
import { RotationStepError } from './step-error.js';

async function direct(invocation: Invocation, context: Context) {
  const payload = invocation.payload ?? {};
  if (isOperatorRequest(payload)) {
    const request = parseInput(revokePreviousRequestSchema, payload);
    return revokePrevious({ ...rotationDeps(logger), metrics }, request, originOf(invocation));
  }
  const event = parseInput(rotationEventSchema, payload);
  // Lambda does not say who invoked it; only Secrets Manager (and operators, through IAM) may.
  const actor = invocation.actor === UNCLAIMED ? 'secretsmanager' : invocation.actor;
  const deps = rotationDeps(logger, () => context.getRemainingTimeInMillis());
  return countedStep({ ...deps, metrics }, event, { actor, correlationId: invocation.correlationId });
}

export const handler = runbookHandler(
  (invocation, context) => route(invocation, { direct })(invocation, context),
  {
    // A failed step is thrown for Secrets Manager; an operator's request is answered as usual.
    throwInstead: (event, body) =>
      isOperatorRequest(event)
        ? undefined
        : new RotationStepError(isObject(event) ? event.Step : undefined, body),
  },
);
