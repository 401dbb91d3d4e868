// Wires the CodeDeploy simulator to an emulator stack: one deployment group per function whose
// DeploymentPreference template.yaml declares (as SAM would create), hooks run in-process through the same
// invoker as `runbook invoke`, the SDK's CodeDeploy client pointed at the simulator with the service-specific
// AWS_ENDPOINT_URL_CODEDEPLOY (every other service stays on moto), and the pre-traffic hook's invoker replaced
// by one that really runs the workload (moto's Invoke runs no code; see workload.ts).
//
// One simulator per process: the SDK reads AWS_ENDPOINT_URL_CODEDEPLOY when a client sends its first request
// and keeps it, so the shared client of a handler must see one endpoint for the life of the process.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { workloadInvoker } from '../../functions/pre-traffic/invoker.js';
import { cloudWatchClient, codeDeployClient } from '../../shared/clients.js';
import { isObject } from '../../shared/validate.js';
import { type CanaryTraffic, driveTraffic, publishLambdaMetrics } from '../canary/drive.js';
import { CloudWatchStandIn } from '../cloudwatch/stand-in.js';
import {
  type EmulatorState,
  emulatorClientConfig,
  functionLogicalId,
  resolveContext,
} from '../emulator/provision.js';
import { invokeFunction, isFailure, lambdaContext, loadHandler, withEnvironment } from '../invoke.js';
import { findFunction, type Json, loadTemplate, resolveValue, type Template } from '../template.js';
import { CodeDeploySimulator, type DeploymentGroupSpec, type LifecycleHook } from './simulator.js';
import { localWorkloadInvoker } from './workload.js';

export const refOf = (value: Json | undefined): string | undefined =>
  isObject(value) && typeof value.Ref === 'string' ? value.Ref : undefined;

export interface LocalCodeDeploy {
  simulator: CodeDeploySimulator;
  /** Deployment groups by the logical id of the function they deploy. */
  groups: Record<string, DeploymentGroupSpec>;
  /** Environment overrides given to hook functions (a drill's smoke suite, a shorter reserve). */
  hookEnv: Record<string, Record<string, string>>;
  /** The Lambda timeout the hooks run with, in seconds (default: the template's). */
  hookTimeoutSeconds: Record<string, number>;
  /** Lifecycle steps as they happen, for a caller that prints them. */
  onStep?: (deploymentId: string, text: string) => void;
  /** The alias traffic of the next deployment's canary (none: no traffic, as before). */
  traffic?: CanaryTraffic;
  /** What the next deployment's canary waits for once its time is up (SimulatorOptions.canaryHold). */
  canaryHold?: () => Promise<unknown> | undefined;
  /**
   * CloudWatch as the handlers see it: moto behind the stand-in (local/cloudwatch/) — the running emulator's
   * when it has one (state.cloudwatchEndpoint), else one started for this process and stopped with it.
   */
  cloudwatchEndpoint: string;
  stop(): Promise<void>;
}

/** The percent of a predefined canary type (`Canary10Percent5Minutes` → 10); 100 for AllAtOnce and others. */
export function canaryPercent(type: Json | undefined): number {
  const match = typeof type === 'string' ? /^Canary(\d+)Percent/.exec(type) : null;
  return match ? Number(match[1]) : 100;
}

