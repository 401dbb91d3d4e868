// What each door of the fleet function reads: a POST body whose route names the action, a status query string,
// and an alarm that belongs to one watched workload (alarm.ts decides which).

import { ForbiddenError, ValidationError } from '../../shared/errors.js';
import { originOf } from '../../shared/origin.js';
import { type ApiAction, REQUIRE_API_SETTING, requiredApiActions } from '../../shared/require-api.js';
import { alarmReason } from '../../shared/triggers/alarm.js';
import type { AlarmInvocation, ApiInvocation, Door } from '../../shared/triggers/index.js';
import { isObject, parseInput } from '../../shared/validate.js';
import { routeAlarm } from './alarm.js';
import { fleet } from './fleet.js';
import { type FleetRequest, fleetRequestSchema } from './schema.js';
import type { FleetDeps } from './types.js';

/** A POST body: the route says the action; a body that says another is refused. */
export function postPayload(invocation: ApiInvocation): Record<string, unknown> {
  const action = invocation.route.path.slice('/fleet/'.length);
  const body = invocation.payload ?? {};
  if (!isObject(body)) throw new ValidationError('request body must be a JSON object', 'body');
  if (body.action !== undefined && body.action !== action)
    throw new ValidationError(
      `action: this route is ${action}; the body says ${JSON.stringify(body.action)}`,
      'action',
    );
  return { ...body, action };
}

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** GET /fleet/status?workloads=a,b&tag=team=payments&all=true&deployedSince=30m&accounts=…&auditId=… */
export function statusQuery(query: Record<string, string> = {}): Record<string, unknown> {
  const { workloads, tag, all, accounts, ...rest } = query;
  const tags =
    tag === undefined
      ? undefined
      : Object.fromEntries(
          list(tag).map((pair) => {
            const at = pair.indexOf('=');
            if (at <= 0)
              throw new ValidationError(`tag: expected key=value, got ${JSON.stringify(pair)}`, 'tags');
            return [pair.slice(0, at), pair.slice(at + 1)];
          }),
        );
  return {
    ...rest,
    action: 'status',
    ...(workloads !== undefined ? { workloads: list(workloads) } : {}),
    ...(tags ? { tags } : {}),
    ...(all !== undefined ? { all: all === 'true' } : {}),
    ...(accounts !== undefined ? { accounts: list(accounts) } : {}),
  };
}

/**
 * An ALARM acts on the one workload it belongs to (alarm.ts); OK and INSUFFICIENT_DATA, and an alarm no
 * workload (or more than one) claims, are acknowledged so SNS does not deliver them again.
 */
export async function alarmAction(invocation: AlarmInvocation, deps: FleetDeps): Promise<object> {
  const alarm = invocation.alarm;
  const acknowledged = {
    acknowledged: true,
    acted: false,
    alarm: alarm.AlarmName,
    state: alarm.NewStateValue,
  };
  if (alarm.NewStateValue !== 'ALARM') return acknowledged;
  const routed = routeAlarm(await deps.watchList(), alarm);
  if (routed.act === 'none') {
    deps.logger.info(`alarm ${alarm.AlarmName}: no action (${routed.why})`);
    return { ...acknowledged, why: routed.why };
  }
  const request = parseInput(fleetRequestSchema, {
    action: routed.act,
    workloads: [routed.workload.name],
    reason: alarmReason(alarm),
  });
  return { acknowledged: true, acted: true, ...(await fleet(deps, request, originOf(invocation))) };
}

/** The single-workload actions each fleet action runs: a deployment that requires the API for one requires it here. */
const UNDERLYING: Record<string, readonly ApiAction[]> = {
  rollback: ['rollback'],
  disable: ['schedules.disable'],
  enable: ['schedules.enable'],
  drain: ['dlq.drain'],
  undo: ['rollback', 'schedules.enable'],
};

/**
 * Refuses (403) a direct invocation of a fleet action whose workload actions this deployment requires the API
 * for (RequireApiFor): a fleet run must not be the way around it. Dry runs and status change nothing.
 */
export function refuseDirectFleet(
  door: Door,
  request: FleetRequest,
  env: NodeJS.ProcessEnv = process.env,
): void {
  if (door !== 'direct' || request.dryRun || request.action === 'status') return;
  const required = requiredApiActions(env);
  const blocking = (UNDERLYING[request.action] ?? []).filter((action) => required.has(action));
  if (blocking.length === 0) return;
  throw new ForbiddenError(
    `fleet ${request.action} must go through the ops API here (${REQUIRE_API_SETTING} lists ${blocking.join(', ')}), so that the actor is the signed principal, not a claim: POST /fleet/${request.action} (runbook fleet ${request.action} … --stack NAME)`,
    undefined,
    'event',
  );
}
