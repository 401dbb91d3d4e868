// Approving, rejecting and reading an approval request (issue 18, point 2). The approver is the SigV4 principal
// of the API call, never a field. Each vote is a conditional update of the request's state (so concurrent votes
// all count and only one carries the plan out) and an audit record of its own. When enough distinct principals
// other than the requester have approved, the stored plan is carried out by its action through the approval
// gate: a fresh plan that reads the estate otherwise is not executed but recorded as a new pending request.

import {
  type ApprovalStatus,
  approveCommand,
  enoughApprovals,
  isExpired,
  StalePlanError,
  voteProblem,
} from '../../shared/approval/decide.js';
import type { Held } from '../../shared/approval/hold.js';
import type { ApprovalState, ApprovalStore } from '../../shared/approval/store.js';
import type { AuditLedger } from '../../shared/audit.js';
import {
  ConfigurationError,
  ConflictError,
  DependencyError,
  describe,
  type RunbookError,
} from '../../shared/errors.js';
import { HTTP_STATUS } from '../../shared/middleware/doors.js';
import type { Origin } from '../../shared/origin.js';

export { StalePlanError };

/** Carries out a stored request of one action: its answer, or Held when the fresh plan went stale. */
export type Executor = (request: unknown, origin: Origin) => Promise<object>;

export interface ApprovalsDeps {
  approvals: Pick<ApprovalStore, 'get' | 'approve' | 'settle'>;
  ledger: Pick<AuditLedger, 'record' | 'get'>;
  now(): Date;
  executors: Readonly<Record<string, Executor>>;
  /**
   * The actions whose approved run is carried out off the API call (later.ts), and how it is queued: undefined
   * `send` when this deployment has no queue for it (then those actions are refused before any vote counts).
   */
  later?: { actions: ReadonlySet<string>; send?: (approvalId: string) => Promise<void> };
}

export interface Voter {
  principal: string;
  correlationId: string;
  reason?: string;
}

/** The refusal of an approved plan gone stale (409 StalePlan), naming the new request and its approve command. */
export const staleError = (approvalId: string, held: Held) =>
  new StalePlanError(
    `the estate changed since approval ${approvalId} was planned: it was not carried out; re-planned as ${held.approvalId}, which needs ${held.required} approval(s) again (${held.approve})`,
    held.approvalId,
    held.approve,
  );

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
    ...(state.replannedAs
      ? { replannedAs: state.replannedAs, approve: approveCommand(state.replannedAs) }
      : {}),
    ...(state.resultAuditId ? { resultAuditId: state.resultAuditId } : {}),
    ...(state.error ? { why: state.error } : {}),
    ...(state.resultJson ? { result: JSON.parse(state.resultJson) as object } : {}),
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
  const later = deps.later?.actions.has(state.forAction) ? deps.later.send : false;
  // Refused before the vote counts: a request approved but never queued would wait for nothing.
  if (later === undefined)
    throw new ConfigurationError(
      `approval ${approvalId}: ${state.forAction} is carried out off the API call, through the approved-run queue (APPROVED_RUN_QUEUE_URL), which this deployment does not set`,
    );
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
  if (later) return queueRun(deps, claimed, later);
  const carried = await carryOut(deps, claimed, 'approved', voter.correlationId);
  if ('held' in carried) throw staleError(approvalId, carried.held);
  return { ...view(carried.state, deps.now()), result: carried.result };
}

/**
 * An approved request whose run may take longer than an API call (later.ts): one message naming it on the
 * approved-run queue, and 202 — approved, being carried out, and how to follow it. Should the message not be
 * sent, the request fails (said in its state) rather than waiting as approved for a run that never comes.
 */
async function queueRun(
  deps: ApprovalsDeps,
  state: ApprovalState,
  send: (approvalId: string) => Promise<void>,
) {
  const { approvalId } = state;
  try {
    await send(approvalId);
  } catch (error) {
    await deps.approvals.settle(approvalId, 'approved', 'failed', {
      error: `its run could not be queued: ${describe(error)}`,
    });
    throw new DependencyError(
      `approval ${approvalId} was approved but its run could not be queued (${describe(error)}): nothing was changed; ask again`,
      error,
    );
  }
  const follow = `runbook approval ${approvalId}`;
  return {
    ...view(state, deps.now()),
    carrying: true as const,
    message: `approved: ${state.forAction} is being carried out off this call (it may take minutes); follow it with ${follow}`,
    follow,
    [HTTP_STATUS]: 202 as const,
  };
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
    reason: voter.reason ?? `${vote === 'approve' ? 'approved' : 'rejected'} ${state.approvalId}`,
    target: state.forTarget,
    request: { approvalId: state.approvalId, action: state.forAction },
    before: { status: 'pending', approvals: vote === 'approve' ? state.votes - 1 : state.votes },
    after: { status: state.status, approvals: state.votes, required: state.required },
    dryRun: false,
    outcome: 'succeeded',
    correlationId: voter.correlationId,
  });
}

/**
 * Whether the run's own record says it failed (a fleet run that changed no workload), and it does not go on
 * (a fleet part that queued its continuation has not finished): such a run is not carried out as approved.
 */
async function runFailed(deps: ApprovalsDeps, auditId: string, result: object): Promise<boolean> {
  if ((result as { continuation?: { queued?: unknown } }).continuation?.queued === true) return false;
  return (await deps.ledger.get(auditId))?.outcome === 'failed';
}

/** What carrying an approved plan out came to: its run's answer, or the new request of a plan gone stale. */
export type CarriedOut = { state: ApprovalState; result: object } | { state: ApprovalState; held: Held };

/** The most of a run's answer kept in the request's state for `runbook approval ID` (an item holds 400 KB). */
const KEPT_RESULT_CHARS = 32_000;

/**
 * The approved plan, carried out by its action as the requester, with the approvers named in its record; the
 * request settled from `from` (approved, or executing once a queued run claimed it) to executed, stale or
 * failed. `keep`: the answer is kept in the state, for whoever follows a run carried out off the API call.
 */
export async function carryOut(
  deps: ApprovalsDeps,
  state: ApprovalState,
  from: 'approved' | 'executing',
  correlationId: string,
  keep = false,
): Promise<CarriedOut> {
  const { approvalId } = state;
  const settle = async (to: ApprovalStatus, extra: Record<string, string> = {}) =>
    (await deps.approvals.settle(approvalId, from, to, extra)) ?? { ...state, ...extra, status: to };
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
  if (isHeld(result))
    return { state: await settle('stale', { replannedAs: result.approvalId }), held: result };
  const auditId = (result as { auditId?: unknown }).auditId;
  const json = keep ? JSON.stringify(result) : '';
  const failed = typeof auditId === 'string' && (await runFailed(deps, auditId, result));
  const done = await settle(failed ? 'failed' : 'executed', {
    ...(failed ? { error: `the run failed: its record ${auditId} says what it did and did not do` } : {}),
    ...(typeof auditId === 'string' ? { resultAuditId: auditId } : {}),
    ...(json && json.length <= KEPT_RESULT_CHARS ? { resultJson: json } : {}),
  });
  return { state: done, result };
}
