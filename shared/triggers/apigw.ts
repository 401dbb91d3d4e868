// API Gateway proxy events, REST (payload 1.0) and HTTP API (payload 2.0), to one Invocation.
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { ValidationError } from '../errors.js';
import type { Invocation } from './types.js';

type V2Event = APIGatewayProxyEventV2WithIAMAuthorizer;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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

function parseBody(body: string | null | undefined, isBase64Encoded: boolean | undefined): unknown {
  if (body === null || body === undefined || body === '') return undefined;
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new ValidationError('request body is not valid JSON', 'body', cause);
  }
}

function cleanQuery(query: Record<string, string | undefined> | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

export function fromApiGatewayV2(event: V2Event): Invocation {
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
    payload: parseBody(event.body, event.isBase64Encoded),
  };
}

export function fromApiGatewayV1(event: APIGatewayProxyEvent): Invocation {
  const identity = event.requestContext.identity;
  return {
    door: 'api',
    actor: identity?.userArn ?? identity?.caller ?? 'anonymous',
    correlationId: event.requestContext.requestId,
    route: { method: event.httpMethod.toUpperCase(), path: event.resource ?? event.path },
    query: cleanQuery(event.queryStringParameters),
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
