// Schedules in the shared moto, for the kill-switch tests: a group of them created from definitions, and the
// whole estate read back as GetSchedule answers it, less the service's bookkeeping (dates of change).
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  CreateScheduleGroupCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';

export type ScheduleInput = Omit<CreateScheduleCommandInput, 'GroupName'>;

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/workload-scheduler';
export const TARGET_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:trading:live';

/** A schedule of the audited workload's shape: every optional field set. */
export function fullSchedule(name: string, fields: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    Name: name,
    Description: `daily trading run ${name}`,
    ScheduleExpression: 'cron(35 9 ? * MON-FRI *)',
    ScheduleExpressionTimezone: 'America/New_York',
    StartDate: new Date('2031-01-05T00:00:00.000Z'),
    EndDate: new Date('2032-12-31T00:00:00.000Z'),
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    ActionAfterCompletion: 'NONE',
    State: 'ENABLED',
    Target: {
      Arn: TARGET_ARN,
      RoleArn: ROLE_ARN,
      Input: '{"source":"schedule","job":"daily-trading"}',
      RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 900 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:workload-schedule-dlq' },
    },
    ...fields,
  };
}

export async function createGroup(
  scheduler: SchedulerClient,
  group: string,
  schedules: ScheduleInput[],
): Promise<void> {
  await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
  for (const schedule of schedules) {
    await scheduler.send(new CreateScheduleCommand({ ...schedule, GroupName: group }));
  }
}

/** Every schedule of the group by name, as GetSchedule answers, without LastModificationDate and $metadata. */
export async function estate(scheduler: SchedulerClient, group: string): Promise<Record<string, unknown>> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await scheduler.send(new ListSchedulesCommand({ GroupName: group, NextToken }));
    names.push(...(page.Schedules ?? []).map((item) => String(item.Name)));
    NextToken = page.NextToken ?? undefined;
  } while (NextToken);
  const out: Record<string, unknown> = {};
  for (const name of names.sort()) {
    const {
      $metadata: _m,
      LastModificationDate: _l,
      ...rest
    } = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
    out[name] = rest;
  }
  return out;
}

/** The estate with every State replaced: what "everything but the state is unchanged" compares. */
export function withoutState(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([name, schedule]) => [name, { ...(schedule as object), State: '*' }]),
  );
}
