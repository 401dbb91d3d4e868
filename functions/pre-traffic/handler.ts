// The CodeDeploy BeforeAllowTraffic hook of the watched workload. CodeDeploy invokes it with
// `{ DeploymentId, LifecycleEventHookExecutionId }`; smoke.ts tests the version and reports the status.
import { codeDeployClient, lambdaClient } from '../../shared/clients.js';
import { freezeGuardOrProblem } from '../../shared/freeze/guard.js';
import { hookLedger, lifecycleHookHandler, timeBudget } from '../../shared/lifecycle-hook.js';
import { logger, metrics } from '../../shared/powertools.js';
import { workloadInvoker } from './invoker.js';
import { preTrafficConfigSchema } from './schema.js';
import { preTraffic } from './smoke.js';
import bundledSuite from './smoke-suite.json' with { type: 'json' };

export const handler = lifecycleHookHandler(async (event, context) => {
  // A bad setting must still end in a report (Failed), never in a hook that throws before reporting.
  const parsed = preTrafficConfigSchema.safeParse(process.env);
  const config = parsed.success ? parsed.data : undefined;
  const freeze = freezeGuardOrProblem();
  const problem = parsed.success
    ? freeze.problem && `pre-traffic configuration: ${freeze.problem}`
    : `pre-traffic configuration: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`;
  return preTraffic(
    {
      lambda: lambdaClient(),
      codedeploy: codeDeployClient(),
      ledger: hookLedger(),
      logger,
      metrics,
      budget: timeBudget(() => context.getRemainingTimeInMillis(), config?.SMOKE_RESERVE_MS ?? 30_000),
      invoke: workloadInvoker(),
      correlationId: context.awsRequestId,
      config: {
        ...(config?.TARGET_FUNCTION ? { targetFunction: config.TARGET_FUNCTION } : {}),
        skip: config?.SKIP_SMOKE === 'true',
        suite: config?.SMOKE_SUITE ?? bundledSuite,
        ...(freeze.guard ? { freeze: freeze.guard } : {}),
        ...(problem ? { problem } : {}),
      },
    },
    event,
  );
});
