import { parseSettings } from '../../shared/env.js';
import { killSwitchConfigSchema } from './schema.js';
import type { KillSwitchConfig } from './types.js';

/** The kill switch's settings, from its environment (template.yaml); a bad one fails naming the variable. */
export function killSwitchConfig(
  env: NodeJS.ProcessEnv = process.env,
): KillSwitchConfig & { alarms: string[] } {
  const config = parseSettings(killSwitchConfigSchema, 'kill switch', env);
  return {
    scheduleGroups: config.SCHEDULE_GROUPS,
    ...(config.WATCHED_FUNCTION ? { watchedFunction: config.WATCHED_FUNCTION } : {}),
    alarms: config.KILLSWITCH_ALARMS,
    ratePerSecond: config.KILLSWITCH_RATE_PER_SECOND,
    concurrency: config.KILLSWITCH_CONCURRENCY,
  };
}
