import type { Context } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js';
import type { Invocation } from './types.js';

export type Action<R> = (invocation: Invocation, context: Context) => Promise<R>;

export interface RouteTable<R> {
  /** API routes by `METHOD /path`. */
  api?: Record<string, Action<R>>;
  /** Direct invocations. */
  direct?: Action<R>;
  /** Alarm notifications. */
  alarm?: Action<R>;
}

/** Picks the action for an invocation: unknown route 404, known route with the wrong method 405. */
export function route<R>(invocation: Invocation, table: RouteTable<R>): Action<R> {
  if (invocation.door === 'api') {
    const { method, path } = invocation.route ?? { method: '', path: '' };
    const routes = table.api ?? {};
    const exact = routes[`${method} ${path}`];
    if (exact) return exact;
    const allow = Object.keys(routes)
      .filter((key) => key.slice(key.indexOf(' ') + 1) === path)
      .map((key) => key.slice(0, key.indexOf(' ')));
    if (allow.length > 0) throw new MethodNotAllowedError(method, path, allow);
    throw new NotFoundError(`no route ${method} ${path}`, 'route');
  }
  const action = invocation.door === 'alarm' ? table.alarm : table.direct;
  if (!action) throw new ValidationError(`this function does not act on ${invocation.door} events`, 'event');
  return action;
}
