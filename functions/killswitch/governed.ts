// The kill switch's disable as the API and the approval flow run it (issue 18): the same action, with the
// approval gate. A disable needs approval when the deployment says so (ApprovalFor: by default in prod, the
// disable and the throttle); then it is recorded as pending with its plan — every schedule it would stop, paged
// like any long list — and answered 202. An alarm's disable never waits; break-glass acts alone, recorded as such.
// The enable and status never need approval: they put back what was there, or read.
import { createHash } from 'node:crypto';
import { runAction } from '../../shared/action.js';
import { type ApprovalDeps, type Governed, governAction } from '../../shared/approval/hold.js';
import type { Origin } from '../../shared/origin.js';
import { disableAction, killSwitch, paced } from './killswitch.js';
import { disableEntry } from './record.js';
import type { KillSwitchRequest } from './schema.js';
import type { DisablePlan, KillSwitchDeps } from './types.js';

/** What the plan read of each schedule it would stop: a fresh plan that reads otherwise is stale. */
const readOf = (plan: DisablePlan) =>
  plan.toDisable.map((item) => ({ schedule: item.key, state: item.definition.State ?? 'ENABLED' }));

/** The schedules' definitions as read, in one digest: an edit of any field makes the plan stale. */
const digestOf = (plan: DisablePlan) =>
  createHash('sha256')
    .update(JSON.stringify(plan.toDisable.map((item) => item.definition)))
    .digest('hex');

export const disableGoverned: Governed<DisablePlan> = {
  action: 'schedules.disable',
  route: 'POST /schedules/disable (runbook schedules disable … --stack NAME)',
  needs(plan, policy) {
    const needs: string[] = [];
    if (policy.actions.has('schedules.disable'))
      needs.push('this deployment approves every kill switch disable (ApprovalFor)');
    if (plan.request.throttle && policy.actions.has('killswitch.throttle'))
      needs.push(`this deployment approves every throttle (ApprovalFor): ${plan.request.functionName} to 0`);
    return needs;
  },
  describe: (plan) => ({
    action: 'schedules.disable',
    reason: plan.request.reason ?? '',
    target: `schedules:${plan.key}`,
    request: plan.request,
    // Bounded whatever the number of schedules: the count and a digest here, the list in details (paged).
    before: {
      schedules: plan.toDisable.length,
      definitions: digestOf(plan),
      ...(plan.throttlePrevious !== undefined
        ? { function: plan.request.functionName, reservedConcurrency: plan.throttlePrevious }
        : {}),
    },
    after: {
      disabled: plan.toDisable.length,
      state: 'DISABLED',
      ...(plan.request.throttle ? { function: plan.request.functionName, reservedConcurrency: 0 } : {}),
    },
    details: { selector: plan.selector, schedules: readOf(plan) },
    ...(plan.selector.scope !== undefined ? { scope: plan.selector.scope } : {}),
  }),
};

const governedDisableAction = governAction(disableAction, disableGoverned, disableEntry);

/** One kill-switch request through the approval gate: only a disable can be held. */
export function governedKillSwitch(
  deps: KillSwitchDeps & ApprovalDeps,
  request: KillSwitchRequest,
  origin: Origin,
) {
  if (request.action !== 'disable') return killSwitch(deps, request, origin);
  const governed = { ...paced(deps), approvals: deps.approvals, policy: deps.policy };
  return runAction(governedDisableAction, governed, { request, origin });
}
