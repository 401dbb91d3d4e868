// DLQ drainer by direct invocation (CLI, `sam local invoke`, the schedule), `POST /dlq/drain` and
// `POST /dlq/peek` (AWS_IAM). Each door becomes one DrainRequest; drain.ts does the rest.
import type { Context } from 'aws-lambda';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, sqsClient } from '../../shared/clients.js';
import { ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { drain, type Mode } from './drain.js';
import { progressListener } from './progress.js';
import { drainConfig, drainRequestSchema } from './schema.js';

export { drainConfig } from './schema.js';

function run(invocation: Invocation, context: Context, payload: unknown, mode: Mode) {
  const request = parseInput(drainRequestSchema, payload);
  const onProgress = progressListener();
  const deps = {
    sqs: sqsClient(),
    lambda: lambdaClient(),
    ledger: auditLedgerFromEnv(),
    logger,
    metrics,
    now: () => new Date(),
    config: drainConfig(),
    remainingMs: () => context.getRemainingTimeInMillis(),
    ...(onProgress ? { onProgress } : {}),
  };
  return drain(deps, request, originOf(invocation), mode);
}

/** A direct invocation (and the schedule) may say `mode: "peek"`; the default drains. */
function direct(invocation: Invocation, context: Context) {
  const { mode = 'drain', ...payload } = (invocation.payload ?? {}) as Record<string, unknown>;
  if (mode !== 'drain' && mode !== 'peek')
    throw new ValidationError('mode: expected "drain" or "peek"', 'mode');
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
