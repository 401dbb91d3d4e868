// The CloudWatch alarm notification an SNS message carries, as the runbook reads it. Its own module so the
// Invocation type (types.ts) and the alarm door (alarm.ts) both use it without importing each other.
// Format: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import * as z from 'zod';

// Built on its first use (z.lazy): only the alarm door reads a notification.
export const alarmNotificationSchema = z.lazy(() =>
  z.object({
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
        Dimensions: z.array(z.object({ name: z.string(), value: z.string() })).default([]),
      })
      .default({ Dimensions: [] }),
  }),
);

export type AlarmNotification = z.infer<typeof alarmNotificationSchema>;

/** The value of an alarm's metric dimension, e.g. `FunctionName`. */
export function dimensionValue(alarm: AlarmNotification, name: string): string | undefined {
  return alarm.Trigger.Dimensions.find((item) => item.name === name)?.value;
}
