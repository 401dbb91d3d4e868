// Health: the first thing on-call checks. Is it up, what is deployed, and what state is the workload in —
// including mid-canary and mid-incident, and when one of its dependencies is broken.
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import type { DrillContext, Scenario } from '../scenario.js';

interface Metadata {
  status: string;
  gitSha: string;
  target: { status: string; version?: string; routing?: Record<string, number>; gitSha?: string };
  schedules: { status: string; items?: { name: string; status: string; state?: string }[] };
  alarms: { status: string; counts?: Record<string, number> };
}

function workloadOf(ctx: DrillContext) {
  const workload = ctx.state.workload;
  ctx.expect(workload, 'the emulator has no sample workload');
  return workload;
}

async function metadata(ctx: DrillContext, env?: Record<string, string>): Promise<Metadata> {
  const answer = await ctx.invoke('HealthFunction', 'events/apigw/health-metadata.json', env);
  const status = (answer.result as { statusCode?: number }).statusCode;
  ctx.expect(status === 200, `GET /health/metadata answered ${status}`);
  return answer.body as unknown as Metadata;
}

export const healthScenarios: Scenario[] = [
  {
    name: 'health.liveness',
    summary: 'GET /health answers ok without touching AWS',
    async run(ctx: DrillContext) {
      const answer = await ctx.invoke('HealthFunction', 'events/apigw/health.json');
      ctx.step(
        `GET /health -> ${(answer.result as { statusCode: number }).statusCode} ${JSON.stringify(answer.body)}`,
      );
      ctx.expect(answer.exitCode === 0 && answer.body.status === 'ok', 'liveness did not answer ok');
    },
  },
  {
    name: 'health.metadata',
    summary: 'GET /health/metadata reports what is live, and the git sha it was built from',
    async run(ctx: DrillContext) {
      const workload = workloadOf(ctx);
      const live = workload.versions.at(-1);
      const body = await metadata(ctx);
      ctx.step(`live alias on version ${body.target.version} (gitSha ${body.target.gitSha?.slice(0, 7)})`);
      ctx.expect(body.status === 'ok', `status is ${body.status}, expected ok`);
      ctx.expect(
        body.target.version === live?.version,
        `target version ${body.target.version}, expected ${live?.version}`,
      );
      ctx.expect(body.target.gitSha === live?.gitSha, 'target git sha does not match the live version');
      ctx.expect(
        body.schedules.items?.[0]?.state === 'ENABLED',
        'the daily schedule is not reported ENABLED',
      );
      ctx.expect(body.alarms.counts?.ALARM === 0, 'alarms in ALARM before any incident');
    },
  },
  {
    name: 'health.canary-incident',
    summary: 'mid-canary with the errors alarm firing, metadata shows the weights and the alarm',
    async run(ctx: DrillContext) {
      const workload = workloadOf(ctx);
      const [previous, live] = workload.versions.slice(-2);
      if (!previous || !live) throw new Error('the sample workload needs two versions');
      const lambda = new LambdaClient({});
      const cloudwatch = new CloudWatchClient({});
      const errorsAlarm = ctx.state.resources.WorkloadErrorsAlarm?.ref;
      ctx.expect(errorsAlarm, 'no errors alarm provisioned');
      try {
        // A deployment shifts 10% to the new version; the new version errors; the alarm fires.
        await lambda.send(
          new UpdateAliasCommand({
            FunctionName: workload.functionName,
            Name: workload.alias,
            FunctionVersion: previous.version,
            RoutingConfig: { AdditionalVersionWeights: { [live.version]: 0.1 } },
          }),
        );
        await cloudwatch.send(
          new SetAlarmStateCommand({
            AlarmName: errorsAlarm,
            StateValue: 'ALARM',
            StateReason: 'drill: canary errors',
          }),
        );
        ctx.step(`canary: ${previous.version} + 10% on ${live.version}; ${errorsAlarm} in ALARM`);
        const body = await metadata(ctx);
        ctx.step(`metadata: version ${body.target.version}, routing ${JSON.stringify(body.target.routing)}`);
        ctx.expect(body.target.version === previous.version, 'alias version not reported');
        ctx.expect(body.target.routing?.[live.version] === 0.1, 'canary weight not reported');
        ctx.expect(body.alarms.counts?.ALARM === 1, 'the firing alarm is not reported');
      } finally {
        // Put the estate back as the next scenario expects it.
        await lambda.send(
          new UpdateAliasCommand({
            FunctionName: workload.functionName,
            Name: workload.alias,
            FunctionVersion: live.version,
            RoutingConfig: { AdditionalVersionWeights: {} },
          }),
        );
        await cloudwatch.send(
          new SetAlarmStateCommand({
            AlarmName: errorsAlarm,
            StateValue: 'OK',
            StateReason: 'drill: resolved',
          }),
        );
        lambda.destroy();
        cloudwatch.destroy();
      }
    },
  },
  {
    name: 'health.degraded',
    summary: 'a broken dependency degrades the answer instead of failing it',
    async run(ctx: DrillContext) {
      const group = ctx.state.resources.WorkloadScheduleGroup?.ref;
      const body = await metadata(ctx, { WATCHED_SCHEDULES: `${group}/deleted-schedule` });
      const item = body.schedules.items?.[0];
      ctx.step(`missing schedule -> status ${body.status}, schedule ${item?.status}`);
      ctx.expect(body.status === 'degraded', `status is ${body.status}, expected degraded`);
      ctx.expect(item?.status === 'error', 'the missing schedule is not marked as an error');
      ctx.expect(body.target.status === 'ok', 'the alias read should still answer');
    },
  },
  {
    name: 'health.build-probe',
    summary: 'a workload version answers {"runbook":"health"} with its build metadata',
    async run(ctx: DrillContext) {
      const live = workloadOf(ctx).versions.at(-1);
      ctx.expect(live, 'no live version');
      const answer = await ctx.invoke('WorkloadFunction', 'events/direct/workload-probe.json', {
        GIT_SHA: live.gitSha,
      });
      ctx.step(`probe -> gitSha ${String(answer.body.gitSha).slice(0, 7)}`);
      ctx.expect(answer.body.runbook === 'health', 'the probe ran the workload instead of answering');
      ctx.expect(answer.body.gitSha === live.gitSha, 'the probe does not report the build git sha');
      const refused = await ctx.invoke('HealthFunction', 'events/direct/health-bad-action.json');
      const error = refused.body.error as { field?: string } | undefined;
      ctx.step(`bad request -> exit ${refused.exitCode}, field ${error?.field}`);
      ctx.expect(
        refused.exitCode === 2 && error?.field === 'action',
        'bad input was not refused naming the field',
      );
    },
  },
];
