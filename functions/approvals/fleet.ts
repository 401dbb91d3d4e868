// An approved fleet run (fleet.disable, fleet.drain), carried out here as every approved plan is (executors.ts:
// an invocation of FleetFunction saying "approved" would be a claim any principal allowed to invoke it could
// make). It runs the fleet's own code with the FleetFunction role's credentials — sts:AssumeRole of
// FLEET_ROLE_ARN, whose trust policy names this function's role alone — so the fleet's permissions are granted
// once, to that role: this role holds only the right to assume it. A member account's role is then assumed
// with those credentials (role chaining), as the fleet function itself assumes it.
import type { Context } from 'aws-lambda';
import { requireEnv } from '../../shared/env.js';
import { ValidationError } from '../../shared/errors.js';
import { roleCredentials } from '../../shared/fleet/accounts.js';
import type { Origin } from '../../shared/origin.js';
import { parseInput } from '../../shared/validate.js';
import { type ActingAs, fleetDeps } from '../fleet/deps.js';
import { fleet } from '../fleet/fleet.js';
import { type FleetAction, fleetRequestSchema } from '../fleet/schema.js';
import type { Executor } from './approve.js';

// One credential provider per role for the container's life: it assumes the role once and renews the session
// before it ends, as the member accounts' providers do.
const acting = new Map<string, NonNullable<ActingAs>>();

function asFleetRole(env: NodeJS.ProcessEnv): NonNullable<ActingAs> {
  const roleArn = requireEnv('FLEET_ROLE_ARN', env);
  let as = acting.get(roleArn);
  if (!as) {
    as = { key: roleArn, credentials: roleCredentials(roleArn) };
    acting.set(roleArn, as);
  }
  return as;
}

/** The executor of one fleet action: the stored request, parsed again, carried out by the fleet's gate. */
function fleetExecutor(action: FleetAction, context: Context, env: NodeJS.ProcessEnv): Executor {
  return (stored: unknown, origin: Origin) => {
    const request = parseInput(fleetRequestSchema, stored, 'request');
    if (request.action !== action)
      throw new ValidationError(
        `request.action: a fleet.${action} request holds ${request.action}`,
        'request',
      );
    return fleet(fleetDeps(context, asFleetRole(env)), request, origin);
  };
}

/** The fleet actions that may be held for approval (functions/fleet/governed.ts), by their ledger action. */
export const fleetExecutors = (context: Context, env: NodeJS.ProcessEnv = process.env) => ({
  'fleet.disable': fleetExecutor('disable', context, env),
  'fleet.drain': fleetExecutor('drain', context, env),
});
