// The shape every mutating runbook action has: plan → (settled or dry run?) → (held for approval?) → act → record.
//
// Not a framework: each action keeps its logic in files named for its steps (`plan.ts`, `act.ts`,
// `record.ts`), and this file only fixes their order and the two promises the guide makes of every action:
//  - the plan is read before anything is written, and a dry run is answered from the plan alone, once;
//  - an action never fails after it has acted: if the audit record cannot be written after a real change, the
//    caller still gets the outcome, with the recording failure stated, instead of an error that invites a retry.
import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AuditEntry, AuditLedger } from './audit.js';
import { describe } from './errors.js';
import type { Log } from './log.js';

/** What the skeleton needs of every plan: whether it is a dry run, and the audit id its record will carry. */
export interface Planned {
  dryRun: boolean;
  auditId: string;
}

/** Where an action ended. `failed` is recorded, then its error is thrown to the caller. */
export type Step<P, O> =
  | { stage: 'settled' | 'dry-run' | 'acted'; plan: P; outcome: O }
  | { stage: 'failed'; plan: P; error: unknown };

export type Ended<P, O> = Extract<Step<P, O>, { outcome: O }>;

/** What recording gave: whether the ops topic was told, and why no record exists when it could not be written. */
export interface Receipt {
  notified: boolean;
  /** Set only when the record could not be written after acting: the action happened, the ledger lacks it. */
  unrecorded?: string;
}

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

export interface Metric {
  name: string;
  unit: Unit;
  value: number;
}

export interface ActionDeps {
  ledger: Pick<AuditLedger, 'record'>;
  logger: Pick<Log, 'warn'>;
  /** Powertools' Metrics satisfies it; absent in unit tests that do not look at metrics. */
  metrics?: { addMetric(name: string, unit: Unit, value: number): void };
}

export interface Action<D extends ActionDeps, Q, P extends Planned, O, R> {
  /** Reads only. Throws a RunbookError for a request that cannot be done (nothing has been written). */
  plan(deps: D, request: Q): Promise<P>;
  /** The outcome when the plan leaves nothing to do (already done, held): recorded without acting. */
  settled?(plan: P): O | undefined;
  /** What a dry run answers: the plan as an outcome, without a write. */
  dryRun(plan: P): O;
  /**
   * The approval gate (shared/approval/hold.ts): the answer when the plan must wait for approval — the gate
   * records it as pending, and nothing is changed — or undefined to act.
   */
  hold?(deps: D, plan: P): Promise<R | undefined>;
  /** The change: idempotent (re-reading before writing) and paced where it makes many calls. */
  act(deps: D, plan: P): Promise<O>;
  /**
   * The audit record of any step, a failed attempt included; or several, written in order, the first under the
   * plan's auditId (a kill switch's run, then the marker that closes it).
   */
  entry(step: Step<P, O>): AuditEntry | readonly AuditEntry[];
  /** Which ledger records a step, when not `deps.ledger` (a routine sweep is recorded, not announced). */
  ledger?(deps: D, step: Step<P, O>): Pick<AuditLedger, 'record'>;
  /** The caller's answer. */
  result(step: Ended<P, O>, receipt: Receipt): R;
  /** What the step counts, with the time the action took. */
  metrics?(step: Ended<P, O>, elapsedMs: number): Metric[];
}

/**
 * Runs an action's steps in order. Errors from `plan` propagate untouched (nothing was written); an error
 * from `act` is recorded as a failed attempt, then thrown; a record that fails after `act` succeeded is
 * logged and stated in the result instead of thrown.
 */
export async function runAction<D extends ActionDeps, Q, P extends Planned, O, R>(
  action: Action<D, Q, P, O, R>,
  deps: D,
  request: Q,
): Promise<R> {
  const started = performance.now();
  const plan = await action.plan(deps, request);
  const settled = action.settled?.(plan);
  if (settled !== undefined)
    return record(action, deps, { stage: 'settled', plan, outcome: settled }, started);
  if (plan.dryRun)
    return record(action, deps, { stage: 'dry-run', plan, outcome: action.dryRun(plan) }, started);
  const held = await action.hold?.(deps, plan);
  if (held !== undefined) return held;
  let outcome: O;
  try {
    outcome = await action.act(deps, plan);
  } catch (error) {
    // The record of a failed attempt is written too; the original error is what the caller sees.
    const failed = { stage: 'failed', plan, error } as const;
    await write(action.ledger?.(deps, failed) ?? deps.ledger, action.entry(failed), plan.auditId).catch(
      (cause: unknown) =>
        deps.logger.warn('could not record the failed attempt', { reason: describe(cause) }),
    );
    throw error;
  }
  return record(action, deps, { stage: 'acted', plan, outcome }, started);
}

async function record<D extends ActionDeps, Q, P extends Planned, O, R>(
  action: Action<D, Q, P, O, R>,
  deps: D,
  step: Ended<P, O>,
  started: number,
): Promise<R> {
  let receipt: Receipt;
  try {
    const ledger = action.ledger?.(deps, step) ?? deps.ledger;
    receipt = { notified: await write(ledger, action.entry(step), step.plan.auditId) };
  } catch (error) {
    // Before acting, no record means no action: the caller sees the error and may simply try again.
    if (step.stage !== 'acted') throw error;
    deps.logger.warn('acted, but the audit record could not be written', {
      auditId: step.plan.auditId,
      reason: describe(error),
    });
    receipt = { notified: false, unrecorded: `the change was made but not recorded: ${describe(error)}` };
  }
  for (const metric of action.metrics?.(step, Math.round(performance.now() - started)) ?? []) {
    deps.metrics?.addMetric(metric.name, metric.unit, metric.value);
  }
  return action.result(step, receipt);
}

/** Writes a step's records in order, the first under the auditId; whether the first was announced. */
async function write(
  ledger: Pick<AuditLedger, 'record'>,
  entries: AuditEntry | readonly AuditEntry[],
  auditId: string,
): Promise<boolean> {
  const [first, ...rest] = Array.isArray(entries)
    ? (entries as readonly AuditEntry[])
    : [entries as AuditEntry];
  if (!first) return false;
  const { notified } = await ledger.record(first, auditId);
  for (const entry of rest) await ledger.record(entry);
  return notified;
}
