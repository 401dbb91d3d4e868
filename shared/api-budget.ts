// The time an API call has. Several functions with ops API routes have long timeouts (a fleet run 900 s, a
// drain 300 s, a kill switch 120 s), but a call through the ops API is answered by API Gateway within 30 s
// whatever the function does (HTTP APIs' integration timeout: 30 s at most,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html): past it the caller gets
// 503 while the function goes on acting — a failure for an action carried out. So runbookHandler (handler.ts)
// hands every action reached through the API door a context whose remaining time is the smaller of the
// invocation's and what is left of API_CALL_MS since the call began; every action reads its time from the
// context it is given, so each stops, records and answers at its own margin before API Gateway gives up. Direct
// invocations, alarms and SQS messages keep the invocation's whole time.
import type { Context } from 'aws-lambda';

/**
 * API Gateway's wait for a function's answer: an HTTP API's integration timeout, 30 s at most
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). The emulator's API door
 * waits as long (local/api-door.ts).
 */
export const API_GATEWAY_TIMEOUT_MS = 30_000;

/**
 * What an API call may use: API Gateway's 30 s, less a margin for the answer to travel back (and for the
 * middleware around the action, and a cold start's initialisation, which API Gateway's 30 s includes too).
 */
export const API_CALL_MS = API_GATEWAY_TIMEOUT_MS - 2_000;

/** Marks a context bounded by an API call: what a run that may continue later reads (inApiCall). */
const API_CALL = Symbol.for('lambda-runbook.apiCall');

/** The remaining time of an API call begun at `startedAt` (epoch ms). */
export const apiRemainingMs = (
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  startedAt: number,
  now = Date.now(),
) => Math.max(0, Math.min(context.getRemainingTimeInMillis(), startedAt + API_CALL_MS - now));

/** The invocation's context, its remaining time bounded by the API call's (begun at `startedAt`). */
export function apiBounded(context: Context, startedAt = Date.now()): Context {
  if (inApiCall(context)) return context;
  // Every other field read through to the invocation's own (defined, not assigned: a runtime may freeze it).
  return Object.create(context, {
    getRemainingTimeInMillis: { value: () => apiRemainingMs(context, startedAt), enumerable: true },
    [API_CALL]: { value: true },
  }) as Context;
}

/**
 * Whether this context's time is an API call's: what runs out there is cut short by API Gateway, not by the
 * function's timeout, and a run that continues itself has the whole timeout in its next part (fleet/continue.ts).
 */
export const inApiCall = (context: Context): boolean =>
  (context as unknown as Record<symbol, unknown>)[API_CALL] === true;
