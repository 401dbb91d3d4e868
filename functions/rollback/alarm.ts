// The alarm door of the rollback: which alarms may roll back, and the request an ALARM notification makes.
// (Phase 2 of issue 14 moves the matching rule into shared/triggers/alarm.ts, shared with the kill switch.)
import { ConfigurationError, ValidationError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { type AlarmNotification, dimensionValue } from '../../shared/triggers/alarm.js';
import type { Invocation } from '../../shared/triggers/index.js';

/** Whether an alarm is configured to trigger rollbacks: an exact name, or a prefix written `name-*`. */
export function isRollbackAlarm(name: string, configured: string[]): boolean {
  return configured.some((item) => (item.endsWith('*') ? name.startsWith(item.slice(0, -1)) : name === item));
}

export interface Acknowledged {
  acknowledged: true;
  acted: false;
  alarm: string;
  state: AlarmNotification['NewStateValue'];
}

/**
 * Only ALARM acts; OK and INSUFFICIENT_DATA are acknowledged (answered, so SNS does not retry) and ignored,
 * as is any alarm not configured in ROLLBACK_ALARMS. The function and alias come from the alarm's metric
 * dimensions `FunctionName` and `Resource` (`name:alias`).
 * @returns the rollback request's payload, or the acknowledgement that ends the invocation
 */
export function alarmPayload(
  invocation: Invocation,
  rollbackAlarms: string[],
  logger: Pick<Log, 'info'>,
): { payload: object } | Acknowledged {
  const notification = invocation.alarm;
  if (!notification) throw new ConfigurationError('alarm door without an alarm notification');
  const name = notification.AlarmName;
  const ignored = {
    acknowledged: true,
    acted: false,
    alarm: name,
    state: notification.NewStateValue,
  } as const;
  if (notification.NewStateValue !== 'ALARM') {
    logger.info(`alarm ${name} is ${notification.NewStateValue}: acknowledged, no action`);
    return ignored;
  }
  if (!isRollbackAlarm(name, rollbackAlarms)) {
    logger.info(`alarm ${name} is not configured as a rollback trigger (ROLLBACK_ALARMS): no action`);
    return ignored;
  }
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
  const reason = `${name}: ${notification.NewStateReason}`.slice(0, 500);
  return { payload: { functionName, ...(alias ? { alias } : {}), reason } };
}
