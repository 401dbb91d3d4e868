// One simulated canary deployment of a function in the emulator, through the simulator's own API (the SDK's
// CreateDeployment and GetDeployment, as a pipeline would call CodeDeploy): `runbook deploy-sim`, the drill and
// the integration tests all go through here.
import { CodeDeployClient, CreateDeploymentCommand, GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import {
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { CanaryTraffic } from '../canary/drive.js';
import { type EmulatorState, emulatorClientConfig, sampleGitSha } from '../emulator/provision.js';
import { localCodeDeploy } from './local.js';
import type { DeploymentGroupSpec, DeploymentStatus, Step } from './simulator.js';

export interface DeploySimRequest {
  functionName: string;
  toVersion: string;
  alias?: string;
  /** Environment overrides for the hook functions, by logical id (a drill's suite, a shorter reserve). */
  hookEnv?: Record<string, Record<string, string>>;
  /** The Lambda timeout the hooks run with, in seconds, by logical id. */
  hookTimeoutSeconds?: Record<string, number>;
  onStep?: (text: string) => void;
  /** Alias traffic during the canary, with a fault profile per version (local/canary/drive.ts). */
  traffic?: CanaryTraffic;
  /** A watcher's look the canary's end waits for, when one is in flight then (SimulatorOptions.canaryHold). */
  canaryHold?: () => Promise<unknown> | undefined;
}

export interface DeploySimResult {
  deploymentId: string;
  functionName: string;
  alias: string;
  fromVersion: string;
  toVersion: string;
  status: DeploymentStatus;
  errorInformation?: { code?: string; message?: string };
  /** Where the alias ended: its version and any weights left. */
  live: { version: string; weights: Record<string, number> };
  steps: Step[];
  durationMs: number;
}

/**
 * The hooks' environment for one deployment. Without simulated traffic nothing reaches either version, so the
 * post-traffic hook's canary gate (template default on, failing a canary without enough data) is switched off
 * for it — said in the deployment's steps — unless the request sets CANARY_GATE itself.
 */
function hookEnvFor(
  state: EmulatorState,
  group: DeploymentGroupSpec,
  request: DeploySimRequest,
): Record<string, Record<string, string>> {
  const env = { ...request.hookEnv };
  const post = Object.entries(state.resources).find(
    ([, resource]) => resource.ref === group.hooks.AfterAllowTraffic,
  )?.[0];
  if (post && !request.traffic && env[post]?.CANARY_GATE === undefined) {
    env[post] = { ...env[post], CANARY_GATE: 'off' };
    request.onStep?.('no simulated traffic: the post-traffic hook judges alarms only (canary gate off)');
  }
  return env;
}

export async function simulateDeployment(
  state: EmulatorState,
  request: DeploySimRequest,
  options: { canaryIntervalMs?: number } = {},
): Promise<DeploySimResult> {
  const local = await localCodeDeploy(state, options);
  const group = Object.values(local.groups).find((item) => item.functionName === request.functionName);
  if (!group) {
    const known = Object.values(local.groups).map((item) => item.functionName);
    throw new Error(
      `no deployment group deploys ${request.functionName} (template.yaml DeploymentPreference: ${known.join(', ') || 'none'})`,
    );
  }
  // The canary's wait applies from this deployment on (a drill may hold a canary open to stop it).
  if (options.canaryIntervalMs !== undefined) group.canaryIntervalMs = options.canaryIntervalMs;
  const alias = request.alias ?? group.alias;
  const config = emulatorClientConfig(state);
  const lambda = new LambdaClient(config);
  const codedeploy = new CodeDeployClient({ ...config, endpoint: local.simulator.endpoint });
  local.hookEnv = hookEnvFor(state, group, request);
  local.traffic = request.traffic as CanaryTraffic;
  local.canaryHold = request.canaryHold;
  local.hookTimeoutSeconds = request.hookTimeoutSeconds ?? {};
  local.onStep = (_id, text) => request.onStep?.(text);
  const started = performance.now();
  try {
    const before = await lambda.send(
      new GetAliasCommand({ FunctionName: request.functionName, Name: alias }),
    );
    const fromVersion = String(before.FunctionVersion);
    const content = JSON.stringify({
      version: 0.0,
      Resources: [
        {
          [request.functionName]: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Name: request.functionName,
              Alias: alias,
              CurrentVersion: fromVersion,
              TargetVersion: request.toVersion,
            },
          },
        },
      ],
    });
    const { deploymentId } = await codedeploy.send(
      new CreateDeploymentCommand({
        applicationName: group.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content } },
        description: `runbook deploy-sim: ${request.functionName}:${alias} ${fromVersion} → ${request.toVersion}`,
      }),
    );
    const record = local.simulator.deployment(String(deploymentId));
    if (!record) throw new Error(`the simulator lost deployment ${deploymentId}`);
    await record.done;
    const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
    const after = await lambda.send(new GetAliasCommand({ FunctionName: request.functionName, Name: alias }));
    return {
      deploymentId: String(deploymentId),
      functionName: request.functionName,
      alias,
      fromVersion,
      toVersion: request.toVersion,
      status: deploymentInfo?.status as DeploymentStatus,
      ...(deploymentInfo?.errorInformation
        ? {
            errorInformation: {
              code: String(deploymentInfo.errorInformation.code),
              message: String(deploymentInfo.errorInformation.message),
            },
          }
        : {}),
      live: {
        version: String(after.FunctionVersion),
        weights: { ...(after.RoutingConfig?.AdditionalVersionWeights ?? {}) },
      },
      steps: record.steps,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    local.onStep = undefined as never;
    local.traffic = undefined;
    local.canaryHold = undefined;
    lambda.destroy();
    codedeploy.destroy();
  }
}

export interface NewVersion {
  /** The sha its description records (the template's VersionDescription); default a fresh sample sha. */
  describedGitSha?: string;
  /** The sha its build really carries (GIT_SHA, what the health probe answers); default the described one. */
  builtGitSha?: string;
  /** Drill fault injection honoured by the local invoker (workload.ts): `error` or `hang`. */
  fault?: 'error' | 'hang';
}

/** Publishes one more version of a function in the emulator, as a deploy would; returns its number. */
export async function publishVersion(
  state: EmulatorState,
  functionName: string,
  options: NewVersion = {},
): Promise<{ version: string; gitSha: string }> {
  const lambda = new LambdaClient(emulatorClientConfig(state));
  try {
    const current = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const { DRILL_FAULT: _fault, ...variables } = current.Environment?.Variables ?? {};
    const gitSha = options.describedGitSha ?? sampleGitSha(Date.now());
    const description = `gitSha=${gitSha} buildId=local-sim-${Date.now().toString(36)}`;
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: functionName,
        Description: description,
        Environment: {
          Variables: {
            ...variables,
            GIT_SHA: options.builtGitSha ?? gitSha,
            ...(options.fault ? { DRILL_FAULT: options.fault } : {}),
          },
        },
      }),
    );
    const published = await lambda.send(
      new PublishVersionCommand({ FunctionName: functionName, Description: description }),
    );
    return { version: String(published.Version), gitSha };
  } finally {
    lambda.destroy();
  }
}