/** The deployment groups SAM would create for the template, named as the simulator knows them. */
export function deploymentGroups(
  template: Template,
  state: EmulatorState,
  canaryIntervalMs: number,
): Record<string, DeploymentGroupSpec> {
  const ctx = resolveContext(template, state);
  const groups: Record<string, DeploymentGroupSpec> = {};
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function') continue;
    const props = resource.Properties ?? {};
    const preference = isObject(props.DeploymentPreference) ? props.DeploymentPreference : undefined;
    const alias = props.AutoPublishAlias;
    const functionName = state.resources[logicalId]?.ref;
    if (!preference || preference.Enabled === false || typeof alias !== 'string' || !functionName) continue;
    const hooks: Partial<Record<LifecycleHook, string>> = {};
    const hookSpec = isObject(preference.Hooks) ? preference.Hooks : {};
    for (const [kind, event] of [
      ['PreTraffic', 'BeforeAllowTraffic'],
      ['PostTraffic', 'AfterAllowTraffic'],
    ] as const) {
      const hookId = refOf(hookSpec[kind]);
      const hookName = hookId ? state.resources[hookId]?.ref : undefined;
      if (hookName) hooks[event] = hookName;
    }
    const alarms = resolveValue(ctx, preference.Alarms ?? []);
    groups[logicalId] = {
      // SAM's logical ids: ServerlessDeploymentApplication and <Function>DeploymentGroup.
      applicationName: `${state.stackName}-ServerlessDeploymentApplication`,
      deploymentGroupName: `${state.stackName}-${logicalId}DeploymentGroup`,
      functionName,
      alias,
      hooks,
      alarms: Array.isArray(alarms) ? alarms.map(String) : [],
      // The type may be a parameter (DeploymentType): the stack's value decides, as in CloudFormation.
      canaryPercent: canaryPercent(resolveValue(ctx, preference.Type)),
      canaryIntervalMs,
    };
  }
  return groups;
}

let current: { key: string; local: LocalCodeDeploy } | undefined;
let installedEndpoint: string | undefined;

/** The simulator's endpoint this process pointed CodeDeploy at, if it did (hook-event.ts checks it). */
export const installedCodeDeployEndpoint = (): string | undefined => installedEndpoint;

/**
 * The simulator for this emulator stack, started on first use and kept for the process (see the header).
 * `canaryIntervalMs` applies to a simulator started by this call.
 */
export async function localCodeDeploy(
  state: EmulatorState,
  options: { canaryIntervalMs?: number; hookTimeoutMs?: number } = {},
): Promise<LocalCodeDeploy> {
  const key = `${state.endpoint} ${state.stackName}`;
  if (current?.key === key) return current.local;
  if (current) await current.local.stop();

  const config = emulatorClientConfig(state);
  const lambda = new LambdaClient(config);
  const cloudwatch = new CloudWatchClient(config);
  const template = loadTemplate();
  // The object is built before the simulator so the hook runner reads its current hookEnv on every call.
  const local = { hookEnv: {}, hookTimeoutSeconds: {} } as LocalCodeDeploy;
  // moto's GetMetricData has no percentiles: every CloudWatch call of the handlers goes through the stand-in.
  // A running `runbook emulator` has one in front of its moto (state.cloudwatchEndpoint): that one, so the
  // alarm states this process sets are in the history every other process reads; else one of our own.
  const ownStandIn = state.cloudwatchEndpoint ? undefined : await CloudWatchStandIn.start(state.endpoint);
  const cloudwatchEndpoint = ownStandIn?.endpoint ?? (state.cloudwatchEndpoint as string);
  const published = new CloudWatchClient({ ...config, endpoint: cloudwatchEndpoint });
  const simulator = await CodeDeploySimulator.start({
    lambda,
    cloudwatch,
    onCanary: (deployment, shift) =>
      local.traffic
        ? canaryTraffic(state, template, lambda, published, local.traffic, deployment.target, shift.weight)
        : Promise.resolve(undefined),
    ...(options.hookTimeoutMs ? { hookTimeoutMs: options.hookTimeoutMs } : {}),
    onStep: (deploymentId, text) => local.onStep?.(deploymentId, text),
    canaryHold: () => local.canaryHold?.(),
    invokeHook: async (hookName, event) => {
      const logicalId = functionLogicalId(state, hookName);
      if (!logicalId) throw new Error(`no hook function ${hookName} in the emulator stack`);
      const timeoutSeconds = local.hookTimeoutSeconds[logicalId];
      return (
        await invokeFunction({
          logicalId,
          event,
          state,
          envVars: { [logicalId]: local.hookEnv[logicalId] ?? {} },
          ...(timeoutSeconds ? { timeoutSeconds } : {}),
        })
      ).result;
    },
  });
  const groups = deploymentGroups(template, state, options.canaryIntervalMs ?? 1_000);
  for (const group of Object.values(groups)) simulator.addDeploymentGroup(group);

  const savedEndpoint = process.env.AWS_ENDPOINT_URL_CODEDEPLOY;
  const savedCloudWatch = process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
  process.env.AWS_ENDPOINT_URL_CODEDEPLOY = simulator.endpoint;
  process.env.AWS_ENDPOINT_URL_CLOUDWATCH = cloudwatchEndpoint;
  // A shared client that already sent a request keeps the endpoint it resolved then: start it afresh.
  if (installedEndpoint !== undefined) codeDeployClient.reset();
  cloudWatchClient.reset();
  installedEndpoint = simulator.endpoint;
  workloadInvoker.reset(localWorkloadInvoker(state, lambda));

  Object.assign(local, {
    simulator,
    groups,
    cloudwatchEndpoint,
    async stop() {
      if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_CODEDEPLOY;
      else process.env.AWS_ENDPOINT_URL_CODEDEPLOY = savedEndpoint;
      if (savedCloudWatch === undefined) delete process.env.AWS_ENDPOINT_URL_CLOUDWATCH;
      else process.env.AWS_ENDPOINT_URL_CLOUDWATCH = savedCloudWatch;
      cloudWatchClient.reset();
      published.destroy();
      await ownStandIn?.stop();
      workloadInvoker.reset();
      lambda.destroy();
      cloudwatch.destroy();
      if (current?.local === local) current = undefined;
      await simulator.stop();
    },
  });
  current = { key, local };
  return local;
}

