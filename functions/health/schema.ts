import * as z from 'zod';
import { intSetting, listSetting, optionalSetting, unsetIfEmpty } from '../../shared/env.js';

/** A direct invocation: `{}` or `{ "action": "metadata" }` for the metadata, `{ "action": "liveness" }` for liveness. */
export const directRequestSchema = z.strictObject({
  action: z.enum(['liveness', 'metadata']).default('metadata'),
});

export type DirectRequest = z.infer<typeof directRequestSchema>;

const scheduleName = /^[0-9A-Za-z_.-]{1,64}$/;
const scheduleRef = z
  .string()
  .regex(
    /^([0-9A-Za-z_.-]{1,64}\/)?[0-9A-Za-z_.-]{1,64}$/,
    'expected group/name, or a name in WATCHED_SCHEDULE_GROUP',
  );

/** The function's configuration, from template.yaml. */
export const healthConfigSchema = z.object({
  WATCHED_FUNCTION: optionalSetting,
  WATCHED_ALIAS: z.preprocess(unsetIfEmpty, z.string().min(1).default('live')),
  WATCHED_SCHEDULES: listSetting.pipe(z.array(scheduleRef)),
  WATCHED_SCHEDULE_GROUP: z.preprocess(unsetIfEmpty, z.string().regex(scheduleName).optional()),
  WATCHED_ALARM_PREFIX: optionalSetting,
  // Read as every numeric setting is (intSetting): '' means unset, the default, as CloudFormation passes an
  // unset parameter. (Before, '' was coerced to 0 and refused; template.yaml always sets a number.)
  HEALTH_BUDGET_MS: intSetting(2500, 1, 25_000),
});
