// DLQ drainer: redrive dead letters at a bounded rate, at-least-once, never losing one, never replaying a
// stale one — on the runbook's action skeleton (shared/action.ts): plan.ts checks and resolves everything
// that can refuse the request (a peek or a dry run surveys the queue there, and that is its answer) → act.ts
// receives, classifies (classify.ts), redrives (redrive.ts) and deletes or releases (release.ts) → record.ts.
//
// SQS's native redrive (StartMessageMoveTask) only moves messages back to SQS source queues; a DLQ fed by
// Lambda's asynchronous invocations needs each event invoked again, and nothing native has a stale guard or
// a dry run (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html).
//
// Lossless by construction: a message leaves the DLQ only by DeleteMessage after its redrive was confirmed
// (per entry of a batch answer). Everything else — stale, filtered, failed, not reached before the deadline —
// is held invisible until the end of the run (so this run never receives it twice), then released with
// visibility 0. If the function dies first, the visibility timeout brings them back anyway.
import { type Action, runAction } from '../../shared/action.js';
import type { Origin } from '../../shared/origin.js';
import { actDrain } from './act.js';
import { type DrainAsk, planDrain } from './plan.js';
import { drainEntry, drainMetrics, drainResult } from './record.js';
import type { DrainRequest } from './schema.js';
import type { DrainDeps, DrainOutcome, DrainPlan, DrainResult, Mode } from './types.js';

export type { DrainConfig, DrainDeps, DrainProgress, DrainResult, Mode } from './types.js';

export const drainAction: Action<DrainDeps, DrainAsk, DrainPlan, DrainOutcome, DrainResult> = {
  plan: planDrain,
  // plan.ts surveys the queue for every dry run and peek: that survey is the answer.
  dryRun: (plan) => plan.survey as DrainOutcome,
  act: actDrain,
  entry: drainEntry,
  result: drainResult,
  metrics: drainMetrics,
};

/**
 * Drains (or, for a peek or a dry run, only reads) a dead-letter queue. Bad input and a missing queue are
 * refused before the first ReceiveMessage; after that every message ends redriven-and-deleted or back in
 * the DLQ (or in quarantine), and the result says which.
 */
export function drain(
  deps: DrainDeps,
  request: DrainRequest,
  origin: Origin,
  mode: Mode = 'drain',
): Promise<DrainResult> {
  return runAction(drainAction, deps, { request, origin, mode });
}
