// The canary watcher, by its schedule (every minute) or a direct invocation (`dryRun` for a verdict only).
// Its settings are read when the container starts: a bad one (a minimum sample of 0, a negative tolerance, an
// unknown metric) stops the function from starting, with the variable named in the error.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { cloudWatchClient, codeDeployClient } from '../../shared/clients.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import { parseInput } from '../../shared/validate.js';
import { watchRequestSchema, watchSettings } from './schema.js';
import { watchCanaries } from './watch.js';

// Read once at start so a bad setting fails the container's initialisation; read again per invocation
// (cheap) because a local in-process run may change the environment between invocations.
watchSettings();

export const handler = runbookHandler(async (invocation) => {
  const request = parseInput(watchRequestSchema, invocation.payload ?? {});
  const { config, watched } = watchSettings();
  const result = await watchCanaries(
    {
      codedeploy: codeDeployClient(),
      cloudwatch: cloudWatchClient(),
      ledger: auditLedgerFromEnv(),
      logger,
      now: () => new Date(),
      config,
      ...(watched.CANARY_APPLICATION ? { applicationName: watched.CANARY_APPLICATION } : {}),
      deploymentGroups: watched.CANARY_DEPLOYMENT_GROUPS,
    },
    request,
    { actor: invocation.actor, correlationId: invocation.correlationId },
  );
  const stopped = result.looks.filter((look) => look.action?.stop === 'succeeded').length;
  metrics.addMetric('CanariesStopped', MetricUnit.Count, stopped);
  return result;
});
