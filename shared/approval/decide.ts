// The pure decisions of an approval: who may approve, whether a request has expired, whether its plan went
// stale, whether enough have approved. Each rule is tested on its own (test/unit/approval-decide.test.ts).
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, ForbiddenError, type RunbookError } from '../errors.js';

export type ApprovalStatus = 'pending' | 'approved' | 'executed' | 'rejected' | 'stale' | 'failed';

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
    const more = view.replannedAs ? `: re-planned as ${view.replannedAs}, approve that one` : '';
    return new ConflictError(`approval ${view.approvalId} is ${view.status}, not pending${more}`, 'id');
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
