// Alias rollback by direct invocation (CLI, `sam local invoke`), `POST /rollback` (AWS_IAM), or an SNS-delivered
// CloudWatch alarm. Each door becomes one RollbackRequest; rollback.ts does the rest.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { codeDeployClient, lambdaClient } from '../../shared/clients.js';
import { parseSettings } from '../../shared/env.js';
import { ConfigurationError, ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import { dimensionValue } from '../../shared/triggers/alarm.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { type RollbackConfig, rollback } from './rollback.js';
import { rollbackConfigSchema, rollbackRequestSchema } from './schema.js';

export function rollbackConfig(env: NodeJS.ProcessEnv = process.env): RollbackConfig {
  const config = parseSettings(rollbackConfigSchema, 'rollback', env);
  return {
    ...(config.WATCHED_FUNCTION ? { watchedFunction: config.WATCHED_FUNCTION } : {}),
    rollbackAlarms: config.ROLLBACK_ALARMS,
    cooldownMinutes: config.ROLLBACK_COOLDOWN_MINUTES,
    ...(config.CODEDEPLOY_APPLICATION ? { codeDeployApplication: config.CODEDEPLOY_APPLICATION } : {}),
  };
}

/** Whether an alarm is configured to trigger rollbacks: an exact name, or a prefix written `name-*`. */
export function isRollbackAlarm(name: string, configured: string[]): boolean {
  return configured.some((item) => (item.endsWith('*') ? name.startsWith(item.slice(0, -1)) : name === item));
}

async function run(invocation: Invocation, payload: unknown) {
  const request = parseInput(rollbackRequestSchema, payload);
  const started = performance.now();
  const result = await rollback(
    {
      lambda: lambdaClient(),
      codedeploy: codeDeployClient(),
      ledger: auditLedgerFromEnv(),
      logger,
      now: () => new Date(),
      config: rollbackConfig(),
    },
    request,
    { door: invocation.door, actor: invocation.actor, correlationId: invocation.correlationId },
  );
  if (result.changed) metrics.addMetric('Rollback', MetricUnit.Count, 1);
  metrics.addMetric('RollbackLatencyMs', MetricUnit.Milliseconds, Math.round(performance.now() - started));
  return result;
}

const person = (invocation: Invocation) => run(invocation, invocation.payload ?? {});

/**
 * Only ALARM acts; OK and INSUFFICIENT_DATA are acknowledged (answered, so SNS does not retry) and ignored,
 * as is any alarm not configured in ROLLBACK_ALARMS. The function and alias come from the alarm's metric
 * dimensions `FunctionName` and `Resource` (`name:alias`).
 */
async function alarm(invocation: Invocation) {
  const notification = invocation.alarm;
  if (!notification) throw new ConfigurationError('alarm door without an alarm notification');
  const name = notification.AlarmName;
  if (notification.NewStateValue !== 'ALARM') {
    logger.info(`alarm ${name} is ${notification.NewStateValue}: acknowledged, no action`);
    return { acknowledged: true, acted: false, alarm: name, state: notification.NewStateValue };
  }
  if (!isRollbackAlarm(name, rollbackConfig().rollbackAlarms)) {
    logger.info(`alarm ${name} is not configured as a rollback trigger (ROLLBACK_ALARMS): no action`);
    return { acknowledged: true, acted: false, alarm: name, state: notification.NewStateValue };
  }
  const functionName = dimensionValue(notification, 'FunctionName');
  const resource = dimensionValue(notification, 'Resource');
  const alias = resource?.startsWith(`${functionName}:`)
    ? resource.slice(`${functionName}:`.length)
    : undefined;
  const reason = `${name}: ${notification.NewStateReason}`.slice(0, 500);
  if (!functionName) {
    throw new ValidationError(
      `alarm ${name} has no FunctionName dimension: it cannot name a function to roll back`,
      'Sns.Message.Trigger.Dimensions',
    );
  }
  const payload = { functionName, ...(alias ? { alias } : {}), reason };
  return { acknowledged: true, acted: true, ...(await run(invocation, payload)) };
}

const routes: RouteTable<object> = {
  api: { 'POST /rollback': person },
  direct: person,
  alarm,
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
