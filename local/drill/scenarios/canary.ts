// Canary analysis: CodeDeploy's canary serves both versions under the same alias traffic (the simulator drives
// it through the in-process invoker, a fault profile per version, and publishes Lambda's per-version metrics);
// the canary analyst (CanaryAnalystFunction, its schedule's look played by the drill) compares the new version
// with the old one and stops a worse one before the full shift; the post-traffic hook takes the last look.
// Drill scale: a minimum of 150 invocations a side (the template's default is 1,000) and a 4 s canary standing
// for CodeDeploy's 5 minutes (the simulator's time compression).
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { CanaryTraffic } from '../../canary/drive.js';
import { publishVersion, simulateDeployment } from '../../codedeploy/deploy.js';
import type { DrillContext, Scenario } from '../scenario.js';

const CANARY_MS = 2_500;
// The look falls at about 75% of the canary, as the watcher's fourth look of five would.
const LOOK_AT_MS = 1_900;
const SETTINGS = { CANARY_MIN_INVOCATIONS: '150', POWERTOOLS_LOG_LEVEL: 'WARN' };

function workloadOf(ctx: DrillContext) {
  const workload = ctx.state.workload;
  ctx.expect(workload, 'the emulator has no sample workload');
  return workload;
}

async function live(ctx: DrillContext): Promise<string> {
  const lambda = new LambdaClient({});
  try {
    const { functionName, alias } = workloadOf(ctx);
    return String(
      (await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }))).FunctionVersion,
    );
  } finally {
    lambda.destroy();
  }
}

interface Run {
  traffic: CanaryTraffic;
  /** Look mid-canary as the watcher's schedule would; its answer is returned. */
  look?: boolean;
  postTrafficEnv?: Record<string, string>;
}

/** Publishes a version and deploys it with canary traffic; returns the deployment and the watcher's look. */
async function deployWithTraffic(ctx: DrillContext, run: Run) {
  const { functionName } = workloadOf(ctx);
  const before = await live(ctx);
  const { version } = await publishVersion(ctx.state, functionName);
  ctx.step(`published version ${version}; live is on ${before}; traffic ${JSON.stringify(run.traffic)}`);
  let trafficDone: () => void = () => undefined;
  const published = new Promise<void>((resolve) => {
    trafficDone = resolve;
  });
  // The look, from the moment the canary's traffic is out: the canary does not end under it (canaryHold), as a
  // watcher's look of seconds never outlasts CodeDeploy's five minutes; only the drill's compression of those
  // minutes into 2.5 s could let a slow machine's look run past the canary and meet the post-traffic hook.
  let lookInFlight: Promise<Record<string, unknown>> | undefined;
  if (run.look) {
    lookInFlight = (async () => {
      await published;
      await new Promise((resolve) => setTimeout(resolve, LOOK_AT_MS));
      const answer = await ctx.invoke(
        'CanaryAnalystFunction',
        { actor: 'schedule:canary-analyst', reason: 'scheduled canary look' },
        SETTINGS,
      );
      return answer.body;
    })();
  }
  const deployment = simulateDeployment(
    ctx.state,
    {
      functionName,
      toVersion: version,
      traffic: run.traffic,
      onStep: (text) => {
        ctx.step(`  codedeploy: ${text}`);
        if (text.startsWith('traffic:')) trafficDone();
      },
      canaryHold: () => lookInFlight,
      hookEnv: {
        PreTrafficHookFunction: { POWERTOOLS_LOG_LEVEL: 'WARN' },
        PostTrafficHookFunction: { ...SETTINGS, ...run.postTrafficEnv },
      },
    },
    { canaryIntervalMs: CANARY_MS },
  );
  let look: Record<string, unknown> | undefined;
  if (lookInFlight) {
    // A deployment that ends before its canary (a failed pre-traffic hook) never publishes traffic: no look.
    const ended = await Promise.race([published.then(() => false), deployment.then(() => true)]);
    look = ended ? undefined : await lookInFlight;
    const first = (look?.looks as Array<Record<string, never>> | undefined)?.[0] as
      | { judgement?: { verdict: { reason: string }; decision: string }; action?: { stop: string } }
      | undefined;
    ctx.step(
      `canary analyst: ${first?.judgement?.verdict.reason ?? JSON.stringify(look)} → ${first?.judgement?.decision ?? '?'}${first?.action ? ` (stop ${first.action.stop})` : ''}`,
    );
  }
  const result = await deployment;
  ctx.step(`deployment ${result.deploymentId}: ${result.status}; live on ${result.live.version}`);
  return { before, version, result, look };
}

