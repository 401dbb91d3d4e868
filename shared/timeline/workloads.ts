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
 * The function whose WATCH_LIST is the stack's WatchList parameter. Only that variable is read from it: the
 * rest of its environment repeats the stack's own workload, which SETTINGS_FROM already gives.
 */
export const WATCH_LIST_FROM = 'FleetFunction';

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
