// The CodeDeploy AfterAllowTraffic hook of the watched workload: check.ts reads its alarms and reports.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { cloudWatchClient, codeDeployClient } from '../../shared/clients.js';
import { hookLedger, lifecycleHookHandler, timeBudget } from '../../shared/lifecycle-hook.js';
import { logger, metrics } from '../../shared/powertools.js';
import { postTraffic } from './check.js';
import { postTrafficConfigSchema } from './schema.js';

export const handler = lifecycleHookHandler(async (event, context) => {
  // A bad setting must still end in a report (Failed), never in a hook that throws before reporting.
  const parsed = postTrafficConfigSchema.safeParse(process.env);
  const config = parsed.success ? parsed.data : undefined;
  const result = await postTraffic(
    {
      cloudwatch: cloudWatchClient(),
      codedeploy: codeDeployClient(),
      ledger: hookLedger(),
      logger,
      budget: timeBudget(() => context.getRemainingTimeInMillis(), config?.REPORT_RESERVE_MS ?? 30_000),
      correlationId: context.awsRequestId,
      config: {
        alarmNames: config?.ALARM_NAMES ?? [],
        ...(config?.ALARM_PREFIX ? { alarmPrefix: config.ALARM_PREFIX } : {}),
        ...(parsed.success
          ? {}
          : {
              problem: `post-traffic configuration: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`,
            }),
      },
    },
    event,
  );
  metrics.addMetric('PostTrafficFailures', MetricUnit.Count, result.status === 'Failed' ? 1 : 0);
  return result;
});
