// The alarm door of the rollback: which alarms may roll back (the one rule of shared/triggers/alarm.ts, with
// prefixes), and the request an ALARM notification makes.
import { ValidationError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import {
  type Acknowledged,
  alarmReason,
  alarmToActOn,
  dimensionValue,
  isListedAlarm,
} from '../../shared/triggers/alarm.js';
import type { AlarmInvocation } from '../../shared/triggers/index.js';

export type { Acknowledged } from '../../shared/triggers/alarm.js';

/** Whether an alarm is configured to trigger rollbacks: an exact name, or a prefix written `name-*`. */
export function isRollbackAlarm(name: string, configured: string[]): boolean {
  return isListedAlarm(name, configured, { prefixes: true });
}

/**
 * Only ALARM acts; OK and INSUFFICIENT_DATA are acknowledged (answered, so SNS does not retry) and ignored,
 * as is any alarm not configured in ROLLBACK_ALARMS. The function and alias come from the alarm's metric
 * dimensions `FunctionName` and `Resource` (`name:alias`).
 * @returns the rollback request's payload, or the acknowledgement that ends the invocation
 */
export function alarmPayload(
  invocation: AlarmInvocation,
  rollbackAlarms: string[],
  logger: Pick<Log, 'info'>,
): { payload: object } | Acknowledged {
  const triggers = {
    setting: 'ROLLBACK_ALARMS',
    listed: rollbackAlarms,
    prefixes: true,
    action: 'roll back',
  };
  const answer = alarmToActOn(invocation, triggers, logger);
  if (!('act' in answer)) return answer;
  const notification = answer.act;
  const name = notification.AlarmName;
  const functionName = dimensionValue(notification, 'FunctionName');
  if (!functionName) {
    throw new ValidationError(
      `alarm ${name} has no FunctionName dimension: it cannot name a function to roll back`,
      'Sns.Message.Trigger.Dimensions',
    );
  }
  const resource = dimensionValue(notification, 'Resource');
  const alias = resource?.startsWith(`${functionName}:`)
    ? resource.slice(`${functionName}:`.length)
    : undefined;
  return { payload: { functionName, ...(alias ? { alias } : {}), reason: alarmReason(notification) } };
}
