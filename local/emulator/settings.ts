// The emulator stack's settings as its functions run with them: the environment template.yaml gives the
// functions named by SETTINGS_FROM (and the fleet's WATCH_LIST), resolved against the provisioned stack (what `runbook timeline` and the
// drill read the watched workloads from; on AWS the CLI reads the same variables from the deployed functions).
import { SETTINGS_FROM, timelineSettings, WATCH_LIST_FROM } from '../../shared/timeline/workloads.js';
import { findFunction, loadTemplate, resolveEnvironment } from '../template.js';
import { type EmulatorState, resolveContext } from './provision.js';

export function stackSettings(state: EmulatorState): Record<string, string> {
  const template = loadTemplate();
  const ctx = resolveContext(template, state);
  const variables = (logicalId: string) =>
    resolveEnvironment(ctx, findFunction(template, logicalId)).variables as Record<string, string>;
  // The WatchList parameter is the one the emulator was started with (`runbook emulator --parameter WatchList=…`).
  return timelineSettings(SETTINGS_FROM.map(variables), variables(WATCH_LIST_FROM));
}