/**
 * The canary's alias traffic: each invocation runs the workload's real handler in-process with the picked
 * version's environment (read once per version from moto), then the per-version metrics are published.
 */
async function canaryTraffic(
  state: EmulatorState,
  template: Template,
  lambda: LambdaClient,
  cloudwatch: CloudWatchClient,
  traffic: CanaryTraffic,
  target: { name: string; alias: string; currentVersion: string; targetVersion: string },
  weight: number,
): Promise<string> {
  const logicalId = functionLogicalId(state, target.name);
  if (!logicalId) throw new Error(`no function ${target.name} in the emulator stack`);
  const environments = new Map<string, Record<string, string>>();
  for (const version of [target.currentVersion, target.targetVersion]) {
    const config = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: target.name, Qualifier: version }),
    );
    environments.set(version, { ...config.Environment?.Variables });
  }
  // The workload's real handler, imported once; each invocation runs it with the picked version's environment
  // (what invokeFunction does per call, without re-reading the template thousands of times).
  const spec = findFunction(template, logicalId);
  const handler = await loadHandler(spec);
  // Thousands of "trading run" lines would drown the drill's log (and overflow a caller's buffer). The workload's
  // logger puts its level back at every invocation (Powertools refreshes it per invocation for log sampling),
  // so its lines are dropped at the stream instead, for the traffic only: nothing else runs meanwhile.
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const tallies = await driveTraffic({
    traffic,
    currentVersion: target.currentVersion,
    targetVersion: target.targetVersion,
    weight,
    invoke: async (version) => {
      const environment = environments.get(version) ?? {};
      // DRILL_FAULT (workload.ts) fails without running the handler, as through the invoker.
      if (environment.DRILL_FAULT) return { failed: true };
      try {
        const result = await withEnvironment(environment, () =>
          handler({ source: 'canary-traffic', job: 'daily-trading' }, lambdaContext(spec, target.name)),
        );
        return { failed: isFailure(result) };
      } catch {
        return { failed: true };
      }
    },
  }).finally(() => {
    process.stdout.write = write;
  });
  await publishLambdaMetrics(cloudwatch, { functionName: target.name, alias: target.alias, tallies });
  const described = tallies.map(
    (side) => `version ${side.version} ${side.invocations} (${side.errors} errors)`,
  );
  return `traffic: ${traffic.invocations} invocations of ${target.alias}: ${described.join(', ')}; metrics published to CloudWatch`;
}
