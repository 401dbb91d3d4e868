// SNS-delivered CloudWatch alarm notifications to one Invocation.
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import type { Log } from '../log.js';
import { describeIssue, isObject, parseInput } from '../validate.js';
import { type AlarmNotification, alarmNotificationSchema } from './notification.js';
import type { AlarmInvocation } from './types.js';

export { type AlarmNotification, alarmNotificationSchema, dimensionValue } from './notification.js';

export function isSnsEvent(event: unknown): event is SNSEvent {
  if (!isObject(event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.EventSource === 'aws:sns';
}

// What the runbook reads of an SNS delivery; the rest (signature, topic, timestamps) it leaves alone.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
// Built on its first use, as the other doors' schemas are (apigw.ts).
const snsDeliverySchema = z.lazy(() =>
  z.object({
    // SNS delivers one message per Lambda invocation; anything else is not a notification we understand.
    Records: z
      .array(z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string() }) }))
      .length(1, 'expected exactly one SNS record'),
  }),
);

export function fromSnsAlarm(event: SNSEvent): AlarmInvocation {
  const sns = (
    parseInput(snsDeliverySchema, event).Records[0] as { Sns: { MessageId: string; Message: string } }
  ).Sns;
  let message: unknown;
  try {
    message = JSON.parse(sns.Message);
  } catch (cause) {
    throw new ValidationError(
      'SNS message is not a CloudWatch alarm notification (not JSON)',
      'Sns.Message',
      cause,
    );
  }
  const parsed = alarmNotificationSchema.safeParse(message, { reportInput: true });
  if (!parsed.success) {
    const { field, message: problem } = describeIssue(parsed.error.issues[0], 'Sns.Message');
    throw new ValidationError(`not a CloudWatch alarm notification: ${field}: ${problem}`, field);
  }
  return {
    door: 'alarm',
    actor: `alarm:${parsed.data.AlarmName}`,
    correlationId: sns.MessageId,
    payload: undefined,
    alarm: parsed.data,
  };
}

// ------------------------------------------------------------------------------------------ which alarms act

/**
 * The one matching rule for the alarms a function acts on: an exact name, or, where the setting allows prefixes,
 * a prefix written `name-*`. ROLLBACK_ALARMS allows prefixes; KILLSWITCH_ALARMS lists exact names only (an entry
 * ending in `*` there names an alarm spelled so), and each keeps that meaning.
 */
export function isListedAlarm(
  name: string,
  listed: readonly string[],
  options: { prefixes: boolean },
): boolean {
  return listed.some((item) =>
    options.prefixes && item.endsWith('*') ? name.startsWith(item.slice(0, -1)) : name === item,
  );
}

/** The answer to an alarm that does not act: acknowledged, so SNS does not deliver it again. */
export interface Acknowledged {
  acknowledged: true;
  acted: false;
  alarm: string;
  state: AlarmNotification['NewStateValue'];
}

export interface AlarmTriggers {
  /** The setting that lists them (named in the log line of an alarm it does not list). */
  setting: string;
  listed: readonly string[];
  prefixes: boolean;
  /** What the function does on ALARM, for the log line of an alarm that does not act. */
  action: string;
}

/**
 * The alarm door: only ALARM from a listed alarm acts, and the notification is returned to act on; OK,
 * INSUFFICIENT_DATA and unlisted alarms are acknowledged and logged (a machine never undoes on OK).
 */
export function alarmToActOn(
  invocation: AlarmInvocation,
  triggers: AlarmTriggers,
  logger: Pick<Log, 'info'>,
): { act: AlarmNotification } | Acknowledged {
  const notification = invocation.alarm;
  const name = notification.AlarmName;
  const state = notification.NewStateValue;
  const acknowledged = { acknowledged: true, acted: false, alarm: name, state } as const;
  if (state !== 'ALARM') {
    logger.info(`alarm ${name} is ${state}: acknowledged, no action`);
    return acknowledged;
  }
  if (!isListedAlarm(name, triggers.listed, triggers)) {
    logger.info(`alarm ${name} is not configured to ${triggers.action} (${triggers.setting}): no action`);
    return acknowledged;
  }
  return { act: notification };
}

/** The reason an alarm-triggered action records: the alarm and why it fired, within the request's 500. */
export const alarmReason = (alarm: AlarmNotification) =>
  `${alarm.AlarmName}: ${alarm.NewStateReason}`.slice(0, 500);
