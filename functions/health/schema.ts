import * as z from 'zod';

/** A direct invocation: `{}` or `{ "action": "metadata" }` for the metadata, `{ "action": "liveness" }` for liveness. */
export const directRequestSchema = z.strictObject({
  action: z.enum(['liveness', 'metadata']).default('metadata'),
});

export type DirectRequest = z.infer<typeof directRequestSchema>;

const scheduleRef = z.string().regex(/^[0-9A-Za-z_.-]{1,64}\/[0-9A-Za-z_.-]{1,64}$/, 'expected group/name');

/** The function's configuration, from template.yaml. */
export const healthConfigSchema = z.object({
  WATCHED_FUNCTION: z.string().min(1).optional(),
  WATCHED_ALIAS: z.string().min(1).default('live'),
  WATCHED_SCHEDULES: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    )
    .pipe(z.array(scheduleRef)),
  WATCHED_ALARM_PREFIX: z.string().min(1).optional(),
  HEALTH_BUDGET_MS: z.coerce.number().int().positive().max(25_000).default(2500),
});
