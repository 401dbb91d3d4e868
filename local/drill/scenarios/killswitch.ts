// Kill switch: the workload misbehaves on every run; stop its schedules (and the function itself) now, then
// put back exactly what was there — including a schedule that was already off before the incident.

import {
  GetFunctionConcurrencyCommand,
  LambdaClient,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import type { DrillContext, Scenario } from '../scenario.js';

function groupOf(ctx: DrillContext): string {
  const group = ctx.state.resources.WorkloadScheduleGroup?.ref;
  ctx.expect(group, 'the emulator has no workload schedule group');
  return group;
}

/** Every schedule of the group as GetSchedule answers it, less the time of its last change. */
export async function estate(group: string): Promise<Record<string, Record<string, unknown>>> {
  const scheduler = new SchedulerClient({});
  try {
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    const out: Record<string, Record<string, unknown>> = {};
    for (const name of Schedules.map((item) => String(item.Name)).sort()) {
      const {
        $metadata: _m,
        LastModificationDate: _l,
        ...rest
      } = await scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group }));
      out[name] = rest;
    }
    return out;
  } finally {
    scheduler.destroy();
  }
}

export const states = (value: Record<string, Record<string, unknown>>) =>
  Object.entries(value)
    .map(([name, item]) => `${name}=${String(item.State)}`)
    .join(' ');

const withoutState = (value: Record<string, Record<string, unknown>>) =>
  JSON.stringify(
    Object.fromEntries(Object.entries(value).map(([name, item]) => [name, { ...item, State: '*' }])),
  );

/** Two more of the workload's schedules: a weekly one with every optional field, and one paused before. */
async function addSchedules(ctx: DrillContext, group: string) {
  const scheduler = new SchedulerClient({});
  const roleArn = String(ctx.state.resources.WorkloadSchedulerRole?.attributes.Arn);
  const target = String(ctx.state.resources.WorkloadFunctionAliaslive?.ref);
  try {
    for (const [name, state] of [
      ['weekly-settlement', 'ENABLED'],
      ['month-end-report', 'DISABLED'],
    ] as const) {
      await scheduler.send(
        new CreateScheduleCommand({
          Name: name,
          GroupName: group,
          Description: `${name} (drill)`,
          ScheduleExpression: 'cron(0 18 ? * FRI *)',
          ScheduleExpressionTimezone: 'Europe/London',
          StartDate: new Date(Date.now() + 86_400_000),
          FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
          KmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
          ActionAfterCompletion: 'NONE',
          State: state,
          Target: {
            Arn: target,
            RoleArn: roleArn,
            Input: JSON.stringify({ source: 'schedule', job: name }),
            RetryPolicy: { MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 600 },
          },
        }),
      );
    }
  } finally {
    scheduler.destroy();
  }
}

async function reservedConcurrency(functionName: string): Promise<number | null> {
  const lambda = new LambdaClient({});
  try {
    const answer = await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName }));
    return answer.ReservedConcurrentExecutions ?? null;
  } finally {
    lambda.destroy();
  }
}

export const killSwitchScenarios: Scenario[] = [
  {
    name: 'killswitch.incident',
    summary: 'stop every schedule of the workload in one request, then restore the estate byte for byte',
    async run(ctx: DrillContext) {
      const group = groupOf(ctx);
      await addSchedules(ctx, group);
      const before = await estate(group);
      ctx.step(`estate before: ${states(before)}`);
      const reason = 'drill: every run rejects orders since 03:02';

      const off = await ctx.invoke('KillSwitchFunction', {
        actor: 'cli:drill@local',
        action: 'disable',
        group,
        all: true,
        reason,
      });
      ctx.step(`disable -> ${JSON.stringify(off.body.counts)}, restoreId ${off.body.restoreId}`);
      ctx.expect(off.exitCode === 0 && off.body.changed === true, 'the disable changed nothing');
      const during = await estate(group);
      ctx.step(`during the outage: ${states(during)}`);
      ctx.expect(
        Object.values(during).every((item) => item.State === 'DISABLED'),
        'a schedule is still enabled',
      );
      ctx.expect(withoutState(during) === withoutState(before), 'the disable changed more than the state');

      const again = await ctx.invoke('KillSwitchFunction', {
        actor: 'cli:drill@local',
        action: 'disable',
        group,
        all: true,
        reason,
      });
      ctx.step(`disable again -> resumed ${again.body.resumed}, changed ${again.body.changed}`);
      ctx.expect(
        again.body.resumed === true && again.body.changed === false,
        'a second disable was not idempotent',
      );

      const on = await ctx.invoke('KillSwitchFunction', {
        actor: 'cli:drill@local',
        action: 'enable',
        restoreId: off.body.restoreId,
        reason: 'drill: fix deployed',
      });
      ctx.step(`enable -> ${JSON.stringify(on.body.counts)}, closed ${on.body.closed}`);
      const after = await estate(group);
      ctx.step(`estate after: ${states(after)}`);
      ctx.expect(
        JSON.stringify(after) === JSON.stringify(before),
        'the estate after enable differs from before',
      );
      ctx.expect(
        after['month-end-report']?.State === 'DISABLED',
        'the schedule paused before the incident was enabled',
      );
    },
  },
  {
    name: 'killswitch.throttle',
    summary: 'the hard stop: reserved concurrency to 0 with the schedules, and back to exactly what it was',
    async run(ctx: DrillContext) {
      const group = groupOf(ctx);
      const functionName = String(ctx.state.workload?.functionName);
      // The template reserves 1 for the workload; the emulator does not apply it, so the drill does.
      const lambda = new LambdaClient({});
      await lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: 1 }),
      );
      lambda.destroy();
      const request = {
        actor: 'cli:drill@local',
        action: 'disable',
        schedules: [{ group, name: `${ctx.state.stackName}-workload-daily` }],
        functionName,
        throttle: true,
        reason: 'drill: the runs corrupt positions; stop the function too',
      };
      const off = await ctx.invoke('KillSwitchFunction', request);
      const during = await reservedConcurrency(functionName);
      ctx.step(
        `disable + throttle -> concurrency ${during}; ${String((off.body.warnings as string[] | undefined)?.[0]).slice(0, 80)}…`,
      );
      ctx.expect(off.exitCode === 0 && during === 0, `the function is at ${during}, not 0`);
      const on = await ctx.invoke('KillSwitchFunction', {
        actor: 'cli:drill@local',
        action: 'enable',
        restoreId: off.body.restoreId,
        reason: 'drill: fixed',
      });
      const after = await reservedConcurrency(functionName);
      ctx.step(`enable -> concurrency ${after} (${JSON.stringify(on.body.throttle)})`);
      ctx.expect(after === 1, `the function's concurrency is ${after}, expected 1`);
    },
  },
];
