// Approving, rejecting and reading an approval request (issue 18, point 2). The approver is the SigV4 principal
// of the API call, never a field. Each vote is a conditional update of the request's state (so concurrent votes
// all count and only one carries the plan out) and an audit record of its own. When enough distinct principals
// other than the requester have approved, the stored plan is carried out by its action through the approval
// gate: a fresh plan that reads the estate otherwise is not executed but recorded as a new pending request.

import {
  type ApprovalStatus,
  enoughApprovals,
  isExpired,
  voteProblem,
} from '../../shared/approval/decide.js';
import type { Held } from '../../shared/approval/hold.js';
import type { ApprovalState, ApprovalStore } from '../../shared/approval/store.js';
import type { AuditLedger } from '../../shared/audit.js';
import {
  ConfigurationError,
  ConflictError,
  describe,
  type ErrorBody,
  RunbookError,
} from '../../shared/errors.js';
import type { Origin } from '../../shared/origin.js';

/** Carries out a stored request of one action: its answer, or Held when the fresh plan went stale. */
export type Executor = (request: unknown, origin: Origin) => Promise<object>;

export interface ApprovalsDeps {
  approvals: Pick<ApprovalStore, 'get' | 'approve' | 'settle'>;
  ledger: Pick<AuditLedger, 'record' | 'get'>;
  now(): Date;
  executors: Readonly<Record<string, Executor>>;
}

export interface Voter {
  principal: string;
  correlationId: string;
  reason?: string;
}

/**
 * A plan approved but stale: refused (409), and the new pending request named with the command that approves
 * it — the held answer's own (`runbook approve ID --reason "…"`), in the message and as `approve`, which the
 * CLI gives the door the approver used (cli/transport.ts heldThrough) so that it works as printed.
 */
export class StalePlanError extends RunbookError {
  readonly replannedAs: string;
  readonly approve: string;
  constructor(approvalId: string, held: Held) {
    super(
      `the estate changed since approval ${approvalId} was planned: it was not carried out; re-planned as ${held.approvalId}, which needs ${held.required} approval(s) again (${held.approve})`,
      { statusCode: 409, code: 'StalePlan', field: 'id' },
    );
    this.replannedAs = held.approvalId;
    this.approve = held.approve;
  }

  override toBody(): ErrorBody & { replannedAs: string; approve: string } {
    return { ...super.toBody(), replannedAs: this.replannedAs, approve: this.approve };
  }
}

const isHeld = (value: object): value is Held => (value as Partial<Held>).held === true;

/** What an approval request answers: its state, without the approvers' map keys hidden in it. */
function view(state: ApprovalState, now: Date) {
  return {
    approvalId: state.approvalId,
    status: state.status === 'pending' && isExpired(state, now) ? ('expired' as const) : state.status,
    action: state.forAction,
    target: state.forTarget,
    requester: state.requester,
    needs: state.needs,
    required: state.required,
    approvedBy: Object.keys(state.approvers),
    expiresAt: state.deadline,
    ...(state.rejectedBy ? { rejectedBy: state.rejectedBy } : {}),
    ...(state.replannedAs ? { replannedAs: state.replannedAs } : {}),
    ...(state.resultAuditId ? { resultAuditId: state.resultAuditId } : {}),
  };
}

/** GET /approvals/{id}: the request's state and its plan (what it would change). */
export async function approvalStatus(deps: ApprovalsDeps, approvalId: string) {
  const state = await deps.approvals.get(approvalId);
  const record = await deps.ledger.get(approvalId);
  return {
    ...view(state, deps.now()),
    plan: record ? { request: record.request, before: record.before, after: record.after } : undefined,
  };
}

