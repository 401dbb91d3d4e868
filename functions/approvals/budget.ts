// The time an API call of this function has. The function's own timeout is long (template.yaml: an approved run
// carried out from the approved-run queue may take minutes, later.ts), but a call through the ops API is
// answered by API Gateway within 30 s whatever the function does (HTTP APIs' integration timeout: 30 s at most,
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). What is carried out inside
// an API call (an approved drain, a key revocation) must stop, and answer, before that: so every executor of an
// API call sees the smaller of the invocation's remaining time and what is left of API_CALL_MS since the call
// began. Each reads its time from the context it is given (executors.ts, fleet.ts → fleetDeps), never from
// Lambda's own: the context given is this one.
import type { Context } from 'aws-lambda';

/** What an API call may use: API Gateway's 30 s, less a margin for the answer to travel back. */
export const API_CALL_MS = 28_000;

/** The remaining time of an API call begun at `startedAt` (epoch ms). */
export const apiRemainingMs = (
  context: Pick<Context, 'getRemainingTimeInMillis'>,
  startedAt: number,
  now = Date.now(),
) => Math.max(0, Math.min(context.getRemainingTimeInMillis(), startedAt + API_CALL_MS - now));

/** The invocation's context, its remaining time bounded by the API call's (begun now). */
export function apiBounded(context: Context, startedAt = Date.now()): Context {
  // Every other field read through to the invocation's own (defined, not assigned: a runtime may freeze it).
  return Object.create(context, {
    getRemainingTimeInMillis: { value: () => apiRemainingMs(context, startedAt), enumerable: true },
  }) as Context;
}
