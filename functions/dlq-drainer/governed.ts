// The drain as the API and the approval flow run it (issue 18): the same action (drain.ts), with the approval
// gate. A drain needs approval when the deployment marks every drain (ApprovalFor), when it may redrive more
// than ApprovalDrainAbove messages, or, asked through the API, when a freeze is in force; then it is recorded as
// pending with its plan and answered 202. Break-glass acts alone (through a freeze too), recorded as such.
import { runAction } from '../../shared/action.js';
import { type ApprovalDeps, type Governed, governAction, type Held } from '../../shared/approval/hold.js';
import { freezeOfRequest } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { drainAction } from './drain.js';
import { drainEntry } from './record.js';
import type { DrainRequest } from './schema.js';
import type { DrainDeps, DrainPlan, DrainResult, Mode } from './types.js';

export const drainGoverned: Governed<DrainPlan> = {
  action: 'dlq.drain',
  route: 'POST /dlq/drain (runbook dlq drain … --stack NAME)',
  needs(plan, policy) {
    const needs: string[] = [];
    if (plan.frozen) needs.push(plan.frozen);
    if (policy.actions.has('dlq.drain')) needs.push('this deployment approves every drain (ApprovalFor)');
    const upTo = Math.min(plan.atStart, plan.limit);
    if (upTo > policy.drainAbove)
      needs.push(`a drain of up to ${upTo} messages is above ApprovalDrainAbove (${policy.drainAbove})`);
    return needs;
  },
  describe: (plan) => ({
    action: 'dlq.drain',
    reason: plan.request.reason,
    target: `queue:${plan.queueName}`,
    // Pinned to what was planned: carried out once approved, this request drains exactly this many at most.
    request: { ...plan.request, maxMessages: plan.limit },
    before: {
      queueUrl: plan.queueUrl,
      approximateMessages: plan.atStart,
      ...(plan.targetUrl ? { targetUrl: plan.targetUrl } : {}),
    },
    after: { queueUrl: plan.queueUrl, approximateMessages: Math.max(0, plan.atStart - plan.limit) },
    details: { mode: plan.mode, ratePerSecond: plan.ratePerSecond, maxAgeSeconds: plan.maxAgeMs / 1000 },
  }),
};

const governedDrainAction = governAction(drainAction, drainGoverned, drainEntry);

/**
 * A drain through the approval gate. An approved one (origin.approval) and a break-glass one pass a freeze:
 * the FreezeGuard override says which approval let it through.
 */
export function governedDrain(
  deps: DrainDeps & ApprovalDeps,
  request: DrainRequest,
  origin: Origin,
  mode: Mode = 'drain',
): Promise<DrainResult | Held> {
  const governed = { ...deps, ...freezeOfRequest(deps.freeze, origin, request.breakGlass) };
  return runAction(governedDrainAction, governed, { request, origin, mode });
}
