// A deployment may require the API for the actions it chooses (REQUIRE_API_FOR, from the RequireApiFor
// parameter): through the API the actor is the SigV4 principal; through a direct invocation it is only claimed.
// A direct invocation of such an action is refused with a 403 naming the route to use, before anything is read.
import { ConfigurationError, ForbiddenError } from './errors.js';
import type { Door } from './triggers/index.js';

export const REQUIRE_API_SETTING = 'REQUIRE_API_FOR';

/** The actions a deployment may require the API for, and the route each is done through. */
export const API_ROUTES = {
  rollback: { route: 'POST /rollback', command: 'runbook rollback … --stack NAME' },
  'schedules.disable': {
    route: 'POST /schedules/disable',
    command: 'runbook schedules disable … --stack NAME',
  },
  'schedules.enable': { route: 'POST /schedules/enable', command: 'runbook schedules enable … --stack NAME' },
  'dlq.drain': { route: 'POST /dlq/drain', command: 'runbook dlq drain … --stack NAME' },
  // The daily sweep is exempt (its schedule invokes directly, and a sweep only revokes after the grace period).
  'secret.revoke': {
    route: 'POST /secret/revoke-previous',
    command: 'runbook secret revoke-previous … --stack NAME',
  },
} as const;

export type ApiAction = keyof typeof API_ROUTES;

const isApiAction = (name: string): name is ApiAction => Object.hasOwn(API_ROUTES, name);

/** REQUIRE_API_FOR as a set; a name without an API route is a deployment error naming it. */
export function requiredApiActions(env: NodeJS.ProcessEnv = process.env): Set<ApiAction> {
  const names = (env[REQUIRE_API_SETTING] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const actions = new Set<ApiAction>();
  for (const name of names) {
    if (!isApiAction(name)) {
      throw new ConfigurationError(
        `${REQUIRE_API_SETTING}: ${JSON.stringify(name)} is not an action with an API route (one of ${Object.keys(API_ROUTES).join(', ')})`,
      );
    }
    actions.add(name);
  }
  return actions;
}

/**
 * Refuses (403) a direct invocation of an action this deployment requires the API for, naming the route.
 *
 * @example
 * refuseDirectUnlessAllowed(invocation.door, 'schedules.disable'); // in the handler, before the action runs
 */
export function refuseDirectUnlessAllowed(
  door: Door,
  action: ApiAction,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (door !== 'direct' || !requiredApiActions(env).has(action)) return;
  const { route, command } = API_ROUTES[action];
  throw new ForbiddenError(
    `${action} must go through the ops API here (${REQUIRE_API_SETTING}), so that the actor is the signed principal, not a claim: ${route} (${command})`,
    undefined,
    'event',
  );
}
