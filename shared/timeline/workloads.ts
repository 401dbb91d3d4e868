// Which workloads a timeline reads: the watch list file's, and the stack's own from its settings (the
// environment its functions run with: WATCHED_FUNCTION, ROLLBACK_ALARMS, KILLSWITCH_ALARMS, and the CodeDeploy
// application and groups the canary analyst watches when CODEDEPLOY_APPLICATION is not set).
import { listSetting } from '../env.js';
import { mergeWatchLists, parseWatchList, stackWorkload } from '../fleet/watchlist.js';
import type { Workload } from '../fleet/workload.js';

/** The functions whose environment carries the stack's watch settings (template.yaml). */
export const SETTINGS_FROM = ['RollbackFunction', 'CanaryAnalystFunction'] as const;

export function watchedWorkloads(env: Record<string, string | undefined>, file: unknown): Workload[] {
  const application = env.CODEDEPLOY_APPLICATION || env.CANARY_APPLICATION || '';
  const own = stackWorkload({ ...env, CODEDEPLOY_APPLICATION: application });
  const groups = env.CODEDEPLOY_APPLICATION ? [] : listSetting.parse(env.CANARY_DEPLOYMENT_GROUPS ?? '');
  const stack = own?.codeDeploy ? { ...own, codeDeploy: { application, groups } } : own;
  const list = parseWatchList(file ?? {}, 'the watch list');
  return mergeWatchLists(list, stack ? [stack] : []).workloads;
}
