import * as z from 'zod';
import { intSetting, listSetting, optionalSetting } from '../../shared/env.js';
import { DEFAULT_WRITE_BUDGET } from '../../shared/fleet/budget.js';
import { WORKLOAD_NAME } from '../../shared/fleet/workload.js';
import { breakGlassSchema, reasonSchema } from '../../shared/reason.js';

export const FLEET_ACTIONS = ['status', 'rollback', 'disable', 'enable', 'drain', 'undo'] as const;
export type FleetAction = (typeof FLEET_ACTIONS)[number];
/** The actions that change something: they need a reason, and write a fleet record. */
export const MUTATING: readonly FleetAction[] = ['rollback', 'disable', 'enable', 'drain', 'undo'];

/**
 * The fleet actions that may be held for approval (governed.ts). Never rollback (it must stay one command), nor
 * enable or undo: they put back what a disable or a rollback changed, which reduces risk.
 */
export const APPROVABLE_FLEET: readonly FleetAction[] = ['disable', 'drain'];

/** An audit id (shared/audit.ts newAuditId): `20261122T154501123Z-3fa9c2d1`. */
const AUDIT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;
const TAG_KEY = /^[\p{L}\p{N}\s_.:/=+\-@]{1,128}$/u;
const DURATION = /^(\d{1,5})([mhd])$/;
const MINUTES = { m: 1, h: 60, d: 1440 } as const;
/** A week: "what changed" further back is history, not an incident. */
const MAX_SINCE_MINUTES = 7 * 1440;

const deployedSince = z
  .string()
  .regex(DURATION, 'expected a window such as 30m, 2h or 1d')
  .transform((text, ctx) => {
    const [, count, unit] = DURATION.exec(text) ?? [];
    const minutes = Number(count) * MINUTES[unit as keyof typeof MINUTES];
    if (minutes < 1 || minutes > MAX_SINCE_MINUTES) {
      ctx.addIssue({ code: 'custom', message: 'must be from 1m to 7d' });
      return z.NEVER;
    }
    return minutes;
  });

/** One fleet request, whichever door it came through (direct, the API). */
export const fleetRequestSchema = z
  .strictObject({
    action: z.enum(FLEET_ACTIONS, { error: `action must be one of ${FLEET_ACTIONS.join(', ')}` }),
    workloads: z
      .array(z.string().regex(WORKLOAD_NAME, 'expected a workload name (lowercase letters, digits and -)'))
      .min(1, 'give at least one workload name')
      .max(1000)
      .optional(),
    tags: z
      .record(
        z.string().regex(TAG_KEY, 'expected a tag key'),
        z.string().max(256, 'a tag value is at most 256 characters'),
      )
      .refine((tags) => Object.keys(tags).length > 0, 'give at least one tag, e.g. { "team": "payments" }')
      .refine((tags) => Object.keys(tags).length <= 10, 'at most 10 tags')
      .optional(),
    all: z.boolean().optional(),
    deployedSince: deployedSince.optional(),
    accounts: z
      .array(z.string().regex(/^(\d{12}|self)$/, 'expected a 12-digit account id, or self'))
      .min(1)
      .max(100)
      .optional(),
    reason: reasonSchema.optional(),
    dryRun: z.boolean().default(false),
    /** rollback: past the cool-down (a person's decision, recorded). */
    force: z.boolean().default(false),
    /** rollback of one named workload to a named version (what a per-workload undo sends). */
    toVersion: z
      .union([z.string(), z.number()])
      .transform(String)
      .pipe(z.string().regex(/^[1-9][0-9]{0,9}$/, 'expected a published version number, e.g. "7"'))
      .optional(),
    /** disable: also set each workload's reserved concurrency to 0. */
    throttle: z.boolean().default(false),
    /**
     * disable, drain: act alone, without the approval the run would need (issue 18), recorded and notified as
     * break-glass on the fleet record and every workload's.
     */
    breakGlass: breakGlassSchema,
    /** undo: the fleet run to reverse; status: the fleet run to report on. */
    auditId: z
      .string()
      .regex(AUDIT_ID, 'expected the auditId of a fleet run, such as 20261122T154501123Z-3fa9c2d1')
      .optional(),
  })
  .superRefine((request, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const mutating = MUTATING.includes(request.action);
    if (mutating && request.reason === undefined)
      issue('reason', `reason is required: say why you ${request.action} these workloads`);
    if (request.action === 'undo' && request.auditId === undefined)
      issue('auditId', 'undo needs the auditId of the fleet run it reverses');
    if (request.action !== 'undo' && request.action !== 'status' && request.auditId !== undefined)
      issue('auditId', 'only undo and status take an auditId');
    if (request.toVersion !== undefined && (request.action !== 'rollback' || request.workloads?.length !== 1))
      issue(
        'toVersion',
        'toVersion rolls back one workload named in workloads: each workload has its own versions',
      );
    if (request.throttle && request.action !== 'disable') issue('throttle', 'only disable throttles');
    if (request.breakGlass && !APPROVABLE_FLEET.includes(request.action))
      issue('breakGlass', 'only disable and drain may need approval, so only they take breakGlass');
  });

/**
 * What only the runbook itself sets, never a door: the strict schema refuses these fields from the API and a
 * direct invocation, and an undo or a continuation adds them after parsing.
 */
export interface FleetInternal {
  /** enable, from an undo: exactly the kill switches the undone disable opened (Restore `enable`). */
  restoreIds?: string[];
}

export type FleetRequest = z.infer<typeof fleetRequestSchema> & FleetInternal;

/** The fleet function's configuration, from template.yaml. */
export const fleetConfigSchema = z.object({
  /** The watch list as inline JSON; overrides the bundled watchlist.json. */
  WATCH_LIST: optionalSetting,
  WATCH_TAG_DISCOVERY: z.preprocess(
    (value) => (value === '' || value === undefined ? 'true' : value),
    z.enum(['true', 'false'], { error: 'WATCH_TAG_DISCOVERY must be true or false' }),
  ),
  /** Control-plane writes per second per service and account, shared by every run (shared/fleet/budget.ts). */
  CONTROL_PLANE_WRITES_PER_SECOND: intSetting(DEFAULT_WRITE_BUDGET.lambda, 1, 15),
  /** The same for Scheduler, whose quotas are per operation and far larger (shared/fleet/budget.ts). */
  SCHEDULER_WRITES_PER_SECOND: intSetting(DEFAULT_WRITE_BUDGET.scheduler, 1, 1000),
  /** Workloads acted on at once; the budget, not this, bounds the write rate. */
  FLEET_CONCURRENCY: intSetting(8, 1, 64),
  ROLLBACK_COOLDOWN_MINUTES: intSetting(15, 0, 1440),
  FLEET_CONTINUATION_QUEUE_URL: optionalSetting,
  KILLSWITCH_ALARMS: listSetting,
  ROLLBACK_ALARMS: listSetting,
});
