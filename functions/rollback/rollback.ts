// Alias rollback: put an alias back on the known-good version — plan → dryRun? → act → audit → notify.
// A plain async function over injected clients, so tests drive it with aws-sdk-client-mock or the emulator.
//
// The manual route it replaces is `aws lambda update-alias --function-name … --name live --function-version N`,
// typed during an incident with a guessed N. Here the version is chosen by rules (choose.ts), an in-flight
// CodeDeploy deployment is stopped first (or it would move the alias again), canary weights are cleared, and
// the write is optimistic: it carries the RevisionId just read, so a concurrent change is never overwritten.

import {
  type CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import {
  type AliasConfiguration,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import { type AuditLedger, newAuditId } from '../../shared/audit.js';
import {
  ConflictError,
  isAwsError,
  NotFoundError,
  RunbookError,
  ValidationError,
} from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import type { Door } from '../../shared/triggers/index.js';
import {
  type Choice,
  type ChosenBy,
  chooseTarget,
  type DeploymentShift,
  type HistoryEntry,
  NoTargetError,
  needsDeploymentHistory,
  type PublishedVersion,
} from './choose.js';
import type { RollbackRequest } from './schema.js';

export interface RollbackConfig {
  /** The only function this deployment may roll back; its role allows no other. */
  watchedFunction?: string;
  /** Alarm names (or name prefixes ending in `*`) allowed to trigger a rollback. */
  rollbackAlarms: string[];
  /** After a rollback, alarm-triggered rollbacks of the same alias are held this long (people pass `force`). */
  cooldownMinutes: number;
  /** The CodeDeploy application deploying the watched function; undefined when there is none. */
  codeDeployApplication?: string;
}

type Logger = Pick<Log, 'info' | 'warn'>;

export interface RollbackDeps {
  lambda: LambdaClient;
  codedeploy: CodeDeployClient;
  ledger: Pick<AuditLedger, 'record' | 'list'>;
  logger: Logger;
  now: () => Date;
  config: RollbackConfig;
}

/** Who asked and how: the audit record's actor, and whether the cool-down holds the request. */
export interface Origin {
  door: Door;
  actor: string;
  correlationId: string;
}

export interface RollbackResult {
  functionName: string;
  alias: string;
  fromVersion: string;
  toVersion: string;
  chosenBy: ChosenBy | 'in-flight-deployment';
  /** Why that version, in one sentence. */
  why: string;
  /** The canary weights the alias carried before (now cleared), e.g. `{ "4": 0.1 }`; `{}` when none. */
  clearedWeights: Record<string, number>;
  stoppedDeploymentId?: string;
  changed: boolean;
  dryRun: boolean;
  auditId: string;
  /** The exact command that reverses this rollback; null when nothing changed. */
  undo: string | null;
  /** Set when a cool-down held an alarm-triggered rollback. */
  heldByCooldown?: { auditId: string; at: string; until: string };
  note?: string;
  notified: boolean;
}

/** A dependency failed in a way that does not mean "nothing there": the rollback stops before any write. */
export class DependencyError extends RunbookError {
  constructor(message: string, cause?: unknown) {
    super(message, { statusCode: 502, code: 'DependencyFailed', cause });
  }
}

const IN_FLIGHT = ['Created', 'Queued', 'InProgress', 'Ready'] as const;
const STACK_NOTE =
  'the CloudFormation stack still declares the version it deployed: the live alias differs from the stack until the next deploy (which moves it again)';

type Weights = Record<string, number>;

function weightsOf(alias: AliasConfiguration): Weights {
  return { ...(alias.RoutingConfig?.AdditionalVersionWeights ?? {}) };
}

function describeAlias(alias: AliasConfiguration): string {
  const weights = weightsOf(alias);
  return Object.keys(weights).length > 0
    ? `version ${alias.FunctionVersion} with weights ${JSON.stringify(weights)}`
    : `version ${alias.FunctionVersion}`;
}

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function undoCommand(functionName: string, alias: string, version: string, auditId: string): string {
  // --force: the cool-down this rollback starts must not stop a person from reversing it.
  return `runbook rollback --function ${functionName} --alias ${alias} --to-version ${version} --reason ${quote(`undo rollback ${auditId}`)} --force`;
}

async function readAlias(
  deps: RollbackDeps,
  functionName: string,
  alias: string,
): Promise<AliasConfiguration> {
  try {
    return await deps.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: alias }));
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      // Lambda says "Function not found" for both a missing function and a missing alias; tell them apart
      // by the function's own configuration only when the caller needs to know which field is wrong.
      const functionExists = await deps.lambda
        .send(new GetFunctionConfigurationCommand({ FunctionName: functionName }))
        .then(
          () => true,
          (cause: unknown) => !isAwsError(cause, 'ResourceNotFoundException'),
        );
      throw functionExists
        ? new NotFoundError(`function ${functionName} has no alias ${alias}`, 'alias', error)
        : new NotFoundError(`no function ${functionName}`, 'functionName', error);
    }
    throw error;
  }
}

