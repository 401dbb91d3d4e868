// The sample watched workload: a stand-in for the audited daily trading function. What it does is
// deliberately small; what matters is its shape: healthProbe() answers `{ "runbook": "health" }` with the
// build metadata so a pre-traffic hook can check the version it is about to shift traffic to.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import * as z from 'zod';
import { healthProbe } from '../../shared/middleware/health-probe.js';
import { logger } from '../../shared/powertools.js';
import { parseInput } from '../../shared/validate.js';

const runSchema = z.object({
  source: z.string().default('manual'),
  job: z.string().default('daily-trading'),
  // Drills set this to make a version misbehave on purpose.
  fail: z.boolean().default(false),
});

async function trade(event: unknown) {
  const run = parseInput(runSchema, event ?? {});
  logger.info('trading run', { source: run.source, job: run.job });
  if (run.fail) throw new Error('trading run failed (requested by the event)');
  return { ok: true, job: run.job, placedOrders: 0 };
}

export const handler = middy(trade)
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(healthProbe());
