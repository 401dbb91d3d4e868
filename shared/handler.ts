// Every runbook function is wired the same way, so the order never surprises:
// context and correlation in the logs -> metrics flushed -> traced -> doors (event in, result out) -> action.
// An action reached through the API door is given the API call's time, not the invocation's (api-budget.ts):
// here, once, so no function can forget it.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { apiBounded } from './api-budget.js';
import { type DoorsOptions, doors } from './middleware/doors.js';
import { logger, metrics, tracer } from './powertools.js';
import type { Invocation } from './triggers/index.js';

export type RunbookAction<R extends object> = (invocation: Invocation, context: Context) => Promise<R>;

export function runbookHandler<R extends object>(action: RunbookAction<R>, options: DoorsOptions = {}) {
  return middy<unknown, unknown, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(captureLambdaHandler(tracer))
    .use(doors(options))
    .handler((event, context) => {
      const invocation = event as Invocation;
      return action(invocation, invocation.door === 'api' ? apiBounded(context) : context);
    });
}
