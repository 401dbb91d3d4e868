// Rollback: a bad version goes live; put `live` back on the good one, safely and only once — and do not let a
// flapping alarm ping-pong the alias.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetAliasCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { projectRoot } from '../../template.js';
import type { DrillContext, Scenario } from '../scenario.js';

function workloadOf(ctx: DrillContext) {
  const workload = ctx.state.workload;
  ctx.expect(workload, 'the emulator has no sample workload');
  const good = workload.versions.at(-2);
  const bad = workload.versions.at(-1);
  ctx.expect(good && bad, 'the sample workload needs two versions');
  return { ...workload, good: good.version, bad: bad.version };
}

async function liveVersion(ctx: DrillContext): Promise<string> {
  const { functionName, alias } = workloadOf(ctx);
  const lambda = new LambdaClient({});
  try {
    const answer = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
    const weights = Object.keys(answer.RoutingConfig?.AdditionalVersionWeights ?? {});
    return weights.length > 0
      ? `${answer.FunctionVersion}+${weights.join(',')}`
      : String(answer.FunctionVersion);
  } finally {
    lambda.destroy();
  }
}

/** The sample alarm notification, renamed to this stack's errors alarm and workload. */
function alarmEvent(ctx: DrillContext, file: string): object {
  const { functionName, alias } = workloadOf(ctx);
  const alarmName = String(ctx.state.resources.WorkloadErrorsAlarm?.ref);
  const event = JSON.parse(readFileSync(join(projectRoot, 'events', file), 'utf8'));
  const sns = event.Records[0].Sns;
  const message = JSON.parse(sns.Message);
  message.AlarmName = alarmName;
  message.Trigger.Dimensions = [
    { name: 'FunctionName', value: functionName },
    { name: 'Resource', value: `${functionName}:${alias}` },
  ];
  sns.Message = JSON.stringify(message);
  return event;
}

function rollbackRequest(ctx: DrillContext, fields: Record<string, unknown> = {}) {
  const { functionName, alias } = workloadOf(ctx);
  return { actor: 'cli:drill@local', functionName, alias, reason: 'drill: the new version fails', ...fields };
}

export const rollbackScenarios: Scenario[] = [
  {
    name: 'rollback.bad-version',
    summary: 'a bad version is live; one rollback puts live back on the good one',
    async run(ctx: DrillContext) {
      const { good, bad } = workloadOf(ctx);
      ctx.expect((await liveVersion(ctx)) === bad, `live should start on the bad version ${bad}`);
      ctx.step(`version ${bad} is live and failing`);
      const answer = await ctx.invoke('RollbackFunction', rollbackRequest(ctx));
      ctx.step(
        `rollback -> ${answer.body.fromVersion} → ${answer.body.toVersion} (${answer.body.chosenBy}), audit ${answer.body.auditId}`,
      );
      ctx.step(`undo: ${answer.body.undo}`);
      ctx.expect(
        answer.exitCode === 0 && answer.body.changed === true,
        'the rollback did not change the alias',
      );
      const now = await liveVersion(ctx);
      ctx.expect(now === good, `live is on ${now}, expected ${good}`);
    },
  },
  {
    name: 'rollback.idempotent',
    summary: 'a second rollback finds live already on the good version and changes nothing',
    async run(ctx: DrillContext) {
      const { good } = workloadOf(ctx);
      const answer = await ctx.invoke('RollbackFunction', rollbackRequest(ctx));
      ctx.step(`second rollback -> changed ${answer.body.changed} (${answer.body.chosenBy})`);
      ctx.expect(
        answer.exitCode === 0 && answer.body.changed === false,
        'the second rollback changed something',
      );
      const now = await liveVersion(ctx);
      ctx.expect(now === good, `live is on ${now}, expected ${good}`);
    },
  },
  {
    name: 'rollback.cooldown',
    summary: 'a flapping alarm is held by the cool-down instead of ping-ponging the alias',
    async run(ctx: DrillContext) {
      const { functionName, alias, bad } = workloadOf(ctx);
      // A redeploy puts the bad version back; its errors alarm fires again within the cool-down.
      const lambda = new LambdaClient({});
      try {
        await lambda.send(
          new UpdateAliasCommand({ FunctionName: functionName, Name: alias, FunctionVersion: bad }),
        );
      } finally {
        lambda.destroy();
      }
      ctx.step(`redeploy: live back on ${bad}; the errors alarm fires`);
      const held = await ctx.invoke('RollbackFunction', alarmEvent(ctx, 'sns/alarm-rollback-alarm.json'));
      const hold = held.body.heldByCooldown as { until?: string } | undefined;
      ctx.step(`ALARM -> acted ${held.body.acted}, changed ${held.body.changed}, held until ${hold?.until}`);
      ctx.expect(
        held.exitCode === 0 && held.body.changed === false && hold,
        'the cool-down did not hold the alarm',
      );
      ctx.expect((await liveVersion(ctx)) === bad, 'the held rollback moved the alias');
      const ok = await ctx.invoke('RollbackFunction', alarmEvent(ctx, 'sns/alarm-rollback-ok.json'));
      ctx.step(`OK -> acknowledged ${ok.body.acknowledged}, acted ${ok.body.acted}`);
      ctx.expect(ok.exitCode === 0 && ok.body.acted === false, 'the OK notification acted');
      // A person can still act at once, with force; live ends where the estate began for the next scenario.
      const forced = await ctx.invoke(
        'RollbackFunction',
        rollbackRequest(ctx, { force: true, dryRun: true }),
      );
      ctx.step(`person with force (dry run) -> would go to ${forced.body.toVersion}`);
      ctx.expect(forced.exitCode === 0 && forced.body.dryRun === true, 'force did not pass the cool-down');
    },
  },
];
