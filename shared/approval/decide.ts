// The pure decisions of an approval: who may approve, whether a request has expired, whether its plan went
// stale, whether enough have approved. Each rule is tested on its own (test/unit/approval-decide.test.ts).
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, type ErrorBody, ForbiddenError, RunbookError } from '../errors.js';

/**
 * `approved`: enough approvals, not yet carried out (an action carried out later, off the API call, waits here for
 * its queued run); `executing`: claimed by that run, once (functions/approvals/later.ts).
 */
export type ApprovalStatus =
  | 'pending'
  | 'approved'
  | 'executing'
  | 'executed'
  | 'rejected'
  | 'stale'
  | 'failed';

/** What a vote needs to know of a request. */
export interface VoteView {
  approvalId: string;
  status: ApprovalStatus;
  requester: string;
  /** ISO-8601: after this it cannot be approved. */
  deadline: string;
  approvers: Readonly<Record<string, unknown>>;
  replannedAs?: string;
}

export const isExpired = (view: Pick<VoteView, 'deadline'>, now: Date) =>
  now.getTime() >= Date.parse(view.deadline);

/**
 * Why `principal` may not approve (or reject) this request now, or undefined. The requester cannot approve their
 * own request (they may withdraw it with a reject); a principal approves once; an expired or settled request
 * takes no vote.
 */
export function voteProblem(
  view: VoteView,
  principal: string,
  vote: 'approve' | 'reject',
  now: Date,
): RunbookError | undefined {
  if (view.status !== 'pending') {
    if (view.replannedAs)
      return new StalePlanError(
        `approval ${view.approvalId} is ${view.status}, not pending: re-planned as ${view.replannedAs}, approve that one (${approveCommand(view.replannedAs)})`,
        view.replannedAs,
      );
    return new ConflictError(`approval ${view.approvalId} is ${view.status}, not pending`, 'id');
  }
  if (isExpired(view, now)) {
    return new ConflictError(
      `approval ${view.approvalId} expired at ${view.deadline}: ask again (the request is re-planned)`,
      'id',
    );
  }
  if (vote === 'reject') return undefined;
  if (principal === view.requester) {
    return new ForbiddenError(
      `${principal} asked for approval ${view.approvalId} and cannot approve it: another principal must`,
    );
  }
  if (Object.hasOwn(view.approvers, principal)) {
    return new ConflictError(`${principal} has already approved ${view.approvalId}`, 'id');
  }
  return undefined;
}

/** The command that approves a request, as the gate writes it (shared/approval/hold.ts). */
export const approveCommand = (approvalId: string) => `runbook approve ${approvalId}`;

/**
 * A plan approved but stale (409, code StalePlan): not carried out, re-planned as a new pending request, named
 * with the command that approves it — in the message and as `approve`, which the CLI gives the door the
 * approver used (cli/transport.ts heldThrough) so that it works as printed.
 */
export class StalePlanError extends RunbookError {
  readonly replannedAs: string;
  readonly approve: string;
  constructor(message: string, replannedAs: string, approve = approveCommand(replannedAs)) {
    super(message, { statusCode: 409, code: 'StalePlan', field: 'id' });
    this.replannedAs = replannedAs;
    this.approve = approve;
  }

  override toBody(): ErrorBody & { replannedAs: string; approve: string } {
    return { ...super.toBody(), replannedAs: this.replannedAs, approve: this.approve };
  }
}

/** Whether the approvals so far are enough: `required` distinct principals, none of them the requester. */
export function enoughApprovals(view: Pick<VoteView, 'requester' | 'approvers'>, required: number): boolean {
  return Object.keys(view.approvers).filter((principal) => principal !== view.requester).length >= required;
}

/**
 * Whether the estate changed since the plan: what the approved plan read (`planned`) differs from what a fresh
 * plan reads now. A stale plan is never carried out: it is re-planned and asked for again.
 */
export const isStale = (planned: unknown, current: unknown) =>
  !isDeepStrictEqual(normal(planned), normal(current));

/** As the ledger keeps it: JSON, so an undefined field and a missing one compare equal. */
const normal = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));
