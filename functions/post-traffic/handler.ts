// The CodeDeploy AfterAllowTraffic hook of the watched workload: check.ts reads its alarms and reports.
import { analystConfigSchema } from '../../shared/canary/config.js';
import { cloudWatchClient, codeDeployClient } from '../../shared/clients.js';
import { hookLedger, lifecycleHookHandler, timeBudget } from '../../shared/lifecycle-hook.js';
import { logger, metrics } from '../../shared/powertools.js';
import { postTraffic } from './check.js';
import { postTrafficConfigSchema } from './schema.js';

export const handler = lifecycleHookHandler(async (event, context) => {
  // A bad setting must still end in a report (Failed), never in a hook that throws before reporting.
  const parsed = postTrafficConfigSchema.safeParse(process.env);
  const config = parsed.success ? parsed.data : undefined;
  const canary = config?.CANARY_GATE === 'on' ? analystConfigSchema.safeParse(process.env) : undefined;
  const issue = parsed.success ? canary?.error?.issues[0] : parsed.error.issues[0];
  return postTraffic(
    {
      cloudwatch: cloudWatchClient(),
      codedeploy: codeDeployClient(),
      ledger: hookLedger(),
      logger,
      metrics,
      budget: timeBudget(() => context.getRemainingTimeInMillis(), config?.REPORT_RESERVE_MS ?? 30_000),
      correlationId: context.awsRequestId,
      config: {
        alarmNames: config?.ALARM_NAMES ?? [],
        ...(config?.ALARM_PREFIX ? { alarmPrefix: config.ALARM_PREFIX } : {}),
        ...(canary?.success ? { canary: canary.data } : {}),
        ...(issue
          ? { problem: `post-traffic configuration: ${issue.path.join('.')}: ${issue.message}` }
          : {}),
      },
    },
    event,
  );
});
