// Which requests need M-of-N approval, how many approvers and for how long: the deployment's choice, read from
// its environment (template.yaml: ApprovalFor, ApprovalsRequired, ApprovalTtlMinutes, ApprovalDrainAbove).
// Never a rollback: it must stay one command.
import * as z from 'zod';
import { intSetting, parseSettings } from '../env.js';

/**
 * The actions a deployment may mark as needing approval. A rollback is not one, by design. `secret.revoke` is
 * an emergency revocation of the previous key (inside its grace period): one after the grace period, and the
 * daily sweep, never wait.
 */
export const APPROVABLE = ['schedules.disable', 'killswitch.throttle', 'dlq.drain', 'secret.revoke'] as const;
export type Approvable = (typeof APPROVABLE)[number];

/**
 * `auto`: in prod the kill switch (disable and throttle) and an emergency key revocation; elsewhere none. A
 * revocation breaks every client still on the key, mid-trading-run in prod; in dev the keys are test keys, and
 * a gate there would only teach break-glass.
 */
const PROD_DEFAULT: readonly Approvable[] = ['schedules.disable', 'killswitch.throttle', 'secret.revoke'];

export interface ApprovalPolicy {
  /** Actions that always need approval (a drain also needs it above `drainAbove`, and anything in a freeze). */
  actions: ReadonlySet<Approvable>;
  /** Distinct approvers needed, the requester never one of them. */
  required: number;
  ttlMinutes: number;
  /** A drain that may redrive more than this many messages needs approval. */
  drainAbove: number;
}

const schema = z.object({
  APPROVAL_FOR: z.string().default('auto'),
  APPROVALS_REQUIRED: intSetting(2, 1, 10),
  APPROVAL_TTL_MINUTES: intSetting(30, 1, 1440),
  APPROVAL_DRAIN_ABOVE: intSetting(1000, 0, 1_000_000),
  RUNBOOK_ENV: z.string().default('dev'),
});

/** The policy from the environment; a bad setting is a deployment error naming the variable. */
export function approvalPolicy(env: NodeJS.ProcessEnv = process.env): ApprovalPolicy {
  const settings = parseSettings(
    schema.superRefine((value, ctx) => {
      for (const name of listOf(value.APPROVAL_FOR)) {
        if (name !== 'auto' && name !== 'none' && !(APPROVABLE as readonly string[]).includes(name))
          ctx.addIssue({
            code: 'custom',
            path: ['APPROVAL_FOR'],
            message: `${JSON.stringify(name)} is not one of auto, none, ${APPROVABLE.join(', ')}`,
          });
      }
    }),
    'approval',
    env,
  );
  return {
    actions: new Set(actionsOf(settings.APPROVAL_FOR, settings.RUNBOOK_ENV)),
    required: settings.APPROVALS_REQUIRED,
    ttlMinutes: settings.APPROVAL_TTL_MINUTES,
    drainAbove: settings.APPROVAL_DRAIN_ABOVE,
  };
}

const listOf = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function actionsOf(value: string, environment: string): Approvable[] {
  const names = listOf(value);
  if (names.includes('none')) return [];
  if (names.length === 0 || names.includes('auto')) return environment === 'prod' ? [...PROD_DEFAULT] : [];
  return names as Approvable[];
}
