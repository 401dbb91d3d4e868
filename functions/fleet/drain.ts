// Fleet drain: every watched DLQ of each selected workload, by the drainer's own action (functions/dlq-drainer:
// names resolved by the drainer itself, lossless, paced, stale guard, its own audit record per queue), in the
// workload's account. A DLQ with declared sources goes back to them; one without is a Lambda asynchronous DLQ,
// whose events go back to the workload's alias. Nothing to undo: a redriven message is delivered, not moved.

import { parseSettings } from '../../shared/env.js';
import { ValidationError } from '../../shared/errors.js';
import type { WatchedQueue, Workload } from '../../shared/fleet/workload.js';
import { freezeGuard, freezeOverrideOf } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { drain } from '../dlq-drainer/drain.js';
import { type DrainRequest, drainConfigSchema } from '../dlq-drainer/schema.js';
import type { DrainDeps, DrainResult } from '../dlq-drainer/types.js';
import type { FleetRequest } from './schema.js';
import type { FleetDeps, PerWorkload } from './types.js';

export const drainWorkload: PerWorkload = async (deps, workload, { request, origin, fleetAuditId }) => {
  if (!(workload.account ?? deps.homeAccount))
    throw new ValidationError('the runbook cannot tell its own account id', 'accounts');
  if (workload.dlqs.length === 0)
    return {
      workload: workload.name,
      account: workload.account ?? 'self',
      outcome: 'unchanged',
      summary: 'no DLQ watched',
    };
  const results: DrainResult[] = [];
  for (const dlq of workload.dlqs) {
    const one = await drainOf(deps, workload, dlq, { request, origin, fleetAuditId });
    results.push(await drain(one.deps, one.request, origin));
  }
  const redriven = results.reduce((sum, result) => sum + result.redriven, 0);
  const failed = results.reduce((sum, result) => sum + result.failed, 0);
  const left = results.reduce((sum, result) => sum + result.remainingApprox, 0);
  const queues = results.map(
    (result) => `${result.queue}: ${result.redriven} redriven, ~${result.remainingApprox} left`,
  );
  return {
    workload: workload.name,
    account: workload.account ?? 'self',
    outcome: request.dryRun ? 'planned' : failed > 0 ? 'failed' : redriven > 0 ? 'succeeded' : 'unchanged',
    summary: request.dryRun
      ? `would drain ${results.map((result) => `${result.queue} (~${result.atStartApprox})`).join(', ')}`
      : `${redriven} redriven, ${failed} failed, ~${left} left (${queues.join('; ')})`,
    auditId: results[0]?.auditId ?? '',
    ...(failed > 0
      ? {
          error: {
            code: 'RedriveFailed',
            message: `${failed} message(s) could not be redriven; they stay in the DLQ`,
          },
        }
      : {}),
  };
};

/**
 * One DLQ's drain as the drainer runs it: the drainer's settings as deployed (rate, age limit, batch sizes),
 * scoped to this workload's queue, in the workload's account, and where its letters go. The fleet's plan
 * (governed.ts) reads the same drain's plan.
 */
export async function drainOf(
  deps: FleetDeps,
  workload: Workload,
  dlq: WatchedQueue,
  { request, origin, fleetAuditId }: { request: FleetRequest; origin: Origin; fleetAuditId: string },
): Promise<{ deps: DrainDeps; request: DrainRequest }> {
  const account = workload.account ?? deps.homeAccount;
  if (!account) throw new ValidationError('the runbook cannot tell its own account id', 'accounts');
  const clients = await deps.clientsFor(workload.account);
  const settings = parseSettings(drainConfigSchema, 'fleet drain', { ...deps.env, DLQ_ACCOUNT_ID: account });
  const config = {
    allowedQueues: [dlq.queue],
    accountId: account,
    allowedTargetQueues: dlq.sources,
    targetFunction: workload.functionName,
    targetQualifier: workload.alias,
    maxAgeSeconds: settings.DLQ_MAX_AGE_SECONDS,
    ratePerSecond: settings.DLQ_RATE_PER_SECOND,
    concurrency: settings.DLQ_CONCURRENCY,
    maxMessages: settings.DLQ_MAX_MESSAGES,
    waitSeconds: settings.DLQ_WAIT_SECONDS,
    reserveMs: settings.DLQ_RESERVE_MS,
  };
  // One source: every letter goes back there. Several: each to the one SQS recorded it came from.
  const [only] = dlq.sources;
  const target =
    dlq.sources.length === 1 && only
      ? { type: 'sqs' as const, queue: only }
      : dlq.sources.length > 1
        ? { type: 'source' as const }
        : { type: 'lambda' as const, functionName: workload.functionName, qualifier: workload.alias };
  // A fleet drain is a drain: the same freezes hold (FREEZE_WINDOWS of the fleet function); an approved or
  // break-glass run passes them as the single drain does. (Only the fleet's plan lets a freeze ask for
  // approval instead, governed.ts: here a freeze refuses.)
  const freeze = freezeGuard(deps.env);
  const override = freezeOverrideOf(origin, request.breakGlass);
  return {
    deps: {
      sqs: clients.sqs,
      lambda: clients.lambda,
      ledger: deps.ledger,
      logger: deps.logger,
      metrics: deps.metrics,
      now: deps.now,
      config,
      freeze: override ? { ...freeze, override } : freeze,
      remainingMs: deps.remainingMs ?? (() => Number.POSITIVE_INFINITY),
    },
    request: {
      queue: dlq.queue,
      target,
      reason: `${request.reason ?? ''} (fleet ${fleetAuditId})`.trim(),
      dryRun: request.dryRun,
    } as DrainRequest,
  };
}
