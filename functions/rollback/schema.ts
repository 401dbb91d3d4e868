import * as z from 'zod';
import { functionNameSchema } from '../../shared/arn.js';
import { intSetting, listSetting, optionalSetting } from '../../shared/env.js';

// Lambda's own rules: https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html. An alias name may not
// be all digits (that would be a version).
const ALIAS_NAME = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$/;

const version = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(
    z
      .string()
      .refine((value) => value !== '$LATEST', '$LATEST is never a rollback target: name a published version')
      .regex(/^[1-9][0-9]{0,9}$/, 'expected a published version number, e.g. "7"'),
  );

/** One rollback request, whichever door it came through (direct, `POST /rollback`, an alarm). */
export const rollbackRequestSchema = z
  .strictObject({
    functionName: functionNameSchema(),
    alias: z.string().regex(ALIAS_NAME, 'expected an alias name such as "live"').default('live'),
    toVersion: version.optional(),
    toGitSha: z
      .string()
      .regex(/^[0-9a-f]{7,40}$/, 'expected a git sha of 7 to 40 lowercase hex characters')
      .optional(),
    reason: z
      .string({ error: 'reason is required: say why you roll back' })
      .trim()
      .min(3, 'reason must be at least 3 characters')
      .max(500, 'reason must be at most 500 characters'),
    dryRun: z.boolean().default(false),
    force: z.boolean().default(false),
  })
  .superRefine((request, ctx) => {
    if (request.toVersion !== undefined && request.toGitSha !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['toGitSha'],
        message: 'give toVersion or toGitSha, not both',
      });
    }
  });

export type RollbackRequest = z.infer<typeof rollbackRequestSchema>;

/** The function's configuration, from template.yaml. */
export const rollbackConfigSchema = z.object({
  /** The only function this deployment may roll back (its IAM allows no other). */
  WATCHED_FUNCTION: optionalSetting,
  /** Alarms allowed to trigger a rollback: names, or name prefixes ending in `*`. */
  ROLLBACK_ALARMS: listSetting,
  ROLLBACK_COOLDOWN_MINUTES: intSetting(15, 0, 1440),
  /** The CodeDeploy application deploying the watched function; empty when there is none. */
  CODEDEPLOY_APPLICATION: optionalSetting,
});