const decisionOf = (look: Record<string, unknown> | undefined) =>
  (look?.looks as Array<{ judgement?: { decision?: string } }> | undefined)?.[0]?.judgement?.decision;

async function setErrorsAlarm(ctx: DrillContext, state: 'ALARM' | 'OK') {
  const cloudwatch = new CloudWatchClient({});
  try {
    await cloudwatch.send(
      new SetAlarmStateCommand({
        AlarmName: `${ctx.state.stackName}-workload-errors`,
        StateValue: state,
        StateReason: `drill: the old version's errors (${state})`,
      }),
    );
  } finally {
    cloudwatch.destroy();
  }
}

export const canaryScenarios: Scenario[] = [
  {
    name: 'canary.doubled-errors',
    summary: 'a version failing twice as often as the old one is stopped mid-canary; live returns',
    async run(ctx: DrillContext) {
      const { before, result, look } = await deployWithTraffic(ctx, {
        traffic: { invocations: 3000, seed: 21, baseline: { errorRate: 0.05 }, canary: { errorRate: 0.1 } },
        look: true,
      });
      ctx.expect(decisionOf(look) === 'stop', `the analyst decided ${decisionOf(look)}, expected stop`);
      ctx.expect(result.status === 'Stopped', `the deployment ended ${result.status}, expected Stopped`);
      ctx.expect(result.live.version === before, `live is on ${result.live.version}, expected ${before}`);
      ctx.expect(Object.keys(result.live.weights).length === 0, 'canary weights left on the alias');
    },
  },
  {
    name: 'canary.slower',
    summary: 'a version 300 ms slower at p99 is stopped mid-canary; live returns',
    async run(ctx: DrillContext) {
      const { before, result, look } = await deployWithTraffic(ctx, {
        traffic: { invocations: 3000, seed: 22, canary: { extraMs: 300 } },
        look: true,
      });
      ctx.expect(decisionOf(look) === 'stop', `the analyst decided ${decisionOf(look)}, expected stop`);
      ctx.expect(result.status === 'Stopped', `the deployment ended ${result.status}, expected Stopped`);
      ctx.expect(result.live.version === before, `live is on ${result.live.version}, expected ${before}`);
    },
  },
  {
    name: 'canary.good-version',
    summary: 'a version as good as the old one passes the looks and the last gate; live moves to it',
    async run(ctx: DrillContext) {
      const { version, result, look } = await deployWithTraffic(ctx, {
        traffic: { invocations: 3000, seed: 23, baseline: { errorRate: 0.02 }, canary: { errorRate: 0.02 } },
        look: true,
      });
      ctx.expect(
        decisionOf(look) === 'continue',
        `the analyst decided ${decisionOf(look)}, expected continue`,
      );
      ctx.expect(result.status === 'Succeeded', `the deployment ended ${result.status}, expected Succeeded`);
      ctx.expect(result.live.version === version, `live is on ${result.live.version}, expected ${version}`);
    },
  },
  {
    name: 'canary.fix-under-alarm',
    summary:
      'a fix deployed while the old version’s errors alarm is in ALARM passes: it is measurably better',
    async run(ctx: DrillContext) {
      await setErrorsAlarm(ctx, 'ALARM');
      try {
        const { version, result } = await deployWithTraffic(ctx, {
          traffic: { invocations: 3000, seed: 24, baseline: { errorRate: 0.2 }, canary: { errorRate: 0.01 } },
        });
        ctx.expect(
          result.status === 'Succeeded',
          `the deployment ended ${result.status}, expected Succeeded`,
        );
        ctx.expect(result.live.version === version, `live is on ${result.live.version}, expected ${version}`);
      } finally {
        await setErrorsAlarm(ctx, 'OK');
      }
    },
  },
  {
    name: 'canary.low-traffic',
    summary:
      'a canary too quiet to judge ends "not enough data": fails closed by default, passes if configured',
    async run(ctx: DrillContext) {
      const closed = await deployWithTraffic(ctx, { traffic: { invocations: 200, seed: 25 } });
      ctx.expect(
        closed.result.status === 'Failed',
        `the deployment ended ${closed.result.status}, expected Failed`,
      );
      ctx.expect(closed.result.live.version === closed.before, `live moved to ${closed.result.live.version}`);
      const open = await deployWithTraffic(ctx, {
        traffic: { invocations: 200, seed: 26 },
        postTrafficEnv: { CANARY_NOT_ENOUGH_DATA: 'pass' },
      });
      ctx.expect(
        open.result.status === 'Succeeded',
        `with CANARY_NOT_ENOUGH_DATA=pass it ended ${open.result.status}`,
      );
    },
  },
];
