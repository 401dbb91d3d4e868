// A local CodeDeploy deployment SIMULATOR, for drills and integration tests only (local/ is never bundled).
//
// Why it exists: moto implements neither PutLifecycleEventHookExecutionStatus nor StopDeployment, and its
// GetDeployment answer cannot be parsed by the SDK, so nothing in this project could exercise a lifecycle hook
// or a canary end to end off AWS. This is a small stand-in for exactly the part of CodeDeploy the project talks
// to, on 127.0.0.1, speaking CodeDeploy's own JSON protocol (`X-Amz-Target: CodeDeploy_20141006.<Op>`,
// `application/x-amz-json-1.1`), so the real SDK client and the real handlers talk to it unchanged once
// `AWS_ENDPOINT_URL_CODEDEPLOY` points at it (every other service stays on moto through AWS_ENDPOINT_URL).
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html
//
// What it covers, and nothing more:
//   - operations: GetDeployment, GetApplicationRevision, PutLifecycleEventHookExecutionStatus, StopDeployment,
//     ListDeployments (with createTimeRange), ListDeploymentGroups, CreateDeployment, ListDeploymentTargets and
//     BatchGetDeploymentTargets (the Lambda target with its lifecycle events: hook, start, end, status, as the
//     incident timeline reads them) — validated as the real API does, answering its modelled exceptions
//     (unknown ids, a status reported twice, a status other than Succeeded/Failed, …);
//   - Lambda deployments of one alias, driven like CodeDeploy's canary: invoke the BeforeAllowTraffic hook →
//     on Succeeded shift a canary weight on the alias (in moto), wait, check the group's alarms (in moto),
//     shift 100%, invoke the AfterAllowTraffic hook; on Failed, an alarm, a stop or a hook that never reports,
//     roll the alias back to the deployment's CurrentVersion.
// Not covered: EC2/ECS deployments, deployment configs other than "canary N% then 100%", on-premises
// instances, tags, triggers, and CodeDeploy's own retry of a hook invocation. Hooks are invoked in-process
// (through `invokeHook`) and awaited, where CodeDeploy invokes them asynchronously; the status reported is
// what counts in both.

