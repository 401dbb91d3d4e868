// The revocation of the previous key as the API, direct invocations and the approval flow run it (issue 18):
// the same action (revoke.ts), with the approval gate. An emergency revocation — inside the grace period, so
// clients still on the key break at once — needs approval when the deployment lists `secret.revoke`
// (ApprovalFor; `auto` does in prod); asked through the API during a freeze it needs approval too. Then it is
// recorded as pending with its plan (the stages read, the version and key id it would revoke) and answered 202.
// A revocation after the grace period and the daily sweep never wait; break-glass acts alone, recorded as such.
import { runAction } from '../../shared/action.js';
import { type ApprovalDeps, type Governed, governAction, type Held } from '../../shared/approval/hold.js';
import { freezeOfRequest } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { type RevokePlan, type RevokeResult, revokeAction, revokeEntry } from './revoke.js';
import type { RevokePreviousRequest } from './schema.js';
import type { RotationDeps, Stages } from './types.js';

/** The stages as read, each version's labels sorted: a fresh plan compares equal unless a stage moved. */
const sortedStages = (stages: Stages): Stages =>
  Object.fromEntries(
    Object.entries(stages)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([id, labels]) => [id, [...labels].sort()]),
  );

export const revokeGoverned: Governed<RevokePlan> = {
  action: 'secret.revoke',
  route: 'POST /secret/revoke-previous (runbook secret revoke-previous … --stack NAME)',
  needs(plan, policy) {
    const needs: string[] = [];
    if (plan.frozen) needs.push(plan.frozen);
    // The sweep never sets `emergency` (the schema refuses both), so it never gets here with `early`.
    if (plan.early && policy.actions.has('secret.revoke'))
      needs.push(
        `this deployment approves every emergency key revocation (ApprovalFor): key ${plan.what.apiKeyId} is in its grace period until ${plan.early.graceUntil}`,
      );
    return needs;
  },
  describe: (plan) => ({
    action: 'secret.revokePrevious',
    reason: plan.request.reason,
    target: `secret:${plan.name}`,
    request: plan.request,
    // What a fresh plan must read again for the approval to hold: another rotation moves the stages, and the
    // key on AWSPREVIOUS is then another one.
    before: { stages: sortedStages(plan.stages), ...plan.what },
    after: { ...plan.what, revoked: true },
    details: {
      secretArn: plan.arn,
      emergency: plan.request.emergency,
      ...(plan.early ? { graceUntil: plan.early.graceUntil } : {}),
    },
  }),
};

const governedRevokeAction = governAction(revokeAction, revokeGoverned, revokeEntry);

/**
 * A revocation through the approval gate. An approved one (origin.approval) and a break-glass one pass a
 * freeze: the FreezeGuard override says which approval let it through.
 */
export function governedRevoke(
  deps: RotationDeps & ApprovalDeps,
  request: RevokePreviousRequest,
  origin: Origin,
): Promise<RevokeResult | Held> {
  const governed = { ...deps, ...freezeOfRequest(deps.freeze, origin, request.breakGlass) };
  return runAction(governedRevokeAction, governed, { request, origin });
}
