// Plays CloudWatch's part when an alarm changes state, for drills and tests: moto records alarm states but
// notifies nobody. The notification is built from the alarm as provisioned from template.yaml (its metric,
// dimensions and actions) in the JSON CloudWatch sends, published to the topics of the alarm's own actions;
// SNS applies the template's subscription filters (local/emulator/taps.ts), and whatever reaches a tap is
// handed to that function's real handler as the SNS event Lambda would receive.
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
import { randomUUID } from 'node:crypto';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatorState } from './emulator/provision.js';
import { type InvokeOutcome, invokeFunction } from './invoke.js';

export interface Delivery {
  function: string;
  outcome: InvokeOutcome;
}

/** The message CloudWatch publishes for a state change, as its documented JSON. */
export function alarmNotification(
  alarm: MetricAlarm,
  change: { newState: StateValue; oldState: StateValue; reason: string; at: Date; accountId: string },
): Record<string, unknown> {
  const cloudwatchTime = change.at.toISOString().replace('Z', '+0000');
  return {
    AlarmName: alarm.AlarmName,
    AlarmDescription: alarm.AlarmDescription ?? null,
    AWSAccountId: change.accountId,
    AlarmConfigurationUpdatedTimestamp: cloudwatchTime,
    NewStateValue: change.newState,
    NewStateReason: change.reason,
    StateChangeTime: cloudwatchTime,
    Region: 'US East (N. Virginia)',
    AlarmArn: alarm.AlarmArn,
    OldStateValue: change.oldState,
    OKActions: alarm.OKActions ?? [],
    AlarmActions: alarm.AlarmActions ?? [],
    InsufficientDataActions: alarm.InsufficientDataActions ?? [],
    Trigger: {
      MetricName: alarm.MetricName,
      Namespace: alarm.Namespace,
      StatisticType: 'Statistic',
      Statistic: String(alarm.Statistic ?? '').toUpperCase(),
      Unit: null,
      Dimensions: (alarm.Dimensions ?? []).map((d) => ({ value: d.Value, name: d.Name })),
      Period: alarm.Period,
      EvaluationPeriods: alarm.EvaluationPeriods,
      ComparisonOperator: alarm.ComparisonOperator,
      Threshold: alarm.Threshold,
      TreatMissingData: alarm.TreatMissingData ?? '',
      EvaluateLowSampleCountPercentile: '',
    },
  };
}

/**
 * Moves `alarmName` to `newState` in the emulator and delivers the notification through the template's
 * routing: the alarm's actions for that state → topics → filtered subscriptions → the subscribed handlers.
 * Answers one delivery per function that received it (none when every subscription filtered it out).
 */
export async function fireAlarm(options: {
  state: EmulatorState;
  alarmName: string;
  newState: StateValue;
  reason: string;
  /** Extra environment per function, in `runbook invoke --env-vars` form (a drill shortens a cool-down). */
  envVars?: Record<string, Record<string, string>>;
}): Promise<Delivery[]> {
  const cloudwatch = new CloudWatchClient({});
  const sns = new SNSClient({});
  const sqs = new SQSClient({});
  try {
    const { MetricAlarms = [] } = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [options.alarmName] }),
    );
    const alarm = MetricAlarms[0];
    if (!alarm) throw new Error(`no alarm ${options.alarmName} in the emulator`);
    const oldState = alarm.StateValue ?? 'INSUFFICIENT_DATA';
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: options.alarmName,
        StateValue: options.newState,
        StateReason: options.reason,
      }),
    );
    const topics =
      options.newState === 'ALARM'
        ? alarm.AlarmActions
        : options.newState === 'OK'
          ? alarm.OKActions
          : alarm.InsufficientDataActions;
    const message = alarmNotification(alarm, {
      newState: options.newState,
      oldState,
      reason: options.reason,
      at: new Date(),
      accountId: options.state.accountId,
    });
    for (const topicArn of topics ?? []) {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: `${options.newState}: "${options.alarmName}" in US East (N. Virginia)`.slice(0, 100),
          Message: JSON.stringify(message),
        }),
      );
    }
    const deliveries: Delivery[] = [];
    for (const tap of options.state.taps ?? []) {
      if (!topics?.includes(tap.topicArn)) continue;
      // moto delivers to SQS while answering Publish, so what will arrive is already there.
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: tap.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) continue;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: tap.queueUrl,
          Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: String(m.ReceiptHandle) })),
        }),
      );
      for (const received of Messages) {
        const envelope = JSON.parse(String(received.Body)) as Record<string, unknown>;
        const event = {
          Records: [
            {
              EventSource: 'aws:sns',
              EventVersion: '1.0',
              EventSubscriptionArn: `${tap.topicArn}:${randomUUID()}`,
              Sns: { SignatureVersion: '1', Signature: 'EMULATOR', MessageAttributes: {}, ...envelope },
            },
          ],
        };
        deliveries.push({
          function: tap.function,
          outcome: await invokeFunction({
            logicalId: tap.function,
            event,
            state: options.state,
            ...(options.envVars ? { envVars: options.envVars } : {}),
          }),
        });
      }
    }
    return deliveries;
  } finally {
    cloudwatch.destroy();
    sns.destroy();
    sqs.destroy();
  }
}
