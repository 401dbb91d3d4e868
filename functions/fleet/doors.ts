// What each door of the fleet function reads: a POST body whose route names the action, a status query string,
// and an alarm that belongs to one watched workload (alarm.ts decides which).

import { ValidationError } from '../../shared/errors.js';
import { originOf } from '../../shared/origin.js';
import { alarmReason } from '../../shared/triggers/alarm.js';
import type { AlarmInvocation, ApiInvocation } from '../../shared/triggers/index.js';
import { isObject, parseInput } from '../../shared/validate.js';
import { routeAlarm } from './alarm.js';
import { fleet } from './fleet.js';
import { fleetRequestSchema } from './schema.js';
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
