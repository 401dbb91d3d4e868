// API Gateway proxy events, REST (payload 1.0) and HTTP API (payload 2.0), to one Invocation.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import * as z from 'zod';
import { ValidationError } from '../errors.js';
import { isObject, parseInput } from '../validate.js';
import type { ApiInvocation } from './types.js';

type V2Event = APIGatewayProxyEventV2WithIAMAuthorizer;

export function isApiGatewayV2(event: unknown): event is V2Event {
  return (
    isObject(event) &&
    event.version === '2.0' &&
    isObject(event.requestContext) &&
    'http' in event.requestContext
  );
}

export function isApiGatewayV1(event: unknown): event is APIGatewayProxyEvent {
  return isObject(event) && typeof event.httpMethod === 'string' && isObject(event.requestContext);
}

// Only what the runbook reads of an API Gateway event, checked before it is read: an event that looks like
// one but is not (`requestContext.http` null, a numeric body) is the caller's mistake, a 400 naming the field.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
// Each built on its first use (z.lazy): a function invoked through another door never builds them, which is
// part of every cold start (and of every CLI command, which runs the handlers in-process).
const query = () => z.record(z.string(), z.string().optional()).nullish();
const body = () => ({ body: z.string().nullish(), isBase64Encoded: z.boolean().nullish() });

const v2Schema = z.lazy(() =>
  z.object({
    routeKey: z.string().optional(),
    rawPath: z.string().optional(),
    queryStringParameters: query(),
    pathParameters: query(),
    ...body(),
    requestContext: z.object({
      requestId: z.string(),
      http: z.object({ method: z.string().min(1), path: z.string() }),
      authorizer: z.object({ iam: z.object({ userArn: z.string().nullish() }).nullish() }).nullish(),
    }),
  }),
);

const v1Schema = z.lazy(() =>
  z.object({
    httpMethod: z.string().min(1),
    resource: z.string().nullish(),
    path: z.string().nullish(),
    queryStringParameters: query(),
    pathParameters: query(),
    ...body(),
    requestContext: z.object({
      requestId: z.string(),
      identity: z.object({ userArn: z.string().nullish(), caller: z.string().nullish() }).nullish(),
    }),
  }),
);

/** A request body, when there is one, is a JSON object: the runbook's requests are all objects. */
function parseBody(text: string | null | undefined, isBase64Encoded: boolean | null | undefined): unknown {
  if (text === null || text === undefined || text === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(isBase64Encoded ? Buffer.from(text, 'base64').toString('utf8') : text);
  } catch (cause) {
    throw new ValidationError('request body is not valid JSON', 'body', cause);
  }
  if (!isObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new ValidationError(`body: must be a JSON object, not ${kind}`, 'body');
  }
  // Through the API the actor is the SigV4 principal API Gateway verified, never what a body says: a body that
  // names one is refused rather than ignored, so a caller who believes it acts as someone else learns it does not.
  if (Object.hasOwn(value, 'actor')) {
    throw new ValidationError(
      'actor: through the API the actor is the signed principal (SigV4); remove actor from the body',
      'actor',
    );
  }
  return value;
}

function cleanQuery(query: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

/** A route's path parameters, when it has any (`{id}` of `/approvals/{id}/approve`). */
function paramsOf(params: Record<string, string | undefined> | null | undefined) {
  const clean = cleanQuery(params);
  return Object.keys(clean).length > 0 ? { params: clean } : {};
}

export function fromApiGatewayV2(raw: V2Event): ApiInvocation {
  const event = parseInput(v2Schema, raw);
  const { http, requestId } = event.requestContext;
  // `routeKey` is the route as declared (`GET /health/metadata`), free of any stage prefix in rawPath.
  const declared =
    event.routeKey && event.routeKey !== '$default' ? event.routeKey.split(' ', 2)[1] : undefined;
  return {
    door: 'api',
    actor: event.requestContext.authorizer?.iam?.userArn ?? 'anonymous',
    correlationId: requestId,
    route: { method: http.method.toUpperCase(), path: declared ?? event.rawPath ?? http.path },
    query: cleanQuery(event.queryStringParameters),
    ...paramsOf(event.pathParameters),
    payload: parseBody(event.body, event.isBase64Encoded),
  };
}

export function fromApiGatewayV1(raw: APIGatewayProxyEvent): ApiInvocation {
  const event = parseInput(v1Schema, raw);
  const identity = event.requestContext.identity;
  return {
    door: 'api',
    actor: identity?.userArn ?? identity?.caller ?? 'anonymous',
    correlationId: event.requestContext.requestId,
    route: { method: event.httpMethod.toUpperCase(), path: event.resource ?? event.path ?? '' },
    query: cleanQuery(event.queryStringParameters),
    ...paramsOf(event.pathParameters),
    payload: parseBody(event.body, event.isBase64Encoded),
  };
}

export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export function apiResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): ApiResponse {
  return {
    statusCode,
    // An ops answer describes live state: never let a cache serve a stale one.
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}
