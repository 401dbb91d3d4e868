import type { Context } from 'aws-lambda';
import { MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js';
import type {
  AlarmInvocation,
  ApiInvocation,
  DirectInvocation,
  Invocation,
  QueueInvocation,
} from './types.js';

/** What answers an invocation of a door: typed by that door, so it reads the door's fields without a check. */
export type Action<R, I extends Invocation = Invocation> = (invocation: I, context: Context) => Promise<R>;

export interface RouteTable<R> {
  /** API routes by `METHOD /path`. */
  api?: Record<string, Action<R, ApiInvocation>>;
  /** Direct invocations. */
  direct?: Action<R, DirectInvocation>;
  /** Alarm notifications. */
  alarm?: Action<R, AlarmInvocation>;
  /** SQS messages; a function without this entry refuses them. */
  queue?: Action<R, QueueInvocation>;
}

/** Picks the action for an invocation: unknown route 404, known route with the wrong method 405. */
export function route<R>(invocation: Invocation, table: RouteTable<R>): Action<R> {
  if (invocation.door === 'api') {
    const { method, path } = invocation.route;
    const routes = table.api ?? {};
    const exact = routes[`${method} ${path}`];
    // The action picked for a door takes that door's invocation, and the caller hands it the one routed here.
    if (exact) return exact as Action<R>;
    const allow = Object.keys(routes)
      .filter((key) => key.slice(key.indexOf(' ') + 1) === path)
      .map((key) => key.slice(0, key.indexOf(' ')));
    if (allow.length > 0) throw new MethodNotAllowedError(method, path, allow);
    throw new NotFoundError(`no route ${method} ${path}`, 'route');
  }
  const action =
    invocation.door === 'alarm' ? table.alarm : invocation.door === 'queue' ? table.queue : table.direct;
  if (!action) throw new ValidationError(`this function does not act on ${invocation.door} events`, 'event');
  return action as Action<R>;
}
