import type { AlarmNotification } from './notification.js';

/** How a request reached a runbook function. */
export type Door = 'api' | 'direct' | 'alarm' | 'queue';

interface Common {
  /** Who asked: an IAM principal ARN (API), `alarm:<name>` (alarm), or `claimed:<what the caller says>` (direct). */
  actor: string;
  /** Ties the logs, the audit record and the notification of one request together. */
  correlationId: string;
  // What only one door carries reads undefined at the others: no handler checks a door's field for undefined.
  route?: undefined;
  query?: undefined;
  alarm?: undefined;
  queueArn?: undefined;
}

/** `POST /rollback` and friends: the body, the route as declared, and the query string. */
export interface ApiInvocation extends Omit<Common, 'route' | 'query'> {
  door: 'api';
  /** The request body, parsed; undefined when there is none. */
  payload: unknown;
  route: { method: string; path: string };
  query: Record<string, string>;
  /** The route's path parameters (`{id}` of `/approvals/{id}/approve`). */
  params?: Record<string, string>;
}

/** The CLI, `sam local invoke`, Lambda Invoke: the event itself. */
export interface DirectInvocation extends Common {
  door: 'direct';
  payload: unknown;
}

/** An SNS-delivered CloudWatch alarm: its notification, and no payload. */
export interface AlarmInvocation extends Omit<Common, 'alarm'> {
  door: 'alarm';
  payload: undefined;
  alarm: AlarmNotification;
}

/** An SQS message (one per invocation): its body, parsed, and the queue it came from. */
export interface QueueInvocation extends Omit<Common, 'queueArn'> {
  door: 'queue';
  payload: unknown;
  queueArn: string;
}

/** One typed request, whichever door it came through: `door` says which fields it has. */
export type Invocation = ApiInvocation | DirectInvocation | AlarmInvocation | QueueInvocation;