import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { type LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { type AppSpecTarget, parseAppSpec } from '../../shared/appspec.js';

export type LifecycleHook = 'BeforeAllowTraffic' | 'AfterAllowTraffic';
export type DeploymentStatus = 'Created' | 'InProgress' | 'Succeeded' | 'Failed' | 'Stopped';

export interface DeploymentGroupSpec {
  applicationName: string;
  deploymentGroupName: string;
  functionName: string;
  alias: string;
  /** The hook function per lifecycle event, as `invokeHook` knows it. */
  hooks: Partial<Record<LifecycleHook, string>>;
  /** Alarms that roll the deployment back when in ALARM during the shift. */
  alarms: string[];
  /** The canary weight, in percent (Canary10Percent… is 10). */
  canaryPercent: number;
  /** How long the canary serves before the alarms are checked (CodeDeploy's is minutes; drills use ms). */
  canaryIntervalMs: number;
}

export interface SimulatorOptions {
  /** Clients on moto: the alias shifts and the alarm checks happen there. */
  lambda: LambdaClient;
  cloudwatch: CloudWatchClient;
  /** Runs a hook function with a lifecycle event (in-process, the real handler). */
  invokeHook(
    hookFunction: string,
    event: { DeploymentId: string; LifecycleEventHookExecutionId: string },
  ): Promise<unknown>;
  /** How long a hook may take to report before its event fails; CodeDeploy's is one hour. */
  hookTimeoutMs?: number;
  /** Each lifecycle step as it happens (the CLI prints them). */
  onStep?(deploymentId: string, text: string): void;
  /**
   * Called once the canary weight is on the alias, before the canary's wait: drives the alias's traffic and
   * publishes its metrics (local/canary/drive.ts). Its answer, if any, is recorded as a step.
   */
  onCanary?(deployment: SimulatedDeployment, shift: { weight: number }): Promise<string | undefined>;
  /**
   * What the canary's end waits for once its time is up: a watcher's look still in flight (the drill's), so
   * that CodeDeploy's minutes, compressed into the drill's milliseconds, do not end the canary under a look of
   * a few seconds that on AWS falls well within it. A stop asked meanwhile is honoured as any other.
   */
  canaryHold?(deployment: SimulatedDeployment): Promise<unknown> | undefined;
}

export interface Step {
  atMs: number;
  text: string;
}

interface LifecycleExecution {
  hook: LifecycleHook;
  status: 'Pending' | 'Succeeded' | 'Failed';
  reported?: () => void;
  /** When the hook was invoked and when its event ended (reported, or failed for want of a report). */
  startTime?: Date;
  endTime?: Date;
}

export interface SimulatedDeployment {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  status: DeploymentStatus;
  createTime: Date;
  completeTime?: Date;
  description?: string;
  creator: 'user' | 'autoscaling' | 'codeDeployRollback';
  target: AppSpecTarget;
  appSpecContent: string;
  steps: Step[];
  errorInformation?: { code: string; message: string };
  rollbackMessage?: string;
  executions: Map<string, LifecycleExecution>;
  stopRequested?: { autoRollbackEnabled: boolean };
  /** When the canary's wait began (epoch ms), and how many simulated ms one real ms of it stands for. */
  canary?: { startedAt: number; scale: number };
  /** Resolves when the deployment reaches a final status. */
  done: Promise<SimulatedDeployment>;
}

/** A modelled CodeDeploy exception, answered as HTTP 400 with its `__type`. */
class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const DEPLOYMENT_ID = /^d-[A-Z0-9]{9}$/;
// The canary of the configuration GetDeployment reports (LambdaCanary10Percent5Minutes).
const CANARY_MS = 5 * 60_000;
const FINAL: DeploymentStatus[] = ['Succeeded', 'Failed', 'Stopped'];
const ALL_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready'];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const epochSeconds = (date: Date | undefined) => (date ? date.getTime() / 1000 : undefined);

export function newDeploymentId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return `d-${Array.from(randomBytes(9), (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

function newExecutionId(): string {
  // CodeDeploy's are opaque base64 tokens; so are these.
  return randomBytes(48).toString('base64');
}

export class CodeDeploySimulator {
  readonly endpoint: string;
  private readonly server: Server;
  private readonly options: SimulatorOptions;
  private readonly groups = new Map<string, DeploymentGroupSpec>();
  private readonly deployments = new Map<string, SimulatedDeployment>();
  private readonly settle = new Map<string, (deployment: SimulatedDeployment) => void>();
  private readonly started = performance.now();

  private constructor(server: Server, endpoint: string, options: SimulatorOptions) {
    this.server = server;
    this.endpoint = endpoint;
    this.options = options;
  }

  /** Listens on 127.0.0.1 on a free port. */
  static async start(options: SimulatorOptions): Promise<CodeDeploySimulator> {
    let simulator: CodeDeploySimulator | undefined;
    const server = createServer((request, response) => {
      void simulator?.handle(request, response);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    // A drill or a CLI run must be able to exit with the simulator still listening.
    server.unref();
    const { port } = server.address() as AddressInfo;
    simulator = new CodeDeploySimulator(server, `http://127.0.0.1:${port}`, options);
    return simulator;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  addDeploymentGroup(spec: DeploymentGroupSpec): void {
    this.groups.set(`${spec.applicationName}/${spec.deploymentGroupName}`, spec);
  }

  deployment(deploymentId: string): SimulatedDeployment | undefined {
    return this.deployments.get(deploymentId);
  }

  /** A deployment waiting on one lifecycle event, as CodeDeploy holds one while a hook runs (`runbook invoke`). */
  openLifecycleEvent(input: {
    deploymentId: string;
    executionId: string;
    hook: LifecycleHook;
    applicationName: string;
    deploymentGroupName: string;
    target: AppSpecTarget;
  }): SimulatedDeployment {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    let deployment = this.deployments.get(input.deploymentId);
    if (!deployment) {
      deployment = this.record(input.deploymentId, group, input.target, 'waiting on a lifecycle hook');
      deployment.status = 'InProgress';
    }
    // One the simulator is driving (its hook is running now) is left as it is; a finished one is opened again,
    // as a fresh CodeDeploy invocation of the same sample event would find it.
    if (deployment.executions.get(input.executionId)?.status !== 'Pending') {
      deployment.executions.set(input.executionId, {
        hook: input.hook,
        status: 'Pending',
        startTime: new Date(),
      });
    }
    return deployment;
  }

  /** Starts a deployment as the API's CreateDeployment does; returns at once, the canary runs behind. */
  createDeployment(input: {
    applicationName: string;
    deploymentGroupName: string;
    target: AppSpecTarget;
    description?: string;
  }): SimulatedDeployment {
    const group = this.group(input.applicationName, input.deploymentGroupName);
    const active = [...this.deployments.values()].find(
      (item) => item.deploymentGroupName === group.deploymentGroupName && !FINAL.includes(item.status),
    );
    if (active) {
      throw new ApiError(
        'DeploymentLimitExceededException',
        `The deployment group ${group.deploymentGroupName} already has an active deployment ${active.deploymentId}`,
      );
    }
    if (input.target.name !== group.functionName || input.target.alias !== group.alias) {
      throw new ApiError(
        'InvalidRevisionException',
        `The AppSpec names ${input.target.name}:${input.target.alias}; the deployment group deploys ${group.functionName}:${group.alias}`,
      );
    }
    const deployment = this.record(newDeploymentId(), group, input.target, input.description);
    void this.drive(deployment, group);
    return deployment;
  }

  // ----------------------------------------------------------------------------------------- the canary

  private record(
    deploymentId: string,
    group: DeploymentGroupSpec,
    target: AppSpecTarget,
    description?: string,
  ): SimulatedDeployment {
    let finish: (value: SimulatedDeployment) => void = () => undefined;
    const done = new Promise<SimulatedDeployment>((resolve) => {
      finish = resolve;
    });
    const hooks = { pre: group.hooks.BeforeAllowTraffic, post: group.hooks.AfterAllowTraffic };
    const deployment: SimulatedDeployment = {
      deploymentId,
      applicationName: group.applicationName,
      deploymentGroupName: group.deploymentGroupName,
      status: 'Created',
      createTime: new Date(),
      creator: 'user',
      target,
      appSpecContent: appSpecJson(target, hooks),
      steps: [],
      executions: new Map(),
      done,
      ...(description ? { description } : {}),
    };
    this.settle.set(deploymentId, finish);
    this.deployments.set(deploymentId, deployment);
    return deployment;
  }

  private step(deployment: SimulatedDeployment, text: string): void {
    deployment.steps.push({ atMs: Math.round(performance.now() - this.started), text });
    this.options.onStep?.(deployment.deploymentId, text);
  }

  private finish(deployment: SimulatedDeployment, status: DeploymentStatus): void {
    deployment.status = status;
    deployment.completeTime = new Date();
    this.step(deployment, `deployment ${status}`);
    this.settle.get(deployment.deploymentId)?.(deployment);
  }

  private async setAlias(deployment: SimulatedDeployment, version: string, weights: Record<string, number>) {
    const { name, alias } = deployment.target;
    await this.options.lambda.send(
      new UpdateAliasCommand({
        FunctionName: name,
        Name: alias,
        FunctionVersion: version,
        RoutingConfig: { AdditionalVersionWeights: weights },
      }),
    );
  }

  private async rollBack(
    deployment: SimulatedDeployment,
    status: 'Failed' | 'Stopped',
    code: string,
    message: string,
  ): Promise<void> {
    deployment.errorInformation = { code, message };
    this.step(deployment, `${code}: ${message}`);
    if (status === 'Stopped' && deployment.stopRequested?.autoRollbackEnabled === false) {
      this.step(deployment, 'stopped without rollback (autoRollbackEnabled false): the alias stays as it is');
    } else {
      const current = deployment.target.currentVersion;
      await this.setAlias(deployment, current, {});
      deployment.rollbackMessage = `rolled back: ${deployment.target.alias} serves version ${current} only`;
      this.step(deployment, `rollback: ${deployment.target.alias} → version ${current}, weights cleared`);
    }
    this.finish(deployment, status);
  }

  private async runHook(
    deployment: SimulatedDeployment,
    group: DeploymentGroupSpec,
    hook: LifecycleHook,
  ): Promise<'Succeeded' | 'Failed' | 'None'> {
    const hookFunction = group.hooks[hook];
    if (!hookFunction) return 'None';
    const executionId = newExecutionId();
    const execution: LifecycleExecution = { hook, status: 'Pending', startTime: new Date() };
    const reported = new Promise<void>((resolve) => {
      execution.reported = resolve;
    });
    deployment.executions.set(executionId, execution);
    this.step(deployment, `${hook}: invoking ${hookFunction}`);
    const timeoutMs = this.options.hookTimeoutMs ?? 3_600_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    // CodeDeploy learns only the status; the hook's own answer says why (in AWS, in the hook's log): the step
    // that reports a failure quotes it for the person watching the simulated deployment.
    let why: string | undefined;
    const invocation = this.options
      .invokeHook(hookFunction, {
        DeploymentId: deployment.deploymentId,
        LifecycleEventHookExecutionId: executionId,
      })
      .then(
        (answer) => {
          why = reasonOf(answer);
        },
        (error: unknown) => {
          this.step(
            deployment,
            `${hook}: the hook invocation failed: ${error instanceof Error ? error.message : String(error)}`,
          );
        },
      );
    // The status counts, not the invocation's end: wait for a report, for the invocation to end without one
    // (a hook that threw or returned early), or for the hook timeout.
    await Promise.race([reported, invocation, timedOut]);
    // In-process, let the invocation finish too (its metrics flush), so nothing it prints lands after the
    // deployment's end; CodeDeploy would not wait, and the status is already decided.
    await Promise.race([invocation, timedOut]);
    clearTimeout(timer);
    execution.endTime ??= new Date();
    const status = execution.status as 'Pending' | 'Succeeded' | 'Failed';
    if (status === 'Pending') {
      // CodeDeploy would wait for its one-hour timeout; the outcome is the same.
      execution.status = 'Failed';
      this.step(deployment, `${hook}: no status reported; the lifecycle event fails`);
      return 'Failed';
    }
    this.step(deployment, `${hook}: hook reported ${status}${status === 'Failed' && why ? `: ${why}` : ''}`);
    return status;
  }

  private async firingAlarms(group: DeploymentGroupSpec): Promise<string[]> {
    if (group.alarms.length === 0) return [];
    const { MetricAlarms = [] } = await this.options.cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: group.alarms }),
    );
    return MetricAlarms.filter((alarm) => alarm.StateValue === 'ALARM').map((alarm) =>
      String(alarm.AlarmName),
    );
  }

  private async drive(deployment: SimulatedDeployment, group: DeploymentGroupSpec): Promise<void> {
    const { target } = deployment;
    const stopped = () => deployment.stopRequested !== undefined;
    try {
      deployment.status = 'InProgress';
      this.step(
        deployment,
        `deployment created: ${target.name}:${target.alias} version ${target.currentVersion} → ${target.targetVersion}`,
      );
      const before = await this.runHook(deployment, group, 'BeforeAllowTraffic');
      if (stopped())
        return await this.rollBack(deployment, 'Stopped', 'DEPLOYMENT_STOPPED', 'stopped on request');
      if (before === 'Failed') {
        return await this.rollBack(
          deployment,
          'Failed',
          'HOOK_EXECUTION_FAILURE',
          'the BeforeAllowTraffic hook reported Failed (or nothing); no traffic was shifted',
        );
      }
      const weight = group.canaryPercent / 100;
      await this.setAlias(deployment, target.currentVersion, { [target.targetVersion]: weight });
      this.step(
        deployment,
        `shift ${group.canaryPercent}%: version ${target.targetVersion} weight ${weight}`,
      );
      if (this.options.onCanary) {
        const text = await this.options.onCanary(deployment, { weight });
        if (text) this.step(deployment, text);
      }
      // CodeDeploy's minutes pass in the drill's milliseconds: see GetDeployment's createTime.
      deployment.canary = {
        startedAt: Date.now(),
        scale: Math.max(1, CANARY_MS / Math.max(1, group.canaryIntervalMs)),
      };
      const deadline = performance.now() + group.canaryIntervalMs;
      while (performance.now() < deadline && !stopped()) {
        await new Promise((resolve) => setTimeout(resolve, Math.min(25, group.canaryIntervalMs)));
      }
      const hold = stopped() ? undefined : this.options.canaryHold?.(deployment);
      if (hold) await hold.catch(() => undefined);
      if (stopped())
        return await this.rollBack(deployment, 'Stopped', 'DEPLOYMENT_STOPPED', 'stopped on request');
      const firing = await this.firingAlarms(group);
      this.step(
        deployment,
        `alarms checked: ${firing.length > 0 ? `in ALARM: ${firing.join(', ')}` : 'none in ALARM'}`,
      );
      if (firing.length > 0) {
        return await this.rollBack(
          deployment,
          'Failed',
          'ALARM_ACTIVE',
          `alarm(s) in ALARM: ${firing.join(', ')}`,
        );
      }
      await this.setAlias(deployment, target.targetVersion, {});
      this.step(deployment, `shift 100%: ${target.alias} → version ${target.targetVersion}`);
      const after = await this.runHook(deployment, group, 'AfterAllowTraffic');
      if (after === 'Failed') {
        return await this.rollBack(
          deployment,
          'Failed',
          'HOOK_EXECUTION_FAILURE',
          'the AfterAllowTraffic hook reported Failed (or nothing)',
        );
      }
      this.finish(deployment, 'Succeeded');
    } catch (error) {
      deployment.errorInformation = {
        code: 'INTERNAL_ERROR',
        message: error instanceof Error ? error.message : String(error),
      };
      this.step(deployment, `simulator error: ${deployment.errorInformation.message}`);
      this.finish(deployment, 'Failed');
    }
  }

  /**
   * Time compression, so a drill's canary of a few seconds reads as CodeDeploy's five minutes to the canary
   * analyst (which judges a look by the share of the canary elapsed since createTime): while the canary serves,
   * the start time is reported as far back as the simulated time elapsed, each real ms of the canary's wait
   * standing for `scale` ms. Before the canary and once the deployment has ended, the real start time.
   */
  private reportedCreateTime(deployment: SimulatedDeployment): Date {
    const canary = deployment.canary;
    if (!canary || FINAL.includes(deployment.status)) return deployment.createTime;
    const simulatedMs = (Date.now() - canary.startedAt) * canary.scale;
    return new Date(Math.min(deployment.createTime.getTime(), Date.now() - simulatedMs));
  }

  // ----------------------------------------------------------------------------------------- the API

  /** The application's deployment groups; the name must be given and name an application, as in CodeDeploy. */
  private application(applicationName: unknown): DeploymentGroupSpec[] {
    if (typeof applicationName !== 'string' || applicationName === '')
      throw new ApiError(
        'ApplicationNameRequiredException',
        'The minimum number of required application names was not specified.',
      );
    const groups = [...this.groups.values()].filter((group) => group.applicationName === applicationName);
    if (groups.length === 0)
      throw new ApiError(
        'ApplicationDoesNotExistException',
        `No application found for name: ${applicationName}`,
      );
    return groups;
  }

  private group(applicationName: unknown, deploymentGroupName: unknown): DeploymentGroupSpec {
    this.application(applicationName);
    if (typeof deploymentGroupName !== 'string' || deploymentGroupName === '')
      throw new ApiError(
        'DeploymentGroupNameRequiredException',
        'The deployment group name was not specified.',
      );
    const group = this.groups.get(`${applicationName}/${deploymentGroupName}`);
    if (!group)
      throw new ApiError(
        'DeploymentGroupDoesNotExistException',
        `No Deployment Group found for name: ${deploymentGroupName}`,
      );
    return group;
  }

  private existingDeployment(deploymentId: unknown): SimulatedDeployment {
    if (typeof deploymentId !== 'string' || deploymentId === '')
      throw new ApiError('DeploymentIdRequiredException', 'At least one deployment ID must be specified.');
    if (!DEPLOYMENT_ID.test(deploymentId))
      throw new ApiError(
        'InvalidDeploymentIdException',
        `Deployment ID ${deploymentId} is not in a valid format`,
      );
    const deployment = this.deployments.get(deploymentId);
    if (!deployment)
      throw new ApiError('DeploymentDoesNotExistException', `Deployment ${deploymentId} does not exist`);
    return deployment;
  }

  private revisionOf(deployment: SimulatedDeployment) {
    return {
      revisionType: 'AppSpecContent',
      appSpecContent: { content: deployment.appSpecContent, sha256: sha256(deployment.appSpecContent) },
    };
  }

  private readonly operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    GetDeployment: (input) => {
      const deployment = this.existingDeployment(input.deploymentId);
      return {
        deploymentInfo: {
          applicationName: deployment.applicationName,
          deploymentGroupName: deployment.deploymentGroupName,
          deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
          deploymentId: deployment.deploymentId,
          status: deployment.status,
          computePlatform: 'Lambda',
          creator: deployment.creator,
          createTime: epochSeconds(this.reportedCreateTime(deployment)),
          ...(deployment.completeTime ? { completeTime: epochSeconds(deployment.completeTime) } : {}),
          ...(deployment.description ? { description: deployment.description } : {}),
          revision: this.revisionOf(deployment),
          ...(deployment.errorInformation ? { errorInformation: deployment.errorInformation } : {}),
          ...(deployment.rollbackMessage
            ? { rollbackInfo: { rollbackMessage: deployment.rollbackMessage } }
            : {}),
          deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        },
      };
    },
    GetApplicationRevision: (input) => {
      const applicationName = this.application(input.applicationName)[0]?.applicationName;
      const revision = input.revision as
        | { appSpecContent?: { content?: string; sha256?: string } }
        | undefined;
      if (!revision) throw new ApiError('RevisionRequiredException', 'The revision ID was not specified.');
      const wanted =
        revision.appSpecContent?.sha256 ??
        (revision.appSpecContent?.content ? sha256(revision.appSpecContent.content) : undefined);
      const match = [...this.deployments.values()].find(
        (item) => item.applicationName === applicationName && sha256(item.appSpecContent) === wanted,
      );
      if (!match)
        throw new ApiError(
          'RevisionDoesNotExistException',
          'No application revision found for the given revision.',
        );
      return {
        applicationName,
        revision: this.revisionOf(match),
        revisionInfo: {
          registerTime: epochSeconds(match.createTime),
          deploymentGroups: [match.deploymentGroupName],
        },
      };
    },
    PutLifecycleEventHookExecutionStatus: (input) => {
      const deployment = this.existingDeployment(input.deploymentId);
      const executionId = input.lifecycleEventHookExecutionId;
      const execution = typeof executionId === 'string' ? deployment.executions.get(executionId) : undefined;
      if (!execution)
        throw new ApiError(
          'InvalidLifecycleEventHookExecutionIdException',
          `Lifecycle event hook execution ID ${String(executionId)} is not valid for deployment ${deployment.deploymentId}`,
        );
      if (input.status !== 'Succeeded' && input.status !== 'Failed')
        throw new ApiError(
          'InvalidLifecycleEventHookExecutionStatusException',
          `The status ${String(input.status)} is not valid: a hook reports Succeeded or Failed`,
        );
      if (execution.status !== 'Pending' || FINAL.includes(deployment.status))
        throw new ApiError(
          'LifecycleEventAlreadyCompletedException',
          `The lifecycle event ${execution.hook} of ${deployment.deploymentId} is already complete (${execution.status})`,
        );
      execution.status = input.status;
      execution.endTime = new Date();
      execution.reported?.();
      return { lifecycleEventHookExecutionId: executionId };
    },
    StopDeployment: (input) => {
      const deployment = this.existingDeployment(input.deploymentId);
      if (FINAL.includes(deployment.status))
        throw new ApiError(
          'DeploymentAlreadyCompletedException',
          `Deployment ${deployment.deploymentId} is already completed (${deployment.status})`,
        );
      deployment.stopRequested = { autoRollbackEnabled: input.autoRollbackEnabled !== false };
      this.step(
        deployment,
        `StopDeployment requested (autoRollbackEnabled ${deployment.stopRequested.autoRollbackEnabled})`,
      );
      return { status: 'Pending', statusMessage: 'Stopping the deployment' };
    },
    ListDeploymentGroups: (input) => {
      const groups = this.application(input.applicationName);
      return {
        applicationName: input.applicationName,
        deploymentGroups: groups.map((group) => group.deploymentGroupName),
      };
    },
    ListDeployments: (input) => {
      const statuses = (input.includeOnlyStatuses as string[] | undefined) ?? [];
      const invalid = statuses.find((status) => !ALL_STATUSES.includes(status));
      if (invalid)
        throw new ApiError(
          'InvalidDeploymentStatusException',
          `The deployment status ${invalid} is not valid`,
        );
      let items = [...this.deployments.values()];
      if (input.applicationName !== undefined || input.deploymentGroupName !== undefined) {
        const group = this.group(input.applicationName, input.deploymentGroupName);
        items = items.filter(
          (item) =>
            item.applicationName === group.applicationName &&
            item.deploymentGroupName === group.deploymentGroupName,
        );
      }
      if (statuses.length > 0) items = items.filter((item) => statuses.includes(item.status));
      items = items.filter((item) => inRange(item.createTime, input.createTimeRange));
      items.sort((a, b) => b.createTime.getTime() - a.createTime.getTime());
      return { deployments: items.map((item) => item.deploymentId) };
    },
    ListDeploymentTargets: (input) => {
      const deployment = this.existingDeployment(input.deploymentId);
      // A Lambda deployment has one target: the function and alias it shifts.
      return { targetIds: [lambdaTargetId(deployment)] };
    },
    BatchGetDeploymentTargets: (input) => {
      const deployment = this.existingDeployment(input.deploymentId);
      const ids = Array.isArray(input.targetIds) ? input.targetIds : [];
      if (ids.length === 0)
        throw new ApiError('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.');
      const unknown = ids.find((id) => id !== lambdaTargetId(deployment));
      if (unknown !== undefined)
        throw new ApiError(
          'DeploymentTargetDoesNotExistException',
          `The deployment target ${String(unknown)} does not exist in ${deployment.deploymentId}`,
        );
      return { deploymentTargets: [lambdaTarget(deployment)] };
    },
    CreateDeployment: (input) => {
      const group = this.group(input.applicationName, input.deploymentGroupName);
      const revision = input.revision as
        | { revisionType?: string; appSpecContent?: { content?: string }; string?: { content?: string } }
        | undefined;
      if (!revision) throw new ApiError('RevisionRequiredException', 'The revision ID was not specified.');
      const content = revision.appSpecContent?.content ?? revision.string?.content;
      const targets = parseAppSpec(content);
      if (targets?.length !== 1)
        throw new ApiError(
          'InvalidRevisionException',
          'The revision must carry a JSON AppSpec naming exactly one Lambda function',
        );
      const deployment = this.createDeployment({
        applicationName: group.applicationName,
        deploymentGroupName: group.deploymentGroupName,
        target: targets[0] as AppSpecTarget,
        ...(typeof input.description === 'string' ? { description: input.description } : {}),
      });
      return { deploymentId: deployment.deploymentId };
    },
  };

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const reply = (status: number, body: unknown, errorType?: string) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomBytes(16).toString('hex'),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(JSON.stringify(body));
    };
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('CodeDeploy_20141006.')
      ? target.slice('CodeDeploy_20141006.'.length)
      : '';
    const run = this.operations[operation];
    if (request.method !== 'POST' || !run) {
      reply(
        400,
        {
          __type: 'UnknownOperationException',
          message: `the simulator does not implement ${target || request.method}`,
        },
        'UnknownOperationException',
      );
      return;
    }
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const input = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      reply(200, run(input));
    } catch (error) {
      if (error instanceof ApiError) reply(400, { __type: error.type, message: error.message }, error.type);
      else
        reply(
          500,
          { __type: 'InternalFailure', message: error instanceof Error ? error.message : String(error) },
          'InternalFailure',
        );
    }
  }
}