export async function approve(deps: ApprovalsDeps, approvalId: string, voter: Voter) {
  const now = deps.now();
  const state = await deps.approvals.get(approvalId);
  const problem = voteProblem(state, voter.principal, 'approve', now);
  if (problem) throw problem;
  const voted = await deps.approvals.approve(approvalId, voter.principal, {
    at: now.toISOString(),
    ...(voter.reason ? { reason: voter.reason } : {}),
  });
  if (!voted) throw await whyNot(deps, approvalId, voter.principal, 'approve', now);
  await recordVote(deps, voted, voter, 'approve');
  if (!enoughApprovals(voted, voted.required)) return view(voted, now);
  // One vote carries the plan out: the one whose update moves the request from pending to approved.
  const claimed = await deps.approvals.settle(approvalId, 'pending', 'approved');
  if (!claimed) return view(await deps.approvals.get(approvalId), now);
  return carryOut(deps, claimed, voter.correlationId);
}

export async function reject(deps: ApprovalsDeps, approvalId: string, voter: Voter) {
  const now = deps.now();
  const state = await deps.approvals.get(approvalId);
  const problem = voteProblem(state, voter.principal, 'reject', now);
  if (problem) throw problem;
  const settled = await deps.approvals.settle(approvalId, 'pending', 'rejected', {
    rejectedBy: voter.principal,
  });
  if (!settled) throw await whyNot(deps, approvalId, voter.principal, 'reject', now);
  await recordVote(deps, settled, voter, 'reject');
  return view(settled, now);
}

async function whyNot(
  deps: ApprovalsDeps,
  approvalId: string,
  principal: string,
  vote: 'approve' | 'reject',
  now: Date,
): Promise<RunbookError> {
  const state = await deps.approvals.get(approvalId);
  return (
    voteProblem(state, principal, vote, now) ??
    new ConflictError(`approval ${approvalId} changed while you voted: try again`, 'id')
  );
}

async function recordVote(
  deps: ApprovalsDeps,
  state: ApprovalState,
  voter: Voter,
  vote: 'approve' | 'reject',
) {
  await deps.ledger.record({
    action: `approval.${vote}`,
    actor: voter.principal,
    reason: voter.reason ?? `${vote}d ${state.approvalId}`,
    target: state.forTarget,
    request: { approvalId: state.approvalId, action: state.forAction },
    before: { status: 'pending', approvals: vote === 'approve' ? state.votes - 1 : state.votes },
    after: { status: state.status, approvals: state.votes, required: state.required },
    dryRun: false,
    outcome: 'succeeded',
    correlationId: voter.correlationId,
  });
}

/** The approved plan, carried out by its action as the requester, with the approvers named in its record. */
async function carryOut(deps: ApprovalsDeps, state: ApprovalState, correlationId: string) {
  const { approvalId } = state;
  const settle = (to: ApprovalStatus, extra: Record<string, string> = {}) =>
    deps.approvals.settle(approvalId, 'approved', to, extra);
  const record = await deps.ledger.get(approvalId, { expand: true });
  const executor = deps.executors[state.forAction];
  if (!record || !executor) {
    await settle('failed', {
      error: record ? `no executor for ${state.forAction}` : 'the request record is missing',
    });
    throw new ConfigurationError(`approval ${approvalId}: cannot carry out ${state.forAction}`);
  }
  const approvedBy = Object.keys(state.approvers);
  const origin: Origin = {
    door: 'api',
    actor: state.requester,
    correlationId,
    approval: { approvalId, approvedBy, before: record.before },
  };
  let result: object;
  try {
    result = await executor(record.request, origin);
  } catch (error) {
    await settle('failed', { error: describe(error) });
    throw error;
  }
  if (isHeld(result)) {
    await settle('stale', { replannedAs: result.approvalId });
    throw new StalePlanError(approvalId, result);
  }
  const auditId = (result as { auditId?: unknown }).auditId;
  const done = await settle('executed', typeof auditId === 'string' ? { resultAuditId: auditId } : {});
  return { ...view(done ?? { ...state, status: 'executed' }, deps.now()), result };
}
