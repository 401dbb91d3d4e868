import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
