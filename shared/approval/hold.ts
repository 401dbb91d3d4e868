// The approval gate of the action skeleton (shared/action.ts `hold`): after the plan (reads only), a request that
// needs approval is recorded as pending — its full plan in the ledger, announced on the ops topic — and answered
// 202 with the approval id and how to approve; nothing is changed. An approved plan passes only if a fresh plan
// reads the estate as the approved one did; otherwise it is recorded as a new pending request.
// Asked again while a request for the same plan is open (open.ts), the gate answers that request (202, the same
// approvalId, `existing: true`) and neither records nor notifies anything.
import type { Action, ActionDeps, Planned, Step } from '../action.js';
import type { AuditEntry, AuditLedger } from '../audit.js';
import { ForbiddenError } from '../errors.js';
import { HTTP_STATUS } from '../middleware/doors.js';
import type { Origin } from '../origin.js';
import { isObject } from '../validate.js';
import { approveCommand, isStale } from './decide.js';
import { openKeyOf } from './open.js';
import type { ApprovalPolicy } from './policy.js';
import type { ApprovalState, ApprovalStore, OpenRequest } from './store.js';

/** What every governed plan carries: who asks and through which door, its audit id, and any break-glass. */
export interface GovernedPlan {
  origin: Origin;
  auditId: string;
  request: { breakGlass?: { reason: string } | undefined };
}

/** What the gate needs of an action's plan besides GovernedPlan's fields. */
export interface Governed<P extends GovernedPlan> {
  /** The action's name in the ledger and in ApprovalFor (`dlq.drain`). */
  action: string;
  /** Its API route, named when a direct invocation needs approval. */
  route: string;
  /** Why this plan needs approval under the policy: empty when it does not. */
  needs(plan: P, policy: ApprovalPolicy): string[];
  /** The plan as the pending record keeps it: what it read, what it would leave, what it would carry out. */
  describe(plan: P): Omit<AuditEntry, 'outcome' | 'dryRun' | 'actor' | 'correlationId'>;
}

export interface ApprovalDeps {
  approvals: ApprovalStore;
  policy: ApprovalPolicy;
  ledger: Pick<AuditLedger, 'record'>;
  now(): Date;
}

/** The answer to a request held for approval (202 through the API). */
export interface Held {
  held: true;
  approvalId: string;
  status: 'pending';
  action: string;
  target: string;
  needs: string[];
  required: number;
  expiresAt: string;
  /** What the plan would change, as recorded (the record has the full plan). */
  before: unknown;
  after: unknown;
  approve: string;
  reject: string;
  notified: boolean;
  /** Set when this request re-plans an approved one whose plan went stale. */
  replans?: string;
  /**
   * Set when the same plan was already pending: this is that request, asked for by `requester` (who may be
   * someone else); nothing new was recorded or notified.
   */
  existing?: true;
  requester?: string;
  [HTTP_STATUS]: 202;
}

/**
 * Undefined when the plan may go on (no approval needed, break-glass, or an approved plan still fresh); otherwise
 * records the pending request and returns its answer. A direct invocation that needs approval is refused (403):
 * approvals need a signed requester, or the requester could approve their own request under another name.
 */
export async function holdForApproval<P extends GovernedPlan>(
  governed: Governed<P>,
  deps: ApprovalDeps,
  plan: P,
): Promise<Held | undefined> {
  const { origin } = plan;
  const described = governed.describe(plan);
  if (origin.approval) {
    if (!isStale(origin.approval.before, described.before)) return undefined;
    return pending(governed, deps, plan, [
      `re-planned: the estate changed since ${origin.approval.approvalId}`,
    ]);
  }
  if (plan.request.breakGlass) return undefined;
  // A listed alarm's action was approved when the deployment listed the alarm (KILLSWITCH_ALARMS): a machine
  // cannot wait for people, and what it may do (disable, never throttle or enable) is already bounded.
  if (origin.door === 'alarm') return undefined;
  const needs = governed.needs(plan, deps.policy);
  if (needs.length === 0) return undefined;
  if (origin.door !== 'api') {
    throw new ForbiddenError(
      `${governed.action} needs approval here (${needs.join('; ')}): ask through the ops API, ${governed.route}, which records it as pending for ${deps.policy.required} other principal(s) to approve; or act alone with breakGlass: { reason } (runbook … --break-glass "why")`,
    );
  }
  return pending(governed, deps, plan, needs);
}