/** `createTimeRange: { start, end }` (epoch seconds, either optional), as ListDeployments filters by it. */
function inRange(time: Date, range: unknown): boolean {
  if (typeof range !== 'object' || range === null) return true;
  const { start, end } = range as { start?: number; end?: number };
  const seconds = time.getTime() / 1000;
  return (start === undefined || seconds >= start) && (end === undefined || seconds <= end);
}

const lambdaTargetId = (deployment: SimulatedDeployment) =>
  `${deployment.target.name}:${deployment.target.alias}`;

/** BatchGetDeploymentTargets' Lambda target: its lifecycle events in the order they ran. */
function lambdaTarget(deployment: SimulatedDeployment) {
  const events = [...deployment.executions.values()].map((execution) => ({
    lifecycleEventName: execution.hook,
    status: execution.status === 'Pending' ? 'InProgress' : execution.status,
    ...(execution.startTime ? { startTime: epochSeconds(execution.startTime) } : {}),
    ...(execution.endTime ? { endTime: epochSeconds(execution.endTime) } : {}),
  }));
  return {
    deploymentTargetType: 'LambdaTarget',
    lambdaTarget: {
      deploymentId: deployment.deploymentId,
      targetId: lambdaTargetId(deployment),
      targetArn: deployment.target.name,
      status: deployment.status,
      lastUpdatedAt: epochSeconds(deployment.completeTime ?? new Date()),
      lifecycleEvents: events,
    },
  };
}

function appSpecJson(
  target: AppSpecTarget,
  hooks: { pre?: string | undefined; post?: string | undefined },
): string {
  const list = [
    ...(hooks.pre ? [{ BeforeAllowTraffic: hooks.pre }] : []),
    ...(hooks.post ? [{ AfterAllowTraffic: hooks.post }] : []),
  ];
  return JSON.stringify({
    version: 0.0,
    Resources: [
      {
        [target.name]: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            Name: target.name,
            Alias: target.alias,
            CurrentVersion: target.currentVersion,
            TargetVersion: target.targetVersion,
          },
        },
      },
    ],
    ...(list.length > 0 ? { Hooks: list } : {}),
  });
}

/** A hook's answer's `reason` (the pre- and post-traffic hooks give one when they fail), one line, bounded. */
function reasonOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null || !('reason' in answer)) return undefined;
  const { reason } = answer as { reason: unknown };
  if (typeof reason !== 'string' || reason.trim() === '') return undefined;
  const line = reason.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
