import { parseSettings } from '../../shared/env.js';
import { drainConfigSchema } from './schema.js';
import type { DrainConfig } from './types.js';

/** The drainer's configuration from its environment; a bad setting is a deployment error naming it. */
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
