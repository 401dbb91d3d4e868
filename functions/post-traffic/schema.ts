import * as z from 'zod';
import { listSetting, optionalSetting, unsetIfEmpty } from '../../shared/env.js';
import { reserveSetting } from '../../shared/lifecycle-hook.js';

/** The hook's configuration, from template.yaml: which alarms say the workload is unwell. */
export const postTrafficConfigSchema = z.object({
  /** Exact alarm names; each must exist (a missing one is a reason to fail, not to pass). */
  ALARM_NAMES: listSetting,
  /** Or every alarm whose name starts with this (an existing workload's alarms). */
  ALARM_PREFIX: optionalSetting,
  /** Time kept back from the invocation for reporting the status. */
  /** At least REPORT_RESERVE_FLOOR_MS (5 s): a lower setting is refused and the hook reports Failed. */
  REPORT_RESERVE_MS: reserveSetting(30_000),
  /** `on`: also the canary analyst's last look (its settings: shared/canary/config.ts). */
  CANARY_GATE: z.preprocess(
    unsetIfEmpty,
    z.enum(['on', 'off'], { error: 'must be on or off' }).default('off'),
  ),
});

export type PostTrafficConfig = z.infer<typeof postTrafficConfigSchema>;
