import { parseSettings } from '../../shared/env.js';
import { fleetConfigSchema } from './schema.js';
import type { FleetConfig } from './types.js';

export interface FleetSettings extends FleetConfig {
  watchListJson?: string;
  tagDiscovery: boolean;
  /** Control-plane writes per second, per service and account, across every run. */
  writesPerSecond: { lambda: number; scheduler: number };
  continuationQueueUrl?: string;
}

export function fleetConfig(env: NodeJS.ProcessEnv = process.env): FleetSettings {
  const config = parseSettings(fleetConfigSchema, 'fleet', env);
  return {
    concurrency: config.FLEET_CONCURRENCY,
    cooldownMinutes: config.ROLLBACK_COOLDOWN_MINUTES,
    killSwitchAlarms: config.KILLSWITCH_ALARMS,
    rollbackAlarms: config.ROLLBACK_ALARMS,
    ...(config.WATCH_LIST ? { watchListJson: config.WATCH_LIST } : {}),
    tagDiscovery: config.WATCH_TAG_DISCOVERY === 'true',
    writesPerSecond: {
      lambda: config.CONTROL_PLANE_WRITES_PER_SECOND,
      scheduler: config.SCHEDULER_WRITES_PER_SECOND,
    },
    ...(config.FLEET_CONTINUATION_QUEUE_URL
      ? { continuationQueueUrl: config.FLEET_CONTINUATION_QUEUE_URL }
      : {}),
  };
}