async function pending<P extends GovernedPlan>(
  governed: Governed<P>,
  deps: ApprovalDeps,
  plan: P,
  needs: string[],
): Promise<Held> {
  const { origin } = plan;
  const described = governed.describe(plan);
  const approvalId = plan.auditId;
  const now = deps.now();
  const deadline = new Date(now.getTime() + deps.policy.ttlMinutes * 60_000).toISOString();
  const state: ApprovalState = {
    approvalId,
    status: 'pending',
    forAction: governed.action,
    forTarget: described.target,
    requester: origin.actor,
    required: deps.policy.required,
    needs,
    deadline,
    votes: 0,
    approvers: {},
    // Kept a day past its deadline, for `runbook approve` to say "expired" rather than "unknown".
    expiresAt: Math.floor(now.getTime() / 1000) + deps.policy.ttlMinutes * 60 + 86_400,
    openKey: openKeyOf(governed.action, described),
  };
  // The state first (once the plan's key is claimed): an approval record that exists can always be voted on.
  // If another request for the same plan holds the key, nothing is written and that request answers.
  const open = await deps.approvals.create(state, now);
  if (open) return alreadyPending(governed, plan, open);
  const approve = approveCommand(approvalId);
  const { notified } = await deps.ledger.record(
    {
      ...described,
      actor: origin.actor,
      correlationId: origin.correlationId,
      dryRun: false,
      outcome: 'pending',
      details: {
        ...(isObject(described.details) ? described.details : {}),
        approval: { approvalId, needs, required: deps.policy.required, expiresAt: deadline, approve },
        ...(origin.approval ? { replans: origin.approval.approvalId } : {}),
      },
    },
    approvalId,
  );
  return {
    held: true,
    approvalId,
    status: 'pending',
    action: governed.action,
    target: described.target,
    needs,
    required: deps.policy.required,
    expiresAt: deadline,
    before: described.before,
    after: described.after,
    approve,
    reject: `runbook reject ${approvalId}`,
    notified,
    ...(origin.approval ? { replans: origin.approval.approvalId } : {}),
    [HTTP_STATUS]: 202,
  };
}

/**
 * The answer to a repeated ask: the open request for the same plan (its plan is this one, by its key). A
 * different principal asking gets it too, and may approve it: they are not its requester, and approving it is
 * a signed act of its own, of a plan identical to the one they asked for; refusing them would leave the request
 * one approver short for having agreed with it. The requester alone still cannot approve their own request.
 */
function alreadyPending<P extends GovernedPlan>(governed: Governed<P>, plan: P, open: OpenRequest): Held {
  const described = governed.describe(plan);
  const { origin } = plan;
  return {
    held: true,
    approvalId: open.approvalId,
    status: 'pending',
    action: governed.action,
    target: described.target,
    needs: open.needs,
    required: open.required,
    expiresAt: open.deadline,
    before: described.before,
    after: described.after,
    approve: approveCommand(open.approvalId),
    reject: `runbook reject ${open.approvalId}`,
    notified: false,
    ...(origin.approval ? { replans: origin.approval.approvalId } : {}),
    existing: true,
    requester: open.requester,
    [HTTP_STATUS]: 202,
  };
}

/** An audit entry with what governed it: the approval that let it through, or the break-glass reason. */
export function governedEntry(
  entry: AuditEntry,
  origin: Origin,
  breakGlass?: { reason: string },
): AuditEntry {
  return {
    ...entry,
    ...(origin.approval
      ? { approval: { approvalId: origin.approval.approvalId, approvedBy: origin.approval.approvedBy } }
      : {}),
    ...(breakGlass ? { breakGlass } : {}),
  };
}

/** The caller's answer with what governed the run: the approval that let it through, or the break-glass reason. */
export function governedResult<R extends object>(
  result: R,
  origin: Origin,
  breakGlass?: { reason: string },
): R {
  const { approval } = governedEntry({} as AuditEntry, origin, breakGlass);
  return { ...result, ...(approval ? { approval } : {}), ...(breakGlass ? { breakGlass } : {}) };
}

/**
 * An action behind the approval gate: the same steps, a `hold` after the plan (held when the policy says it
 * needs approval), and a record and answer that say who approved it or that it was break-glass.
 */
export function governAction<D extends ActionDeps, Q, P extends Planned & GovernedPlan, O, R extends object>(
  action: Action<D, Q, P, O, R>,
  governed: Governed<P>,
  /** The action's own record of a step (one entry). */
  entry: (step: Step<P, O>) => AuditEntry,
): Action<D & ApprovalDeps, Q, P, O, R | Held> {
  return {
    ...action,
    hold: (deps, plan) => holdForApproval(governed, deps, plan),
    entry: (step) => governedEntry(entry(step), step.plan.origin, step.plan.request.breakGlass),
    result: (step, receipt) =>
      governedResult(action.result(step, receipt), step.plan.origin, step.plan.request.breakGlass),
  };
}
