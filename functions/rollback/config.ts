import { parseSettings } from '../../shared/env.js';
import { rollbackConfigSchema } from './schema.js';
import type { RollbackConfig } from './types.js';

export function rollbackConfig(env: NodeJS.ProcessEnv = process.env): RollbackConfig {
  const config = parseSettings(rollbackConfigSchema, 'rollback', env);
  return {
    ...(config.WATCHED_FUNCTION ? { watchedFunction: config.WATCHED_FUNCTION } : {}),
    rollbackAlarms: config.ROLLBACK_ALARMS,
    cooldownMinutes: config.ROLLBACK_COOLDOWN_MINUTES,
    ...(config.CODEDEPLOY_APPLICATION ? { codeDeployApplication: config.CODEDEPLOY_APPLICATION } : {}),
  };
}
