// Lets any workload function answer `{ "runbook": "health" }` with its build metadata instead of running,
// so a pre-traffic hook can confirm that a new version carries the git sha it expects.
import { cleanupMiddlewares } from '@aws-lambda-powertools/commons';
import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type BuildInfo, buildInfo } from '../build-info.js';

export interface HealthProbeAnswer extends BuildInfo {
  runbook: 'health';
  functionName: string;
  functionVersion: string;
}

export function isHealthProbe(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { runbook?: unknown }).runbook === 'health';
}

/**
 * A middy middleware for workload functions.
 * @example
 * export const handler = middy(trade).use(injectLambdaContext(logger)).use(healthProbe());
 * // aws lambda invoke --function-name trading:7 --payload '{"runbook":"health"}' out.json
 */
export function healthProbe(): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    name: 'healthProbe',
    // Returning from `before` ends the invocation there: the workload itself never runs. middy then skips
    // every `after`, so the Powertools middlewares' own clean-up (logger state, metrics flush, trace segment)
    // is run here, as Powertools documents for early returns.
    before: async (request): Promise<HealthProbeAnswer | undefined> => {
      if (!isHealthProbe(request.event)) return undefined;
      await cleanupMiddlewares(request);
      return {
        runbook: 'health',
        ...buildInfo(),
        functionName: request.context.functionName,
        functionVersion: request.context.functionVersion,
      };
    },
  };
}
