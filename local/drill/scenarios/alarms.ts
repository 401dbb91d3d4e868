// The alarm path end to end, through the routing template.yaml declares (Globals: ROLLBACK_ALARMS and
// KILLSWITCH_ALARMS; the SNS subscriptions' ALARM-only filter): CloudWatch's part is played by
// local/alarms.ts, SNS's filtering by moto, and each delivery runs the subscribed function's real handler.
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { type Delivery, fireAlarm } from '../../alarms.js';
import type { DrillContext, Scenario } from '../scenario.js';

function workload(ctx: DrillContext) {
  const functionName = ctx.state.workload?.functionName;
  const schedule = ctx.state.resources.WorkloadSchedule?.ref;
  const group = ctx.state.resources.WorkloadScheduleGroup?.ref;
  ctx.expect(functionName && schedule && group, 'the emulator has no sample workload with a schedule');
  return { functionName, schedule, group, prefix: ctx.state.stackName };
}

async function liveVersion(functionName: string, set?: string): Promise<string> {
  const lambda = new LambdaClient({});
  try {
    if (set)
      await lambda.send(
        new UpdateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: set }),
      );
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: 'live' }));
    return String(alias.FunctionVersion);
  } finally {
    lambda.destroy();
  }
}

async function scheduleState(group: string, name: string): Promise<string> {
  const scheduler = new SchedulerClient({});
  try {
    return String((await scheduler.send(new GetScheduleCommand({ GroupName: group, Name: name }))).State);
  } finally {
    scheduler.destroy();
  }
}

const summary = (deliveries: Delivery[]) =>
  deliveries
    .map((d) => `${d.function}:${(d.outcome.result as { acted?: boolean }).acted ? 'acted' : 'ignored'}`)
    .join(', ') || 'nobody';

function answered(ctx: DrillContext, deliveries: Delivery[], fn: string): Record<string, unknown> {
  const delivery = deliveries.find((d) => d.function === fn);
  ctx.expect(delivery, `the notification did not reach ${fn}`);
  ctx.expect(delivery.outcome.exitCode === 0, `${fn} failed: ${JSON.stringify(delivery.outcome.result)}`);
  return delivery.outcome.result as Record<string, unknown>;
}

export const alarmScenarios: Scenario[] = [
  {
    name: 'alarm.errors-rollback',
    summary:
      "the live alias' Errors alarm fires: SNS routes it, the rollback puts live back, nothing else acts",
    async run(ctx: DrillContext) {
      const { functionName, schedule, group, prefix } = workload(ctx);
      const before = await liveVersion(functionName, '3');
      ctx.step(
        `live serves version ${before}; schedule ${schedule} is ${await scheduleState(group, schedule)}`,
      );

      const deliveries = await fireAlarm({
        state: ctx.state,
        alarmName: `${prefix}-workload-errors`,
        newState: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint [4.0] was greater than the threshold (0.0).',
        // Earlier scenarios rolled this alias back by hand; their cool-down would hold this alarm.
        envVars: { RollbackFunction: { ROLLBACK_COOLDOWN_MINUTES: '0' } },
      });
      ctx.step(`delivered to ${summary(deliveries)}`);

      const rollback = answered(ctx, deliveries, 'RollbackFunction');
      ctx.expect(
        rollback.acted === true && rollback.ok === true,
        `the rollback did not act: ${JSON.stringify(rollback)}`,
      );
      const after = await liveVersion(functionName);
      ctx.expect(after !== before, `live still serves ${after}`);
      const killSwitch = answered(ctx, deliveries, 'KillSwitchFunction');
      ctx.expect(killSwitch.acted === false, 'the kill switch acted on an alarm not routed to it');
      ctx.expect((await scheduleState(group, schedule)) === 'ENABLED', 'the schedule changed');
      ctx.step(`live ${before} -> ${after}; the kill switch ignored it; the schedule is still ENABLED`);
    },
  },
  {
    name: 'alarm.runaway-killswitch',
    summary: 'the runaway alarm fires: the kill switch disables the schedules, the rollback ignores it',
    async run(ctx: DrillContext) {
      const { functionName, schedule, group, prefix } = workload(ctx);
      const live = await liveVersion(functionName);

      const deliveries = await fireAlarm({
        state: ctx.state,
        alarmName: `${prefix}-workload-runaway`,
        newState: 'ALARM',
        reason: 'Threshold Crossed: 1 datapoint [7.0] was greater than the threshold (2.0).',
      });
      ctx.step(`delivered to ${summary(deliveries)}`);

      const killSwitch = answered(ctx, deliveries, 'KillSwitchFunction');
      ctx.expect(killSwitch.acted === true, `the kill switch did not act: ${JSON.stringify(killSwitch)}`);
      ctx.expect((await scheduleState(group, schedule)) === 'DISABLED', 'the schedule is still enabled');
      const rollback = answered(ctx, deliveries, 'RollbackFunction');
      ctx.expect(rollback.acted === false, 'the rollback acted on an alarm not routed to it');
      ctx.expect((await liveVersion(functionName)) === live, 'live changed');
      ctx.step(
        `schedule ${schedule} DISABLED (restoreId ${String(killSwitch.restoreId)}); live still ${live}`,
      );

      // Recovery is a person's call: the alarm clearing enables nothing.
      const cleared = await fireAlarm({
        state: ctx.state,
        alarmName: `${prefix}-workload-runaway`,
        newState: 'OK',
        reason: 'Threshold Crossed: no datapoints were received.',
      });
      ctx.expect(cleared.length === 0, `an OK notification reached ${summary(cleared)}`);
      ctx.expect(
        (await scheduleState(group, schedule)) === 'DISABLED',
        'the alarm clearing re-enabled the schedule',
      );
      const restored = await ctx.invoke('KillSwitchFunction', {
        actor: 'drill:oncall',
        action: 'enable',
        restoreId: killSwitch.restoreId,
        reason: 'runaway fixed; restoring the schedules',
      });
      ctx.expect(restored.exitCode === 0, `enable failed: ${JSON.stringify(restored.body)}`);
      ctx.expect((await scheduleState(group, schedule)) === 'ENABLED', 'enable did not restore the schedule');
      ctx.step('OK reached nobody; the on-call engineer enabled the schedules again by restoreId');
    },
  },
  {
    name: 'alarm.ok-nothing',
    summary: 'an alarm returning to OK reaches no remediation and changes nothing',
    async run(ctx: DrillContext) {
      const { functionName, schedule, group, prefix } = workload(ctx);
      const live = await liveVersion(functionName);
      const deliveries = await fireAlarm({
        state: ctx.state,
        alarmName: `${prefix}-workload-errors`,
        newState: 'OK',
        reason: 'Threshold Crossed: 1 datapoint [0.0] was not greater than the threshold (0.0).',
      });
      ctx.expect(deliveries.length === 0, `an OK notification reached ${summary(deliveries)}`);
      ctx.expect((await liveVersion(functionName)) === live, 'live changed');
      ctx.expect((await scheduleState(group, schedule)) === 'ENABLED', 'the schedule changed');
      ctx.step(`filtered out by SNS before any function: live still ${live}, schedule still ENABLED`);
    },
  },
];
