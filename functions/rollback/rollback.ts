// Alias rollback: put an alias back on the known-good version, on the runbook's action skeleton
// (shared/action.ts): plan.ts reads and decides → a dry run answers the plan → act.ts writes → record.ts.
//
// The manual route it replaces is `aws lambda update-alias --function-name … --name live --function-version N`,
// typed during an incident with a guessed N. Here the version is chosen by rules (choose.ts), an in-flight
// CodeDeploy deployment is stopped first (or it would move the alias again), canary weights are cleared, and
// the write is optimistic: it carries the RevisionId just read, so a concurrent change is never overwritten.
import { type Action, runAction } from '../../shared/action.js';
import type { Origin } from '../../shared/origin.js';
import { actRollback } from './act.js';
import { planRollback } from './plan.js';
import { rollbackEntry, rollbackMetrics, rollbackResult } from './record.js';
import type { RollbackRequest } from './schema.js';
import type { RollbackDeps, RollbackOutcome, RollbackPlan, RollbackResult } from './types.js';

export { DependencyError } from '../../shared/errors.js';
export type { Origin } from '../../shared/origin.js';
export type { RollbackConfig, RollbackDeps, RollbackResult } from './types.js';
export { undoCommand } from './undo.js';

type Request = { request: RollbackRequest; origin: Origin };

const rollbackAction: Action<RollbackDeps, Request, RollbackPlan, RollbackOutcome, RollbackResult> = {
  plan: planRollback,
  settled: (plan) =>
    plan.alreadyThere ? { kind: 'already-there' } : plan.hold ? { kind: 'held', hold: plan.hold } : undefined,
  dryRun: () => ({ kind: 'planned' }),
  act: actRollback,
  entry: rollbackEntry,
  result: rollbackResult,
  metrics: rollbackMetrics,
};

export function rollback(
  deps: RollbackDeps,
  request: RollbackRequest,
  origin: Origin,
): Promise<RollbackResult> {
  return runAction(rollbackAction, deps, { request, origin });
}
