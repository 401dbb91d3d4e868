import * as z from 'zod';
import { functionNameSchema, schedulerNameSchema } from '../../shared/arn.js';
import { intSetting, listSetting, optionalSetting, positiveSetting } from '../../shared/env.js';
import { breakGlassSchema, reasonSchema } from '../../shared/reason.js';

// Scheduler's own rules: https://docs.aws.amazon.com/scheduler/latest/APIReference/API_GetSchedule.html
const SCHEDULE_NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const GROUP_NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const NAME_PREFIX = /^[0-9a-zA-Z\-_.]{0,64}$/;
/** `ks-` and an audit id: `ks-20261122T154501123Z-3fa9c2d1`. */
export const RESTORE_ID = /^ks-\d{8}T\d{9}Z-[0-9a-f]{8}$/;
/** An audit id (shared/audit.ts newAuditId): `20261122T154501123Z-3fa9c2d1`. */
const AUDIT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

export const ACTIONS = ['disable', 'enable', 'status'] as const;

const scheduleRef = z.strictObject({
  name: schedulerNameSchema(
    SCHEDULE_NAME,
    'expected a schedule name (letters, digits, - _ and ., 1 to 64)',
    z.string({ error: 'name is required' }),
  ),
  group: schedulerNameSchema(GROUP_NAME, 'expected a schedule group name').optional(),
});

/** One kill-switch request, whichever door it came through (direct, the API, an alarm). */
export const killSwitchRequestSchema = z
  .strictObject({
    action: z.enum(ACTIONS, { error: 'action must be one of disable, enable, status' }),
    schedules: z.array(scheduleRef).min(1, 'give at least one schedule, or use group').max(1000).optional(),
    group: schedulerNameSchema(GROUP_NAME, 'expected a schedule group name (1 to 64 characters)').optional(),
    namePrefix: z.string().regex(NAME_PREFIX, 'expected a schedule name prefix').optional(),
    /** Every schedule of the group (or of every configured group): must be spelled out. */
    all: z.boolean().optional(),
    functionName: functionNameSchema().optional(),
    throttle: z.boolean().default(false),
    restoreId: z
      .string()
      .regex(RESTORE_ID, 'expected a restoreId such as ks-20261122T154501123Z-3fa9c2d1')
      .optional(),
    /** status: every schedule's outcome in that disable or enable run, a page at a time. */
    auditId: z
      .string()
      .regex(AUDIT_ID, 'expected the auditId of a disable or enable, such as 20261122T154501123Z-3fa9c2d1')
      .optional(),
    page: z
      .number({ error: 'page must be a whole number from 1' })
      .int('page must be a whole number from 1')
      .min(1, 'page must be a whole number from 1')
      .max(100_000, 'page must be at most 100000')
      .optional(),
    reason: reasonSchema.optional(),
    dryRun: z.boolean().default(false),
    /** Disable alone, without the approval it would need: recorded and notified as break-glass (issue 18). */
    breakGlass: breakGlassSchema,
  })
  .superRefine((request, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    const hasSelector =
      request.schedules !== undefined || request.group !== undefined || request.all === true;
    if (request.action !== 'status' && request.reason === undefined) {
      issue('reason', `reason is required: say why you ${request.action} the schedules`);
    }
    if (
      request.schedules &&
      (request.group !== undefined || request.namePrefix !== undefined || request.all)
    ) {
      // Names may carry their own group; mixing the two selectors makes "what will stop" hard to read.
      issue('schedules', 'give schedules by name, or a group (with namePrefix or all), not both');
    }
    if (request.namePrefix !== undefined && request.group === undefined) {
      issue('group', 'namePrefix needs the group it applies to');
    }
    if (request.throttle && request.functionName === undefined) {
      issue('functionName', 'throttle needs functionName: the function whose concurrency goes to 0');
    }
    if (request.action === 'disable') {
      if (!hasSelector) {
        issue(
          'schedules',
          'disable needs a selector: schedules by name, a group with a namePrefix, or all: true',
        );
      } else if (request.group !== undefined && !request.namePrefix && request.all !== true) {
        issue(
          'all',
          `this selects every schedule of group ${request.group}: spell it out with all: true, or give a namePrefix`,
        );
      }
    }
    if (request.action === 'enable' && request.restoreId === undefined && !hasSelector) {
      issue('restoreId', 'enable needs the restoreId the disable returned, or the selector it used');
    }
    if (request.action !== 'status' && request.auditId !== undefined) {
      issue('auditId', 'auditId reads a run’s outcomes: only status takes it');
    }
    if (request.page !== undefined && request.auditId === undefined) {
      issue('page', 'page needs the auditId whose outcomes it pages through');
    }
    if (request.action !== 'disable' && request.breakGlass) {
      issue('breakGlass', 'only a disable may need approval, so only a disable takes breakGlass');
    }
    if (request.action !== 'disable' && request.throttle) {
      issue('throttle', 'only disable throttles; enable restores what that disable recorded');
    }
  });

export type KillSwitchRequest = z.infer<typeof killSwitchRequestSchema>;

/**
 * Requests per second across every Scheduler call. Scheduler's default request-rate quotas are per operation
 * and per Region (GetSchedule, UpdateSchedule, ListSchedules: 1,000 to 5,000 TPS in the main Regions, 250 in
 * the others; https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html). 200 in all stays
 * below the smallest of them with room for the workload's own deployments, and disables 500 schedules in about
 * five seconds; a throttled call is retried with backoff anyway.
 */
export const DEFAULT_RATE_PER_SECOND = 200;
/** Requests in flight: at ~50 ms a round trip, 16 sustain more than the rate, so the rate is what binds. */
export const DEFAULT_CONCURRENCY = 16;

/** The function's configuration, from template.yaml. */
export const killSwitchConfigSchema = z.object({
  /** The schedule groups this deployment may act on (its IAM allows no other); empty: any (local only). */
  SCHEDULE_GROUPS: listSetting,
  /** The only function it may throttle; empty: any (local only). */
  WATCHED_FUNCTION: optionalSetting,
  /** Alarms whose ALARM state disables every schedule of the configured groups. */
  KILLSWITCH_ALARMS: listSetting,
  KILLSWITCH_RATE_PER_SECOND: positiveSetting(DEFAULT_RATE_PER_SECOND, 5000),
  KILLSWITCH_CONCURRENCY: intSetting(DEFAULT_CONCURRENCY, 1, 64),
});
