import * as z from 'zod';
import { analystConfig } from '../../shared/canary/config.js';
import { listSetting, optionalSetting, parseSettings } from '../../shared/env.js';

/** One look, asked by the schedule (every minute) or by a person (`dryRun` to see the verdict only). */
export const watchRequestSchema = z.strictObject({
  /** Only judge and report; stop nothing. */
  dryRun: z.boolean({ error: 'dryRun must be true or false' }).default(false),
  reason: z
    .string({ error: 'reason must be text' })
    .trim()
    .min(3, 'reason must be at least 3 characters')
    .max(500, 'reason must be at most 500 characters')
    .default('scheduled canary look'),
});

export type WatchRequest = z.infer<typeof watchRequestSchema>;

// CodeDeploy's own limits: https://docs.aws.amazon.com/codedeploy/latest/userguide/limits.html
const NAME = /^[A-Za-z0-9._+=,@-]{1,100}$/;

/** Which deployment groups it watches, from template.yaml. The analysis settings are shared/canary/config.ts. */
export const watchConfigSchema = z.object({
  CANARY_APPLICATION: optionalSetting.refine((value) => value === undefined || NAME.test(value), {
    message: 'must be a CodeDeploy application name',
  }),
  CANARY_DEPLOYMENT_GROUPS: listSetting.refine((names) => names.every((name) => NAME.test(name)), {
    message: 'must be comma-separated CodeDeploy deployment group names',
  }),
});

/** The watcher's settings: the analyst's and its own; a bad one is a deployment error naming the variable. */
export const watchSettings = (env: NodeJS.ProcessEnv = process.env) => ({
  config: analystConfig(env),
  watched: parseSettings(watchConfigSchema, 'canary watcher', env),
});
