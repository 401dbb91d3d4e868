// The governance story of an action in the timeline (issue 18): a request held for approval (what it needs), each
// vote (who, approve or reject, how many so far), the run carried out once approved (its approvers named) and a
// break-glass action (the requester acted alone, and why). Read from the ledger's own fields (ledger.ts); turned
// into one line of plain text here, which every renderer escapes like any other ledger text.

/** What governed one ledger record, when anything did. */
export type Governance =
  | {
      kind: 'held';
      approvalId: string;
      needs: string[];
      required?: number;
      expiresAt?: string;
      /** The approved request whose plan went stale and that this one re-plans. */
      replans?: string;
    }
  | { kind: 'vote'; vote: 'approve' | 'reject'; approvalId: string; approvals?: number; required?: number }
  | {
      kind: 'approved';
      approvalId: string;
      approvedBy: string[];
      /** The approved run's own outcome: one that failed must not read as carried out. */
      outcome?: string;
    }
  | { kind: 'break-glass'; reason: string };

/** The fields of a ledger record the governance is read from (the projection ledger.ts asks for). */
export interface GovernedFields {
  action: string;
  outcome: string;
  auditId: string;
  request?: unknown;
  approval?: { approvalId?: unknown; approvedBy?: unknown };
  breakGlass?: { reason?: unknown };
  details?: { approval?: { needs?: unknown; required?: unknown; expiresAt?: unknown }; replans?: unknown };
  after?: { approvals?: unknown; required?: unknown };
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const count = (value: unknown) => (typeof value === 'number' ? value : undefined);
const texts = (value: unknown) =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
const defined = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as T;

export function governanceOf(record: GovernedFields): Governance | undefined {
  if (record.action === 'approval.approve' || record.action === 'approval.reject') {
    const approvalId = text((record.request as { approvalId?: unknown } | undefined)?.approvalId);
    return defined({
      kind: 'vote' as const,
      vote: record.action === 'approval.approve' ? ('approve' as const) : ('reject' as const),
      approvalId: approvalId ?? '?',
      approvals: count(record.after?.approvals),
      required: count(record.after?.required),
    });
  }
  if (record.breakGlass) return { kind: 'break-glass', reason: text(record.breakGlass.reason) ?? '' };
  const approvedBy = texts(record.approval?.approvedBy);
  if (record.approval)
    return {
      kind: 'approved',
      approvalId: text(record.approval.approvalId) ?? '?',
      approvedBy,
      outcome: record.outcome,
    };
  // A held request is its action's record, pending, under its own id (the approval id).
  if (record.outcome === 'pending')
    return defined({
      kind: 'held' as const,
      approvalId: record.auditId,
      needs: texts(record.details?.approval?.needs),
      required: count(record.details?.approval?.required),
      expiresAt: text(record.details?.approval?.expiresAt),
      replans: text(record.details?.replans),
    });
  return undefined;
}

/** One line a person reads: `HELD for approval …`, `APPROVED … (1 of 2)`, `approved by …`, `BREAK-GLASS: …`. */
export function governanceText(governance: Governance): string {
  switch (governance.kind) {
    case 'held': {
      const needed = governance.required === undefined ? '' : `: needs ${governance.required} approval(s)`;
      const why = governance.needs.length ? ` (${governance.needs.join('; ')})` : '';
      const until = governance.expiresAt ? `, until ${governance.expiresAt}` : '';
      const replans = governance.replans ? `; re-plans ${governance.replans}` : '';
      return `HELD for approval ${governance.approvalId}${needed}${why}${until}${replans}`;
    }
    case 'vote': {
      const tally =
        governance.approvals !== undefined && governance.required !== undefined
          ? ` (${governance.approvals} of ${governance.required})`
          : '';
      return governance.vote === 'approve'
        ? `APPROVED ${governance.approvalId}${tally}`
        : `REJECTED ${governance.approvalId}`;
    }
    case 'approved': {
      const by = `${governance.approvedBy.join(', ') || 'nobody recorded'} (approval ${governance.approvalId})`;
      // Only a run that did what was approved reads as carried out; a failed one says so.
      return governance.outcome === 'failed'
        ? `approved by ${by}, but FAILED: not carried out as approved`
        : `carried out as approved by ${by}`;
    }
    case 'break-glass':
      return `BREAK-GLASS, done alone: ${governance.reason}`;
  }
}
