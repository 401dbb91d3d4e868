// Classifying a dead letter: where it goes (its route), whether it may be replayed at all (staleness), and
// whether the request selects it (the filter). Reads only; what happens to each class is act.ts's business.
import { insideWindow } from '../../shared/throttle-windows.js';
import type { DeadLetter } from './messages.js';
import { nameOfUrl } from './queue-url.js';
import type { DrainConfig, DrainPlan, Route } from './types.js';

/** What becomes of one received message. */
export type Decision =
  | { kind: 'filtered'; letter: DeadLetter }
  | { kind: 'stale'; letter: DeadLetter; reason: string }
  /** No route it can take (no target, an unknown function): kept, and counted as failed. */
  | { kind: 'unroutable'; letter: DeadLetter; reason: string }
  | { kind: 'redrive'; letter: DeadLetter; route: Route };

export interface Classifier {
  plan: DrainPlan;
  config: DrainConfig;
  now: () => Date;
}

/** The decision for a letter received for the first time in this run. */
export async function decide(c: Classifier, letter: DeadLetter): Promise<Decision> {
  if (!matches(c.plan, letter)) return { kind: 'filtered', letter };
  const route = await routeOf(c, letter);
  const reason = await staleness(c, letter, route);
  if (reason) return { kind: 'stale', letter, reason };
  if (typeof route === 'string') return { kind: 'unroutable', letter, reason: route };
  return { kind: 'redrive', letter, route };
}

function matches(plan: DrainPlan, letter: DeadLetter): boolean {
  const filter = plan.request.filter;
  if (!filter) return true;
  if (filter.errorCode !== undefined && letter.errorCode !== filter.errorCode) return false;
  if (filter.attribute) {
    const value = letter.message.MessageAttributes?.[filter.attribute.name]?.StringValue;
    if (value !== filter.attribute.value) return false;
  }
  return true;
}

/** Where a letter goes; a Lambda route only once its function and qualifier are known to exist. */
async function routeOf(c: Classifier, letter: DeadLetter): Promise<Route | string> {
  const route = await plainRouteOf(c, letter);
  if (typeof route === 'string' || route.type === 'sqs') return route;
  return (await c.plan.lookups.lambdaProblem(route.functionName, route.qualifier)) ?? route;
}

async function plainRouteOf({ plan, config }: Classifier, letter: DeadLetter): Promise<Route | string> {
  const target = plan.request.target;
  if (target?.type === 'lambda') {
    return {
      type: 'lambda',
      functionName: target.functionName,
      qualifier: target.qualifier ?? config.targetQualifier,
    };
  }
  if (plan.targetUrl !== undefined) return { type: 'sqs', queueUrl: plan.targetUrl };
  if (letter.kind === 'sqs') return sourceRoute(await plan.lookups.sources(), config.allowedTargetQueues);
  const functionName = letter.functionName ?? config.targetFunction;
  if (!functionName) return 'no target function configured: give target {type:"lambda",functionName}';
  return { type: 'lambda', functionName, qualifier: config.targetQualifier };
}

/** An SQS-fed letter goes back to its source queue, when the DLQ has exactly one. */
function sourceRoute(urls: string[], allowed: readonly string[]): Route | string {
  const only = urls[0];
  if (urls.length === 1 && only !== undefined) {
    // A configured allow-list binds the redrive relationship too (IAM allows sending there only).
    if (allowed.length > 0 && !allowed.includes(nameOfUrl(only))) {
      return `the source queue ${nameOfUrl(only)} is not in DLQ_TARGET_QUEUES (${allowed.join(', ')})`;
    }
    return { type: 'sqs', queueUrl: only };
  }
  return urls.length === 0
    ? 'no source queue names this DLQ in its redrive policy: give target {type:"sqs",queue}'
    : `${urls.length} source queues use this DLQ: give target {type:"sqs",queue}`;
}

/** Why a message must not be replayed, or undefined. */
async function staleness(c: Classifier, letter: DeadLetter, route: Route | string) {
  const age = c.now().getTime() - letter.sentAt;
  const maxAgeMs = c.plan.maxAgeMs;
  if (!Number.isFinite(age)) return 'no SentTimestamp: its age is unknown';
  if (age > maxAgeMs) return `older than ${maxAgeMs / 1000} s (${Math.round(age / 1000)} s)`;
  if (typeof route !== 'string' && route.type === 'lambda') {
    const window = insideWindow(await c.plan.lookups.windows(route.functionName), new Date(letter.sentAt));
    if (window) {
      return `created while the kill switch throttled ${window.functionName} (${window.from} → ${window.to ?? 'still throttled'})`;
    }
  }
  return undefined;
}
