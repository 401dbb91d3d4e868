// A sample API Gateway event of events/apigw/ as a drill sends it: signed (as API Gateway says) by a person, with
// the drill's body and, for the approval routes, the request's id in the path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../template.js';

export const person = (name: string) => `arn:aws:sts::123456789012:assumed-role/OnCall/${name}`;

export function apiEvent(file: string, who: string, body?: object, path?: { id: string }): object {
  const event = JSON.parse(readFileSync(join(projectRoot, 'events', 'apigw', file), 'utf8'));
  event.requestContext.authorizer.iam.userArn = person(who);
  if (body !== undefined) event.body = JSON.stringify(body);
  if (path) {
    event.pathParameters = path;
    event.rawPath = event.rawPath.replace(/\/approvals\/[^/]+/, `/approvals/${path.id}`);
    event.requestContext.http.path = event.rawPath;
  }
  return event;
}
