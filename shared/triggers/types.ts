import type { AlarmNotification } from './alarm.js';

/** How a request reached a runbook function. */
export type Door = 'api' | 'direct' | 'alarm';

/** One typed request, whichever door it came through. */
export interface Invocation {
  door: Door;
  /** Who asked: an IAM principal ARN (API), `alarm:<name>` (alarm), or what the caller claims (direct). */
  actor: string;
  /** Ties the logs, the audit record and the notification of one request together. */
  correlationId: string;
  /** The request body (API), the event itself (direct), or undefined (alarm). */
  payload: unknown;
  /** API only: the route as `METHOD /path` parts and the query string. */
  route?: { method: string; path: string };
  query?: Record<string, string>;
  /** Alarm only: the CloudWatch alarm notification. */
  alarm?: AlarmNotification;
}
