// What a lifecycle-hook sample event presumes but moto lacks: a CodeDeploy deployment waiting on that hook.
// `runbook invoke`, the drill and the sample-event tests run hook functions with such events
// (local/invoke-event.ts): the deployment is stood up in the simulator (local.ts) before the hook runs.
import { isObject } from '../../shared/validate.js';
import type { EmulatorState } from '../emulator/provision.js';
import type { Template } from '../template.js';
import { installedCodeDeployEndpoint, localCodeDeploy, refOf } from './local.js';
import type { LifecycleHook } from './simulator.js';

/** The hook kind of a function, when template.yaml names it in some DeploymentPreference's Hooks. */
export function hookKindOf(template: Template, logicalId: string): LifecycleHook | undefined {
  for (const resource of Object.values(template.Resources)) {
    const preference = isObject(resource.Properties?.DeploymentPreference)
      ? resource.Properties.DeploymentPreference
      : undefined;
    const hooks = preference && isObject(preference.Hooks) ? preference.Hooks : undefined;
    if (refOf(hooks?.PreTraffic) === logicalId) return 'BeforeAllowTraffic';
    if (refOf(hooks?.PostTraffic) === logicalId) return 'AfterAllowTraffic';
  }
  return undefined;
}

/**
 * Before a hook function runs locally with a lifecycle event (`runbook invoke`, the sample events), stands up
 * what CodeDeploy would hold at that point: a deployment of the workload (its live version → its newest) with
 * that id, waiting on that execution id. Does nothing when the caller pointed CodeDeploy elsewhere itself
 * (AWS_ENDPOINT_URL_CODEDEPLOY set by someone else), when there is no emulator stack, or for other functions.
 */
export async function prepareLocalHookEvent(
  template: Template,
  logicalId: string,
  event: unknown,
  state: EmulatorState | undefined,
): Promise<void> {
  const hook = hookKindOf(template, logicalId);
  if (!hook || !state?.workload) return;
  const endpoint = process.env.AWS_ENDPOINT_URL_CODEDEPLOY;
  if (endpoint && endpoint !== installedCodeDeployEndpoint()) return;
  const value = isObject(event) ? event : {};
  const deploymentId = value.DeploymentId;
  const executionId = value.LifecycleEventHookExecutionId;
  // A malformed event is the hook's to refuse: nothing to set up.
  if (typeof deploymentId !== 'string' || typeof executionId !== 'string') return;
  const local = await localCodeDeploy(state);
  const group = Object.values(local.groups).find(
    (item) => item.functionName === state.workload?.functionName,
  );
  if (!group) return;
  const versions = state.workload.versions.map((item) => item.version);
  const target = versions.at(-1) as string;
  const previous = versions.at(-2) ?? target;
  local.simulator.openLifecycleEvent({
    deploymentId,
    executionId,
    hook,
    applicationName: group.applicationName,
    deploymentGroupName: group.deploymentGroupName,
    target: { name: group.functionName, alias: group.alias, currentVersion: previous, targetVersion: target },
  });
}
