// `runbook invoke -e <event>`'s way to run a function: first stand up what the event presumes but moto lacks —
// today one thing, a CodeDeploy deployment waiting on the hook a lifecycle event names (codedeploy/hook-event.ts)
// — then run the handler in-process as invoke.ts does. `runbook invoke`, the drill and the sample-event tests
// come through here; the CodeDeploy simulator runs its hooks through invoke.ts directly, which knows no service.
import { prepareLocalHookEvent } from './codedeploy/hook-event.js';
import { type InvokeOptions, type InvokeOutcome, invokeFunction } from './invoke.js';
import { loadTemplate } from './template.js';

export async function invokeEvent(options: InvokeOptions): Promise<InvokeOutcome> {
  const template = options.template ?? loadTemplate();
  await prepareLocalHookEvent(template, options.logicalId, options.event, options.state);
  return invokeFunction({ ...options, template });
}
