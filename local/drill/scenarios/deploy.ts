// Deploying through CodeDeploy: the pre-traffic smoke hook is the last gate before traffic. A good version
// reaches 100%; a version whose smoke case fails, whose case hangs, or whose build is not the one it claims is
// stopped before any traffic reaches it, and `live` stays where it was. Runs on the local CodeDeploy simulator
// (local/codedeploy/), since moto has no CodeDeploy hooks.
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { REPORT_RESERVE_FLOOR_MS } from '../../../shared/lifecycle-hook.js';
import { type NewVersion, publishVersion, simulateDeployment } from '../../codedeploy/deploy.js';
import type { DrillContext, Scenario } from '../scenario.js';

// Drills do not wait CodeDeploy's minutes between the canary and the full shift.
const CANARY_MS = 300;

function workloadOf(ctx: DrillContext) {
  const workload = ctx.state.workload;
  ctx.expect(workload, 'the emulator has no sample workload');
  return workload;
}

async function live(ctx: DrillContext): Promise<string> {
  const { functionName, alias } = workloadOf(ctx);
  const lambda = new LambdaClient({});
  try {
    const answer = await lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
    return String(answer.FunctionVersion);
  } finally {
    lambda.destroy();
  }
}

async function deploy(
  ctx: DrillContext,
  toVersion: string,
  hooks: { env?: Record<string, string>; timeoutSeconds?: number } = {},
) {
  const { functionName } = workloadOf(ctx);
  const result = await simulateDeployment(
    ctx.state,
    {
      functionName,
      toVersion,
      onStep: (text) => ctx.step(`  codedeploy: ${text}`),
      hookEnv: { PreTrafficHookFunction: { POWERTOOLS_LOG_LEVEL: 'WARN', ...hooks.env } },
      ...(hooks.timeoutSeconds
        ? { hookTimeoutSeconds: { PreTrafficHookFunction: hooks.timeoutSeconds } }
        : {}),
    },
    { canaryIntervalMs: CANARY_MS },
  );
  ctx.step(`deployment ${result.deploymentId}: ${result.status}; live on ${result.live.version}`);
  return result;
}

/** A bad version is stopped: the deployment Failed, no traffic reached it, live unchanged. */
async function expectRefused(
  ctx: DrillContext,
  options: NewVersion,
  hooks: Parameters<typeof deploy>[2] = {},
) {
  const before = await live(ctx);
  const { version } = await publishVersion(ctx.state, workloadOf(ctx).functionName, options);
  ctx.step(`published version ${version} (${JSON.stringify(options)}); live is on ${before}`);
  const result = await deploy(ctx, version, hooks);
  ctx.expect(
    result.status === 'Failed',
    `the deployment of ${version} ended ${result.status}, expected Failed`,
  );
  ctx.expect(
    !result.steps.some((step) => step.text.startsWith('shift')),
    'traffic was shifted to a version the hook refused',
  );
  const after = await live(ctx);
  ctx.expect(after === before, `live moved to ${after}; it should have stayed on ${before}`);
  return result;
}

export const deployScenarios: Scenario[] = [
  {
    name: 'deploy.good-version',
    summary: 'a good version passes the smoke hook and CodeDeploy shifts live to it, 10% then 100%',
    async run(ctx: DrillContext) {
      const current = await live(ctx);
      const target = workloadOf(ctx).versions.find((item) => item.version !== current)?.version;
      ctx.expect(target, 'no other version to deploy');
      const result = await deploy(ctx, target);
      ctx.expect(result.status === 'Succeeded', `the deployment ended ${result.status}`);
      ctx.expect(result.live.version === target, `live is on ${result.live.version}, expected ${target}`);
      ctx.expect(Object.keys(result.live.weights).length === 0, 'canary weights left on the alias');
    },
  },
  {
    name: 'deploy.failing-smoke',
    summary: 'a version whose smoke case fails is stopped before traffic; live stays on the old one',
    async run(ctx: DrillContext) {
      await expectRefused(ctx, { fault: 'error' });
    },
  },
  {
    name: 'deploy.hanging-case',
    summary: 'a version whose case hangs still gets Failed reported within the time budget',
    async run(ctx: DrillContext) {
      // A 7 s hook with the smallest reserve allowed (5 s): the cases get 2 s, the report has 5 s to spare.
      const result = await expectRefused(
        ctx,
        { fault: 'hang' },
        { env: { SMOKE_RESERVE_MS: String(REPORT_RESERVE_FLOOR_MS) }, timeoutSeconds: 7 },
      );
      const invoked = result.steps.find((step) => step.text.startsWith('BeforeAllowTraffic: invoking'));
      // The step quotes the hook's reason after the status: `…reported Failed: <why>`.
      const reported = result.steps.find((step) =>
        /^BeforeAllowTraffic: hook reported Failed(:|$)/.test(step.text),
      );
      ctx.expect(invoked && reported, 'the hook did not report Failed itself');
      const tookMs = reported.atMs - invoked.atMs;
      ctx.step(`the hook reported Failed ${tookMs} ms after it was invoked (Lambda timeout 7000 ms)`);
      ctx.expect(
        tookMs < 7_000 - REPORT_RESERVE_FLOOR_MS / 2,
        `the report came ${tookMs} ms after the invocation: past the Lambda deadline`,
      );
    },
  },
  {
    name: 'deploy.stop-mid-canary',
    summary: 'errors during the canary: the rollback stops the deployment in flight and live returns',
    async run(ctx: DrillContext) {
      const { functionName, versions } = workloadOf(ctx);
      const before = await live(ctx);
      const target = versions.find((item) => item.version !== before)?.version;
      ctx.expect(target, 'no other version to deploy');
      let shifted: () => void = () => undefined;
      const canary = new Promise<void>((resolve) => {
        shifted = resolve;
      });
      // A canary held open for a minute; the rollback stops it long before.
      const deployment = simulateDeployment(
        ctx.state,
        {
          functionName,
          toVersion: target,
          hookEnv: { PreTrafficHookFunction: { POWERTOOLS_LOG_LEVEL: 'WARN' } },
          onStep: (text) => {
            ctx.step(`  codedeploy: ${text}`);
            if (text.startsWith('shift 10%')) shifted();
          },
        },
        { canaryIntervalMs: 60_000 },
      );
      await canary;
      const answer = await ctx.invoke(
        'RollbackFunction',
        {
          actor: 'cli:drill@local',
          functionName,
          reason: 'drill: errors on the canary',
        },
        { CODEDEPLOY_APPLICATION: `${ctx.state.stackName}-ServerlessDeploymentApplication` },
      );
      ctx.step(`rollback -> ${answer.body.chosenBy}, stopped ${answer.body.stoppedDeploymentId}`);
      const result = await deployment;
      ctx.step(`deployment ${result.deploymentId}: ${result.status}; live on ${result.live.version}`);
      ctx.expect(
        answer.body.chosenBy === 'in-flight-deployment',
        `the rollback chose ${answer.body.chosenBy}`,
      );
      ctx.expect(result.status === 'Stopped', `the deployment ended ${result.status}, expected Stopped`);
      ctx.expect(result.live.version === before, `live is on ${result.live.version}, expected ${before}`);
      ctx.expect(Object.keys(result.live.weights).length === 0, 'canary weights left on the alias');
    },
  },
  {
    name: 'deploy.wrong-git-sha',
    summary: 'a version whose build is not the git sha its description records is refused',
    async run(ctx: DrillContext) {
      await expectRefused(ctx, { builtGitSha: '0badc0de0badc0de0badc0de0badc0de0badc0de' });
    },
  },
];
