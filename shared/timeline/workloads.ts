// Which workloads a timeline reads: the watch list in force, and the stack's own from its settings (the
// environment its functions run with: WATCHED_FUNCTION, ROLLBACK_ALARMS, KILLSWITCH_ALARMS, and the CodeDeploy
// application and groups the canary analyst watches when CODEDEPLOY_APPLICATION is not set).
//
// The watch list in force is the fleet's: the stack's WatchList parameter (FleetFunction's WATCH_LIST) when it
// is set, else watchlist.json, the file the fleet bundles (functions/fleet/watched.ts decides the same way).
// A file the operator names (`runbook timeline --watch-list FILE`) wins over both: it is what they asked for.
import { listSetting } from '../env.js';
import { describe } from '../errors.js';
import { mergeWatchLists, parseWatchList, stackWorkload, WatchListError } from '../fleet/watchlist.js';
import type { Workload } from '../fleet/workload.js';

/** The functions whose environment carries the stack's watch settings (template.yaml). */
export const SETTINGS_FROM = ['RollbackFunction', 'CanaryAnalystFunction'] as const;

/**
 * The function whose environment carries the stack's own workload whole (its schedule groups and DLQs too,
 * which SETTINGS_FROM's functions do not carry) and the stack's WatchList parameter (WATCH_LIST).
 */
export const WATCH_LIST_FROM = 'FleetFunction';

/** What is read of WATCH_LIST_FROM's environment; the rest of it is the fleet's own tuning. */
const FROM_FLEET = [
  'WATCHED_FUNCTION',
  'WATCHED_ALIAS',
  'SCHEDULE_GROUPS',
  'DLQ_QUEUES',
  'DLQ_TARGET_QUEUES',
  'WATCH_LIST',
] as const;

/**
 * The timeline's settings from the functions' environments: SETTINGS_FROM's (alarms, CodeDeploy), then
 * WATCH_LIST_FROM's own workload and watch list (an older stack without the fleet has none: undefined).
 */
export function timelineSettings(
  settings: readonly (Record<string, string> | undefined)[],
  fleet: Record<string, string> | undefined,
): Record<string, string> {
  const env: Record<string, string> = Object.assign({}, ...settings);
  for (const name of FROM_FLEET) {
    const value = fleet?.[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return env;
}

export interface WatchListFile {
  /** The file's content, parsed; undefined when there is no file. */
  content: unknown;
  /** Named by the operator (--watch-list), rather than found in the working directory. */
  named: boolean;
}

export function watchedWorkloads(
  env: Record<string, string | undefined>,
  file: WatchListFile | undefined,
): Workload[] {
  const application = env.CODEDEPLOY_APPLICATION || env.CANARY_APPLICATION || '';
  const own = stackWorkload({ ...env, CODEDEPLOY_APPLICATION: application });
  const groups = env.CODEDEPLOY_APPLICATION ? [] : listSetting.parse(env.CANARY_DEPLOYMENT_GROUPS ?? '');
  const stack = own?.codeDeploy ? { ...own, codeDeploy: { application, groups } } : own;
  const list = declaredList(env.WATCH_LIST?.trim(), file);
  return mergeWatchLists(list, stack ? [stack] : []).workloads;
}

const PARAMETER = "the stack's WatchList parameter (FleetFunction's WATCH_LIST)";

function declaredList(inline: string | undefined, file: WatchListFile | undefined) {
  if (inline && !file?.named) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(inline);
    } catch (error) {
      throw new WatchListError(PARAMETER, [{ field: '(root)', message: `not JSON: ${describe(error)}` }]);
    }
    return parseWatchList(parsed, PARAMETER);
  }
  return parseWatchList(file?.content ?? {}, 'the watch list');
}
