// Change freezes as the functions enforce them: the windows from FREEZE_WINDOWS (a bad one is a deployment
// error naming the window and its field, before anything is read or changed), and the refusal — a 409 naming
// the window and when the freeze lifts. Rollback and the kill switch never ask: they reduce risk.
//
// A refused request changed nothing, so it is logged (INFO, with the window) and counted (FreezeRefusals), not
// written to the audit ledger: the ledger records what was done or attempted against the estate, and a
// client retrying into a freeze would otherwise fill it with non-events. (The pre-traffic hook is different:
// failing a deployment is an act, recorded as its hook always records.)
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ConfigurationError, ConflictError, SettingError } from '../errors.js';
import type { Log } from '../log.js';
import type { Origin } from '../origin.js';
import { type FreezeStatus, freezeStatus } from './status.js';
import { type FreezeWindow, type FreezeWindowError, readFreezeWindows } from './windows.js';

export const FREEZE_SETTING = 'FREEZE_WINDOWS';

/**
 * What lets a change through a freeze: an approval the approval flow (issue 18, point 2) has verified. Set only
 * by code that checked it — never read from a request body (every request schema is strict, so a body that
 * carries one is refused as an unknown field).
 */
export interface FreezeOverride {
  approvalId: string;
  approvedBy: readonly string[];
}

export interface FreezeGuard {
  windows: readonly FreezeWindow[];
  override?: FreezeOverride;
  /** FREEZE_WINDOWS could not be read: every change this guard checks is refused with this error. */
  problem?: ConfigurationError;
}

/**
 * The declared windows; malformed ones are a SettingError (a ConfigurationError shown to the caller) naming each
 * bad window and its field, FREEZE_WINDOWS[index].field.
 */
export function freezeWindows(env: NodeJS.ProcessEnv = process.env): FreezeWindow[] {
  const { windows, problems } = readFreezeWindows(env[FREEZE_SETTING]);
  if (problems.length > 0) throw freezeSettingError(problems);
  return windows;
}

/** The error that names every bad window of FREEZE_WINDOWS (`FREEZE_WINDOWS[1].end: …; FREEZE_WINDOWS[3].zone: …`). */
export const freezeSettingError = (problems: readonly FreezeWindowError[]): SettingError =>
  new SettingError(
    FREEZE_SETTING,
    problems.map((problem) => ({
      field: `${FREEZE_SETTING}[${problem.index}].${problem.part}`,
      message: problem.problem,
    })),
    problems[0],
  );

/**
 * What lets a governed request through a freeze: the approval it carries out, or the requester's break-glass
 * (recorded as such); undefined for an ordinary request.
 */
export function freezeOverrideOf(
  origin: Origin,
  breakGlass: { reason: string } | undefined,
): FreezeOverride | undefined {
  if (origin.approval)
    return { approvalId: origin.approval.approvalId, approvedBy: origin.approval.approvedBy };
  if (breakGlass) return { approvalId: `break-glass: ${breakGlass.reason}`, approvedBy: [origin.actor] };
  return undefined;
}

/**
 * A governed request's freeze settings: its guard with the override an approval or a break-glass gives, and
 * whether a freeze may hold it for approval instead of refusing it — only a signed request (the API door)
 * that has no override; a direct one during a freeze is refused as before.
 */
export function freezeOfRequest<G extends FreezeGuard | undefined>(
  freeze: G,
  origin: Origin,
  breakGlass: { reason: string } | undefined,
): { freeze: G; freezeNeedsApproval: boolean } {
  const override = freezeOverrideOf(origin, breakGlass);
  return {
    freeze: (freeze && override ? { ...freeze, override } : freeze) as G,
    freezeNeedsApproval: origin.door === 'api' && !override,
  };
}

/** The guard of a function that enforces freezes, from its environment (no override: the approval flow adds it). */
export const freezeGuard = (env: NodeJS.ProcessEnv = process.env): FreezeGuard => ({
  windows: freezeWindows(env),
});

/**
 * For a lifecycle hook, which must report rather than throw: the guard, or the sentence naming the bad window
 * (the hook reports Failed with it).
 */
export function freezeGuardOrProblem(
  env: NodeJS.ProcessEnv = process.env,
): { guard: FreezeGuard; problem?: undefined } | { guard?: undefined; problem: string } {
  try {
    return { guard: freezeGuard(env) };
  } catch (error) {
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The guard of a function that must still do what no freeze governs when FREEZE_WINDOWS is malformed (a rotation
 * whose new key is stored finishing, a peek or a dry run looking): the problem is kept, and refuses — fail
 * closed — every change the guard is asked about, naming the setting's mistakes.
 */
export function lenientFreezeGuard(env: NodeJS.ProcessEnv = process.env): FreezeGuard {
  try {
    return freezeGuard(env);
  } catch (error) {
    if (error instanceof ConfigurationError) return { windows: [], problem: error };
    throw error;
  }
}

/** A change refused because a freeze is in force: 409, naming the window and when the freeze lifts. */
export class FrozenError extends ConflictError {
  readonly status: FreezeStatus;
  constructor(what: string, status: FreezeStatus) {
    const names = status.active.map((item) => `[${item.index}] "${item.window}" (${item.reason})`).join(', ');
    super(
      `change freeze: ${what} is refused until ${status.untilAtLeast ? 'at least ' : ''}${status.until} by window ${names}; rollback and the kill switch are allowed, a dry run shows what it would do`,
    );
    this.status = status;
  }
}

export interface FreezeCheck {
  logger: Pick<Log, 'warn' | 'info'>;
  metrics?: {
    addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
  };
}

/**
 * The freeze status at `now`, or throws FrozenError when a window is in force and no approval overrides it.
 * `what` names the change for the message ("a drain of orders-dlq").
 *
 * @example
 * // in a plan step, before any call; a dry run skips it
 * if (!request.dryRun) refuseDuringFreeze(deps.freeze, deps.now(), `a drain of ${request.queue}`, deps);
 * // the approval flow lets an approved change through:
 * refuseDuringFreeze({ ...freezeGuard(), override: { approvalId, approvedBy } }, new Date(), what, deps);
 */
export function refuseDuringFreeze(
  guard: FreezeGuard,
  now: Date,
  what: string,
  deps: FreezeCheck,
): FreezeStatus {
  if (guard.problem) throw guard.problem;
  const status = freezeStatus(guard.windows, now);
  if (!status.frozen) return status;
  if (guard.override) {
    deps.logger.warn(`change freeze overridden by approval ${guard.override.approvalId}: ${what}`, {
      freeze: status.active,
      approvedBy: guard.override.approvedBy,
    });
    return status;
  }
  // INFO: the refusal is the caller's answer (a 409 naming the window), and counted; a person at the CLI reads it
  // there, not twice. An approval overriding a freeze stays a WARN: it is the exception a reviewer looks for.
  deps.logger.info(`change freeze: refused ${what}`, { freeze: status.active, until: status.until });
  deps.metrics?.addMetric('FreezeRefusals', MetricUnit.Count, 1);
  throw new FrozenError(what, status);
}