async function listVersions(deps: RollbackDeps, functionName: string): Promise<PublishedVersion[]> {
  const versions: PublishedVersion[] = [];
  let Marker: string | undefined;
  do {
    const page = await deps.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: functionName, Marker, MaxItems: 50 }),
    );
    for (const item of page.Versions ?? []) {
      if (item.Version && item.Version !== '$LATEST') {
        versions.push({
          version: item.Version,
          ...(item.Description ? { description: item.Description } : {}),
        });
      }
    }
    Marker = page.NextMarker;
  } while (Marker);
  return versions;
}

async function versionExists(deps: RollbackDeps, functionName: string, version: string): Promise<boolean> {
  try {
    await deps.lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: functionName, Qualifier: version }),
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
}

// ------------------------------------------------------------------------------------------- CodeDeploy
// SAM's DeploymentPreference deploys a function through one CodeDeploy deployment group; a deployment names
// the function, alias and versions in its AppSpec (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-lambda).
// moto has no StopDeployment and returns GetDeployment dates the SDK cannot parse, so this part is tested
// with aws-sdk-client-mock (test/unit/rollback.test.ts); in the emulator there is no application at all.

interface AppSpecTarget {
  name: string;
  alias: string;
  currentVersion: string;
  targetVersion: string;
}

/** The Lambda target of an AppSpec (JSON as SAM writes it, or YAML), or undefined if it is not one. */
export function appSpecTarget(content: string | undefined): AppSpecTarget | undefined {
  if (!content) return undefined;
  const field = (name: string) =>
    new RegExp(`["']?${name}["']?\\s*:\\s*["']?([^"',\\s}]+)`).exec(content)?.[1];
  const name = field('Name');
  const alias = field('Alias');
  const currentVersion = field('CurrentVersion');
  const targetVersion = field('TargetVersion');
  if (!name || !alias || !currentVersion || !targetVersion) return undefined;
  // Name may be an ARN; compare bare names.
  const bare = name.includes(':function:') ? (name.split(':function:')[1]?.split(':')[0] ?? name) : name;
  return { name: bare, alias, currentVersion, targetVersion };
}

const notThere = (error: unknown) =>
  isAwsError(error, 'ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException');

