// DLQ drainer by direct invocation (CLI, `sam local invoke`, the schedule), `POST /dlq/drain` and
// `POST /dlq/peek` (AWS_IAM). Each door becomes one DrainRequest; drain.ts does the rest.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, sqsClient } from '../../shared/clients.js';
import { parseSettings } from '../../shared/env.js';
import { ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { type DrainConfig, drain, type Mode } from './drain.js';
import { progressListener } from './progress.js';
import { drainConfigSchema, drainRequestSchema } from './schema.js';

export function drainConfig(env: NodeJS.ProcessEnv = process.env): DrainConfig {
  const config = parseSettings(drainConfigSchema, 'dlq drainer', env);
  return {
    allowedQueues: config.DLQ_QUEUES,
    accountId: config.DLQ_ACCOUNT_ID,
    allowedTargetQueues: config.DLQ_TARGET_QUEUES,
    ...(config.DLQ_TARGET_FUNCTION ? { targetFunction: config.DLQ_TARGET_FUNCTION } : {}),
    targetQualifier: config.DLQ_TARGET_QUALIFIER,
    ...(config.DLQ_QUARANTINE_QUEUE_URL ? { quarantineQueueUrl: config.DLQ_QUARANTINE_QUEUE_URL } : {}),
    maxAgeSeconds: config.DLQ_MAX_AGE_SECONDS,
    ratePerSecond: config.DLQ_RATE_PER_SECOND,
    concurrency: config.DLQ_CONCURRENCY,
    maxMessages: config.DLQ_MAX_MESSAGES,
    waitSeconds: config.DLQ_WAIT_SECONDS,
    reserveMs: config.DLQ_RESERVE_MS,
  };
}

async function run(invocation: Invocation, context: Context, payload: unknown, mode: Mode) {
  const request = parseInput(drainRequestSchema, payload);
  const result = await drain(
    {
      sqs: sqsClient(),
      lambda: lambdaClient(),
      ledger: auditLedgerFromEnv(),
      logger,
      now: () => new Date(),
      config: drainConfig(),
      remainingMs: () => context.getRemainingTimeInMillis(),
      ...(progressListener() ? { onProgress: progressListener() } : {}),
    },
    request,
    { door: invocation.door, actor: invocation.actor, correlationId: invocation.correlationId },
    mode,
  );
  metrics.addMetric('Redriven', MetricUnit.Count, result.redriven);
  metrics.addMetric('RedriveFailed', MetricUnit.Count, result.failed);
  metrics.addMetric('Stale', MetricUnit.Count, result.skipped.stale);
  return result;
}

/** A direct invocation (and the schedule) may say `mode: "peek"`; the default drains. */
function direct(invocation: Invocation, context: Context) {
  const { mode = 'drain', ...payload } = (invocation.payload ?? {}) as Record<string, unknown>;
  if (mode !== 'drain' && mode !== 'peek') {
    throw new ValidationError('mode: expected "drain" or "peek"', 'mode');
  }
  return run(invocation, context, payload, mode);
}

const routes: RouteTable<object> = {
  api: {
    'POST /dlq/drain': (invocation, context) => run(invocation, context, invocation.payload ?? {}, 'drain'),
    'POST /dlq/peek': (invocation, context) => run(invocation, context, invocation.payload ?? {}, 'peek'),
  },
  direct,
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
