// Turns whatever event arrived (API Gateway, SNS alarm, direct) into one typed Invocation before the handler,
// and the handler's result or error back into what that door expects after it.

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj, Request } from '@middy/core';
import type { Context } from 'aws-lambda';
import { type ErrorBody, MethodNotAllowedError, publicError, RunbookError } from '../errors.js';
import { logger, metrics } from '../powertools.js';
import { apiResponse } from '../triggers/apigw.js';
import { type Door, doorOf, type Invocation, toInvocation } from '../triggers/index.js';

export type DirectResult = { ok: true } & Record<string, unknown>;
export type DirectError = { ok: false; error: ReturnType<typeof publicError>['body'] };

type Internal = { door?: Door; raw?: unknown };

/**
 * The API status of a successful answer other than 200 (202 for a request held for approval): set on the
 * result object, never serialized (a symbol), read by `after`.
 */
export const HTTP_STATUS = Symbol.for('lambda-runbook.httpStatus');
type DoorsRequest = Request<unknown, unknown, Error, Context, Internal>;

export interface DoorsOptions {
  /**
   * The error to throw instead of answering `{ ok: false, error }` outside the API door, for a caller that
   * reads only success or a function error (Secrets Manager); undefined answers as usual. Given the event
   * as it arrived and the body the caller would have seen.
   */
  throwInstead?: (event: unknown, body: ErrorBody) => Error | undefined;
}

export function doors(options: DoorsOptions = {}): MiddlewareObj<unknown, unknown, Error, Context, Internal> {
  return {
    name: 'doors',
    before: (request: DoorsRequest) => {
      request.internal.raw = request.event;
      request.internal.door = doorOf(request.event);
      const invocation: Invocation = toInvocation(request.event, request.context);
      logger.appendKeys({
        correlationId: invocation.correlationId,
        actor: invocation.actor,
        door: invocation.door,
      });
      request.event = invocation;
    },
    after: (request: DoorsRequest) => {
      const response = request.response as Record<string | symbol, unknown>;
      const status = typeof response[HTTP_STATUS] === 'number' ? response[HTTP_STATUS] : 200;
      const body = { ok: true, ...response };
      const door = request.internal.door;
      // SQS reads only batchItemFailures: none, so the message is deleted (shared/triggers/queue.ts).
      request.response =
        door === 'api'
          ? apiResponse(status, body)
          : door === 'queue'
            ? { ...body, batchItemFailures: [] }
            : body;
    },
    onError: (request: DoorsRequest) => {
      const error = request.error;
      const door = request.internal.door ?? doorOf(request.event);
      const { statusCode, body } = publicError(error);
      if (statusCode >= 500) {
        logger.error('request failed', { error });
        metrics.addMetric('Failures', MetricUnit.Count, 1);
        // An alarm arrives as an asynchronous invocation: throwing lets Lambda retry it and, after the
        // retries, hand it to the function's failure destination, rather than losing the remediation. An SQS
        // message likewise comes back after its visibility timeout, then goes to the queue's DLQ.
        if (door === 'alarm' || door === 'queue') return;
      } else {
        // INFO, not WARN: a refusal is the answer to the caller's input, not a fault of the runbook (the
        // `Refused` metric counts them). Lambda logs at INFO (template Globals), so it is still in the log; the
        // CLI, which prints the refusal as its answer, logs at WARN and so does not print it twice.
        logger.info('request refused', { code: body.code, reason: body.message, field: body.field });
        metrics.addMetric('Refused', MetricUnit.Count, 1);
      }
      const thrown =
        door === 'api' ? undefined : options.throwInstead?.(request.internal.raw ?? request.event, body);
      if (thrown) {
        request.error = thrown;
        return;
      }
      const failure: DirectError = { ok: false, error: body };
      const allow = error instanceof MethodNotAllowedError ? { allow: error.allow.join(', ') } : undefined;
      // A refused SQS message is answered, so deleted: it would be refused again on every delivery.
      request.response =
        door === 'api'
          ? apiResponse(statusCode, failure, allow)
          : door === 'queue'
            ? { ...failure, batchItemFailures: [] }
            : failure;
    },
  };
}

export { RunbookError };
