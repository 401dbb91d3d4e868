// SNS-delivered CloudWatch alarm notifications to one Invocation.
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import { describeIssue, parseInput } from '../validate.js';
import type { Invocation } from './types.js';

const dimension = z.object({ name: z.string(), value: z.string() });

export const alarmNotificationSchema = z.object({
  AlarmName: z.string().min(1),
  AlarmDescription: z.string().nullish(),
  AWSAccountId: z.string().optional(),
  AlarmArn: z.string().optional(),
  NewStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  OldStateValue: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']).optional(),
  NewStateReason: z.string().default(''),
  StateChangeTime: z.string(),
  Region: z.string().optional(),
  Trigger: z
    .object({
      MetricName: z.string().optional(),
      Namespace: z.string().optional(),
      Dimensions: z.array(dimension).default([]),
    })
    .default({ Dimensions: [] }),
});

export type AlarmNotification = z.infer<typeof alarmNotificationSchema>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function isSnsEvent(event: unknown): event is SNSEvent {
  if (!isObject(event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.EventSource === 'aws:sns';
}

// What the runbook reads of an SNS delivery; the rest (signature, topic, timestamps) it leaves alone.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html
const snsDeliverySchema = z.object({
  // SNS delivers one message per Lambda invocation; anything else is not a notification we understand.
  Records: z
    .array(z.object({ Sns: z.object({ MessageId: z.string(), Message: z.string() }) }))
    .length(1, 'expected exactly one SNS record'),
});

export function fromSnsAlarm(event: SNSEvent): Invocation {
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

/** The value of an alarm's metric dimension, e.g. `FunctionName`. */
export function dimensionValue(alarm: AlarmNotification, name: string): string | undefined {
  return alarm.Trigger.Dimensions.find((item) => item.name === name)?.value;
}
