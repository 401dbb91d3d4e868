// What each door asks of the kill switch, as the payload of one KillSwitchRequest: an API route says the action
// (a body that says another is refused), GET /schedules/status reads its query string, and a listed alarm may
// only disable (a machine never switches schedules back on).
import { ConfigurationError, ValidationError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { type Acknowledged, alarmReason, alarmToActOn } from '../../shared/triggers/alarm.js';
import type { AlarmInvocation, ApiInvocation } from '../../shared/triggers/index.js';
import { isObject } from '../../shared/validate.js';
import type { KillSwitchConfig } from './types.js';

/** The request an API route makes: its body, or for status its query string. */
export function apiPayload(invocation: ApiInvocation): Record<string, unknown> {
  const { path } = invocation.route;
  if (path === '/schedules/status') return statusQuery(invocation.query);
  return withAction(path === '/schedules/enable' ? 'enable' : 'disable', invocation.payload);
}

/** A request body for one API route: the route says the action; a body that says another is refused. */
export function withAction(action: 'disable' | 'enable', body: unknown): Record<string, unknown> {
  if (body === undefined) return { action };
  if (!isObject(body)) throw new ValidationError('request body must be a JSON object', 'body');
  if (body.action !== undefined && body.action !== action) {
    throw new ValidationError(
      `action: this route ${action}s; the body says ${JSON.stringify(body.action)}`,
      'action',
    );
  }
  return { ...body, action };
}

/** GET /schedules/status?group=…&namePrefix=…&restoreId=…&schedule=group/name, or ?auditId=…&page=N */
export function statusQuery(query: Record<string, string> = {}): Record<string, unknown> {
  const { schedule, all, page, ...rest } = query;
  return {
    ...rest,
    ...(page !== undefined ? { page: /^\d+$/.test(page) ? Number(page) : page } : {}),
    ...(all !== undefined ? { all: all === 'true' } : {}),
    ...(schedule
      ? {
          schedules: schedule.split(',').map((item) => {
            const [group, name] = item.includes('/') ? item.split('/', 2) : [undefined, item];
            return { name, ...(group ? { group } : {}) };
          }),
        }
      : {}),
    action: 'status',
  };
}

/**
 * Only ALARM acts, and only for alarms listed in KILLSWITCH_ALARMS, by exact name: it disables every schedule
 * of the configured groups (never throttles, never enables). A redelivered alarm resumes the same kill switch.
 */
export function alarmRequest(
  invocation: AlarmInvocation,
  config: Pick<KillSwitchConfig, 'scheduleGroups'> & { alarms: string[] },
  logger: Pick<Log, 'info'>,
): { payload: object } | Acknowledged {
  const triggers = {
    setting: 'KILLSWITCH_ALARMS',
    listed: config.alarms,
    prefixes: false,
    action: 'stop schedules',
  };
  const answer = alarmToActOn(invocation, triggers, logger);
  if (!('act' in answer)) return answer;
  if (config.scheduleGroups.length === 0) {
    throw new ConfigurationError('an alarm-triggered kill switch needs SCHEDULE_GROUPS');
  }
  return { payload: { action: 'disable', all: true, reason: alarmReason(answer.act) } };
}
