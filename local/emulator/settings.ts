// The emulator stack's settings as its functions run with them: the environment template.yaml gives the
// functions named by SETTINGS_FROM (and the fleet's WATCH_LIST), resolved against the provisioned stack (what `runbook timeline` and the
// drill read the watched workloads from; on AWS the CLI reads the same variables from the deployed functions).
import { SETTINGS_FROM, WATCH_LIST_FROM } from '../../shared/timeline/workloads.js';
import { findFunction, loadTemplate, resolveEnvironment } from '../template.js';
import { type EmulatorState, resolveContext } from './provision.js';

export function stackSettings(state: EmulatorState): Record<string, string> {
  const template = loadTemplate();
  const ctx = resolveContext(template, state);
  const env: Record<string, string> = {};
  for (const logicalId of SETTINGS_FROM)
    Object.assign(env, resolveEnvironment(ctx, findFunction(template, logicalId)).variables);
  // The WatchList parameter the emulator was started with (`runbook emulator --parameter WatchList=…`).
  const watchList = resolveEnvironment(ctx, findFunction(template, WATCH_LIST_FROM)).variables.WATCH_LIST;
  if (watchList) env.WATCH_LIST = watchList;
  return env;
}
