import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import type { EmulatorState } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { projectRoot } from '../../local/template.js';

const template = JSON.parse(readFileSync(join(projectRoot, 'events/apigw/dlq-drain.json'), 'utf8')) as {
  requestContext: Record<string, unknown> & { authorizer: { iam: Record<string, unknown> } };
};

/** An API Gateway v2 event (events/apigw/dlq-drain.json's shape) for a route, signed by `principal`. */
export function apiEvent(
  method: 'GET' | 'POST',
  path: string,
  body: Record<string, unknown> | undefined,
  principal: string,
  routeKey = `${method} ${path}`,
) {
  const event = structuredClone(template) as Record<string, unknown> & typeof template;
  event.routeKey = routeKey;
  event.rawPath = path;
  event.requestContext.routeKey = routeKey;
  event.requestContext.http = { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.10' };
  event.requestContext.requestId = `req-${Math.random().toString(36).slice(2)}`;
  event.requestContext.authorizer.iam.userArn = principal;
  event.body = body === undefined ? null : JSON.stringify(body);
  if (method === 'GET') event.body = null;
  return event;
}

/** A handler's answer through the API: its status and its parsed body, which a test reads freely. */
export interface ApiAnswer {
  statusCode: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the answers' fields freely
  body: any;
}

/** `context` whose remaining time is `clock(n)` at its nth read. */
export function withClock(context: Context, clock: (reads: number) => number): Context {
  let reads = 0;
  return { ...context, getRemainingTimeInMillis: () => clock(++reads) };
}

/**
 * Invokes a stack's function in-process as API Gateway would, signed by `principal`: the event of apiEvent,
 * with the `{id}` path parameter of an /approvals/{id}… path, and the functions' extra environment; with
 * `clock`, the invocation's time left at each read of it (withClock).
 */
export async function invokeApi(
  state: EmulatorState,
  logicalId: string,
  call: {
    method: 'GET' | 'POST';
    path: string;
    body: Record<string, unknown> | undefined;
    principal: string;
    routeKey?: string | undefined;
  },
  envVars: Record<string, Record<string, string>> = {},
  clock?: (reads: number) => number,
): Promise<ApiAnswer> {
  const { method, path, body, principal, routeKey } = call;
  const event = apiEvent(method, path, body, principal, routeKey) as Record<string, unknown>;
  const id = /^\/approvals\/([^/]+)/.exec(path)?.[1];
  if (id !== undefined) event.pathParameters = { id };
  const outcome = await invokeFunction({
    logicalId,
    event,
    state,
    envVars,
    // The invocation's time left at the nth read of its clock: time passing as the action works, unslept.
    ...(clock ? { context: (context) => withClock(context, clock) } : {}),
  });
  const answer = outcome.result as { statusCode: number; body: string };
  return { statusCode: answer.statusCode, body: JSON.parse(answer.body) };
}
