// SNS-delivered CloudWatch alarm notifications to one Invocation.
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
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

export function fromSnsAlarm(event: SNSEvent): Invocation {
  // SNS delivers one message per Lambda invocation; anything else is not a notification we understand.
  if (event.Records.length !== 1) throw new ValidationError('expected exactly one SNS record', 'Records');
  const sns = (event.Records[0] as SNSEvent['Records'][number]).Sns;
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
  const parsed = alarmNotificationSchema.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['Sns.Message', ...(issue?.path ?? []).map(String)].join('.');
    throw new ValidationError(`not a CloudWatch alarm notification: ${issue?.message ?? 'invalid'}`, field);
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