async function deploymentGroups(deps: RollbackDeps): Promise<string[]> {
  const applicationName = deps.config.codeDeployApplication;
  if (!applicationName) {
    deps.logger.info('no CodeDeploy application configured: treating as no deployment in flight');
    return [];
  }
  const groups: string[] = [];
  let nextToken: string | undefined;
  try {
    do {
      const page = await deps.codedeploy.send(
        new ListDeploymentGroupsCommand({ applicationName, nextToken }),
      );
      groups.push(...(page.deploymentGroups ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
  } catch (error) {
    // Not found means "nothing deploys this function here"; anything else (throttled, denied) fails closed:
    // rolling back blind could fight a deployment we cannot see.
    if (notThere(error)) {
      deps.logger.info('CodeDeploy application not found: treating as no deployment in flight', {
        applicationName,
      });
      return [];
    }
    throw new DependencyError(`CodeDeploy ListDeploymentGroups failed for ${applicationName}`, error);
  }
  return groups;
}

async function findDeployment(
  deps: RollbackDeps,
  groups: string[],
  functionName: string,
  alias: string,
  statuses: readonly string[],
  perGroup: number,
): Promise<DeploymentShift | undefined> {
  const applicationName = deps.config.codeDeployApplication as string;
  let best: (DeploymentShift & { createdAt: number }) | undefined;
  for (const deploymentGroupName of groups) {
    try {
      const { deployments = [] } = await deps.codedeploy.send(
        new ListDeploymentsCommand({
          applicationName,
          deploymentGroupName,
          includeOnlyStatuses: statuses as never,
        }),
      );
      for (const deploymentId of deployments.slice(0, perGroup)) {
        const { deploymentInfo } = await deps.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
        const revision = deploymentInfo?.revision;
        const target = appSpecTarget(revision?.appSpecContent?.content ?? revision?.string?.content);
        if (!target) {
          deps.logger.warn('deployment has no readable Lambda AppSpec; skipped', { deploymentId });
          continue;
        }
        if (target.name !== functionName || target.alias !== alias) continue;
        const createdAt = deploymentInfo?.createTime?.getTime() ?? 0;
        if (!best || createdAt > best.createdAt) {
          best = {
            deploymentId,
            fromVersion: target.currentVersion,
            toVersion: target.targetVersion,
            createdAt,
          };
        }
      }
    } catch (error) {
      if (notThere(error)) continue;
      throw new DependencyError(`CodeDeploy lookup failed in deployment group ${deploymentGroupName}`, error);
    }
  }
  if (!best) return undefined;
  const { createdAt: _createdAt, ...shift } = best;
  return shift;
}

// ------------------------------------------------------------------------------------------- the action

function cooldownHold(deps: RollbackDeps, history: HistoryEntry[]) {
  const minutes = deps.config.cooldownMinutes;
  if (minutes <= 0) return undefined;
  const cutoff = new Date(deps.now().getTime() - minutes * 60_000).toISOString();
  const last = history.find(
    (entry) =>
      entry.action === 'rollback' && entry.outcome === 'succeeded' && !entry.dryRun && entry.at >= cutoff,
  );
  if (!last) return undefined;
  const until = new Date(new Date(last.at).getTime() + minutes * 60_000).toISOString();
  return { auditId: last.auditId, at: last.at, until };
}

export async function rollback(
  deps: RollbackDeps,
  request: RollbackRequest,
  origin: Origin,
): Promise<RollbackResult> {
  const { functionName, alias, dryRun } = request;
  const watched = deps.config.watchedFunction;
  if (watched && functionName !== watched) {
    throw new ValidationError(
      `functionName: this runbook rolls back ${watched} only, not ${functionName}`,
      'functionName',
    );
  }
  const target = `function:${functionName}:${alias}`;

  // ---- plan: read everything first
  const before = await readAlias(deps, functionName, alias);
  const current = String(before.FunctionVersion);
  const history = (await deps.ledger.list({ target }, { limit: 50 })) as HistoryEntry[];
  const groups = await deploymentGroups(deps);
  const inFlight =
    groups.length > 0 ? await findDeployment(deps, groups, functionName, alias, IN_FLIGHT, 10) : undefined;

  let choice: Choice | { version: string; chosenBy: 'in-flight-deployment'; why: string };
  if (inFlight && request.toVersion === undefined && request.toGitSha === undefined) {
    // CodeDeploy's own rollback returns the alias to the deployment's CurrentVersion.
    choice = {
      version: inFlight.fromVersion,
      chosenBy: 'in-flight-deployment',
      why: `deployment ${inFlight.deploymentId} was shifting the alias from version ${inFlight.fromVersion} to ${inFlight.toVersion}`,
    };
  } else {
    try {
      if (request.toVersion !== undefined) {
        if (!(await versionExists(deps, functionName, request.toVersion))) {
          throw new NotFoundError(
            `${functionName} has no published version ${request.toVersion}`,
            'toVersion',
          );
        }
        choice = chooseTarget({ current, toVersion: request.toVersion, history });
      } else {
        const versions = await listVersions(deps, functionName);
        const base = {
          current,
          weights: weightsOf(before),
          history,
          ...(request.toGitSha ? { toGitSha: request.toGitSha } : {}),
        };
        const lastDeployment =
          groups.length > 0 && needsDeploymentHistory(base)
            ? await findDeployment(deps, groups, functionName, alias, ['Succeeded'], 5)
            : undefined;
        choice = chooseTarget({ ...base, versions, ...(lastDeployment ? { lastDeployment } : {}) });
        // The ledger and CodeDeploy remember versions that may since have been deleted.
        if (!versions.some((item) => item.version === choice.version)) {
          throw new NotFoundError(
            `${choice.why}, but version ${choice.version} no longer exists; name one with toVersion`,
            'toVersion',
          );
        }
      }
    } catch (error) {
      if (error instanceof NoTargetError) throw new NotFoundError(error.message, error.field, error);
      throw error;
    }
  }

  const clearedWeights = weightsOf(before);
  const hasWeights = Object.keys(clearedWeights).length > 0;
  const summary = { version: current, routing: clearedWeights, revisionId: before.RevisionId };
  const auditId = newAuditId(deps.now());
  const base = {
    functionName,
    alias,
    fromVersion: current,
    toVersion: choice.version,
    chosenBy: choice.chosenBy,
    why: choice.why,
    clearedWeights,
    dryRun,
    auditId,
  };
  const entry = {
    action: 'rollback',
    actor: origin.actor,
    reason: request.reason,
    target,
    request,
    before: summary,
    dryRun,
    correlationId: origin.correlationId,
  };

  // ---- idempotent: already there, nothing in flight
  if (!inFlight && current === choice.version && !hasWeights) {
    deps.logger.info(`alias ${alias} already on version ${current} with no weights: nothing to do`, {
      chosenBy: choice.chosenBy,
    });
    const record = await deps.ledger.record(
      {
        ...entry,
        after: summary,
        outcome: 'unchanged',
        details: { chosenBy: choice.chosenBy, why: choice.why },
      },
      auditId,
    );
    return { ...base, changed: false, undo: null, notified: record.notified };
  }

  // ---- guardrail: a flapping alarm must not ping-pong the alias. Stopping an in-flight deployment is never
  // held: it only ever moves traffic back.
  const hold = !inFlight && !request.force ? cooldownHold(deps, history) : undefined;
  if (hold) {
    const message = `rollback ${hold.auditId} moved this alias at ${hold.at}; cool-down of ${deps.config.cooldownMinutes} min until ${hold.until}`;
    if (origin.door !== 'alarm')
      throw new ConflictError(`${message}: pass force to roll back anyway`, 'force');
    deps.logger.warn(`held by the cool-down: ${message}`);
    const record = await deps.ledger.record(
      {
        ...entry,
        after: summary,
        outcome: 'unchanged',
        details: { chosenBy: choice.chosenBy, why: choice.why, heldByCooldown: hold },
      },
      auditId,
    );
    return { ...base, changed: false, undo: null, heldByCooldown: hold, notified: record.notified };
  }

  const planned = {
    version: choice.version,
    routing: {},
    ...(inFlight ? { stoppedDeploymentId: inFlight.deploymentId } : {}),
  };
  const undo = undoCommand(functionName, alias, current, auditId);
  const details = {
    chosenBy: choice.chosenBy,
    why: choice.why,
    ...(inFlight ? { deployment: inFlight } : {}),
  };

  // ---- dry run: the plan, no write
  if (dryRun) {
    const record = await deps.ledger.record(
      { ...entry, after: planned, outcome: 'planned', undo, details },
      auditId,
    );
    return {
      ...base,
      ...(inFlight ? { stoppedDeploymentId: inFlight.deploymentId } : {}),
      changed: false,
      undo: null,
      note: `dry run: would ${inFlight ? `stop deployment ${inFlight.deploymentId} and ` : ''}move ${alias} from ${describeAlias(before)} to version ${choice.version}`,
      notified: record.notified,
    };
  }

  // ---- act
  try {
    let revisionId = before.RevisionId;
    let changed = false;
    if (inFlight) {
      // autoRollbackEnabled: CodeDeploy moves the alias back to the deployment's CurrentVersion itself.
      // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html
      try {
        await deps.codedeploy.send(
          new StopDeploymentCommand({ deploymentId: inFlight.deploymentId, autoRollbackEnabled: true }),
        );
      } catch (error) {
        throw new DependencyError(`CodeDeploy StopDeployment ${inFlight.deploymentId} failed`, error);
      }
      changed = true;
      const now = await readAlias(deps, functionName, alias);
      revisionId = now.RevisionId;
      if (now.FunctionVersion === choice.version && Object.keys(weightsOf(now)).length === 0) {
        deps.logger.info('CodeDeploy already returned the alias to the target');
        revisionId = undefined;
      }
    }
    if (revisionId !== undefined || !inFlight) {
      changed = (await updateAlias(deps, functionName, alias, choice.version, revisionId, before)) || changed;
    }
    const after = { version: choice.version, routing: {} };
    const record = await deps.ledger.record(
      {
        ...entry,
        after,
        outcome: changed ? 'succeeded' : 'unchanged',
        ...(changed ? { undo } : {}),
        details,
      },
      auditId,
    );
    return {
      ...base,
      ...(inFlight ? { stoppedDeploymentId: inFlight.deploymentId } : {}),
      changed,
      undo: changed ? undo : null,
      ...(changed ? { note: STACK_NOTE } : {}),
      notified: record.notified,
    };
  } catch (error) {
    // The record of a failed attempt is written too; the original error is what the caller sees.
    await deps.ledger
      .record(
        {
          ...entry,
          after: planned,
          outcome: 'failed',
          details: { ...details, error: error instanceof Error ? error.message : String(error) },
        },
        auditId,
      )
      .catch((cause: unknown) => deps.logger.warn('could not record the failed rollback', { cause }));
    throw error;
  }
}

/**
 * UpdateAlias with the RevisionId just read: if anything changed the alias since, Lambda refuses
 * (PreconditionFailedException) and nothing is overwritten. Then it re-reads: already on the target is
 * success without a change; anything else is a conflict for a person, never a retry that could flap.
 * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html (moto ignores RevisionId: this is
 * tested with aws-sdk-client-mock.)
 * @returns whether this call changed the alias
 */
async function updateAlias(
  deps: RollbackDeps,
  functionName: string,
  alias: string,
  version: string,
  revisionId: string | undefined,
  before: AliasConfiguration,
): Promise<boolean> {
  try {
    await deps.lambda.send(
      new UpdateAliasCommand({
        FunctionName: functionName,
        Name: alias,
        FunctionVersion: version,
        // An empty map removes every additional weight: the alias serves one version.
        RoutingConfig: { AdditionalVersionWeights: {} },
        ...(revisionId ? { RevisionId: revisionId } : {}),
      }),
    );
    return true;
  } catch (error) {
    if (!isAwsError(error, 'PreconditionFailedException')) throw error;
    const now = await readAlias(deps, functionName, alias);
    if (now.FunctionVersion === version && Object.keys(weightsOf(now)).length === 0) {
      deps.logger.info(`alias ${alias} changed meanwhile, to the target version ${version}: nothing to do`);
      return false;
    }
    throw new ConflictError(
      `alias ${alias} changed while rolling back: it was ${describeAlias(before)}, it is now ${describeAlias(now)}; nothing was written — check who moved it, then run again`,
      'alias',
      error,
    );
  }
}
