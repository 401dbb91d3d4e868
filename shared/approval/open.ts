// When two asks are "the same thing" (issue 18): a retry, a second engineer, a CLI re-run after a timeout must
// find the pending request already there, not open a second one needing its own M approvals. The gate keys each
// open request by a digest of what it would carry out, and claims that key with a conditional write (store.ts
// `create`), so two asks at the same instant make one request.
//
// The same thing is:
// - the same action (`dlq.drain`) and the same target (`queue:orders-dlq`);
// - the same effective request: the request as the pending record keeps it, the one that would be carried out
//   (a drain's maxMessages already pinned to the planned limit), every field but `reason`. The reason says why,
//   not what: two people asking for the same drain in the same incident word it differently, and approvers
//   approve what would be done. The first ask's reason is the request's; a repeat is answered, not recorded;
// - the same plan `before`: what the plan read of the estate. If the estate changed (a message arrived, a
//   schedule was edited), the plan is a different one and is asked for on its own, as a stale plan would be.
// The requester is not part of it: a second principal asking for the same thing is answered with the first
// one's request (see hold.ts on whether they may approve it).
import { createHash } from 'node:crypto';
import { isObject } from '../validate.js';

/** The audit-table key of the open request for this plan: `approval-open#<sha256>`. */
export function openKeyOf(
  action: string,
  described: { target: string; request: unknown; before: unknown },
): string {
  const { reason: _why, ...request } = isObject(described.request)
    ? described.request
    : { request: described.request };
  const what = canonical({ action, target: described.target, request, before: described.before ?? null });
  return `approval-open#${createHash('sha256').update(what).digest('hex')}`;
}

/** JSON with every object's keys sorted, and undefined fields dropped as JSON drops them. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    isObject(item)
      ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : item,
  );
}
