// The rollback's plan: everything read before any write, and the decisions made from it (the version by
// choose.ts's rules, or an in-flight deployment's CurrentVersion; already there; held by the cool-down).
import { newAuditId } from '../../shared/audit.js';
import { ConflictError, NotFoundError, ValidationError } from '../../shared/errors.js';
import { aliasTarget } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { listVersions, readAlias, servesOnly, versionExists, weightsOf } from './alias.js';
import {
  chooseTarget,
  type DeploymentShift,
  type HistoryEntry,
  needsDeploymentHistory,
  type PublishedVersion,
} from './choose.js';
import { deploymentGroups, findDeployment, IN_FLIGHT } from './deployments.js';
import type { RollbackRequest } from './schema.js';
import type { Chosen, Hold, RollbackDeps, RollbackPlan } from './types.js';
import { fleetUndoCommand, undoCommand } from './undo.js';

export async function planRollback(
  deps: RollbackDeps,
  { request, origin }: { request: RollbackRequest; origin: Origin },
): Promise<RollbackPlan> {
  const { functionName, alias } = request;
  const watched = deps.config.watchedFunction;
  if (watched && functionName !== watched) {
    throw new ValidationError(
      `functionName: this runbook rolls back ${watched} only, not ${functionName}`,
      'functionName',
    );
  }
  const target = aliasTarget({ functionName, alias, account: deps.config.account });
  // The published versions, which choosing by the rules needs (a rollback that names no version, unless a
  // deployment turns out to be in flight), read alongside the rest rather than after it: one round trip less.
  // Awaited only where it is used, so its failure is the error only of a rollback that needed it, as before.
  const versions = request.toVersion === undefined ? readAhead(listVersions(deps, functionName)) : undefined;
  // Three independent reads at once: at 3 a.m. on AWS each is a round trip of tens of milliseconds. Settled
  // all, then the first failure in this order: the same error as reading them one after the other.
  const [before, history, groups] = firstFailure(
    await Promise.allSettled([
      readAlias(deps, functionName, alias),
      // Done actions only: the rules and the cool-down skip dry runs, and a burst of them must not push the
      // last rollback out of the 50 read (AuditLedger.list's excludeDryRuns).
      deps.ledger.list({ target }, { limit: 50, fields: HISTORY_FIELDS, excludeDryRuns: true }) as Promise<
        HistoryEntry[]
      >,
      deploymentGroups(deps),
    ]),
  );
  const current = String(before.FunctionVersion);
  const inFlight = groups.length > 0 ? await findDeployment(deps, groups, request, IN_FLIGHT, 10) : undefined;
  const choice = await choose(deps, request, {
    current,
    weights: weightsOf(before),
    history,
    groups,
    inFlight,
    versions: versions ?? (() => listVersions(deps, functionName)),
  });
  const alreadyThere = !inFlight && servesOnly(before, choice.version);
  // A flapping alarm must not ping-pong the alias. Stopping an in-flight deployment is never held: it only
  // ever moves traffic back.
  const hold = alreadyThere || inFlight || request.force ? undefined : cooldownHold(deps, history);
  if (alreadyThere) {
    deps.logger.info(`alias ${alias} already on version ${current} with no weights: nothing to do`, {
      chosenBy: choice.chosenBy,
    });
  } else if (hold) {
    const message = holdMessage(hold, deps.config.cooldownMinutes);
    if (origin.door !== 'alarm')
      throw new ConflictError(`${message}: pass force to roll back anyway`, 'force');
    deps.logger.warn(`held by the cool-down: ${message}`);
  }
  const auditId = newAuditId(deps.now());
  return {
    request,
    origin,
    auditId,
    dryRun: request.dryRun,
    target,
    before,
    choice,
    ...(inFlight ? { inFlight } : {}),
    alreadyThere,
    ...(hold ? { hold } : {}),
    undo: deps.config.workload
      ? fleetUndoCommand(deps.config.workload, current, auditId)
      : undoCommand(functionName, alias, current, auditId),
    cooldownMinutes: deps.config.cooldownMinutes,
  };
}

/**
 * A read started ahead of its use: the promise's value on first use, and no unhandled rejection meanwhile (a
 * failure is thrown where it is used, and nowhere when it is never used).
 */
function readAhead<T>(read: Promise<T>): () => Promise<T> {
  read.catch(() => undefined);
  return () => read;
}

/** What choosing a version and the cool-down read of each record of the alias's history (HistoryEntry). */
const HISTORY_FIELDS = [
  'auditId',
  'at',
  'action',
  'outcome',
  'dryRun',
  'before.version',
  'after.version',
  'details.chosenBy',
] as const;

type Settled<T extends readonly unknown[]> = { [K in keyof T]: PromiseSettledResult<T[K]> };

/** The values, or the reason of the first that failed. */
function firstFailure<T extends readonly unknown[]>(results: Settled<T>): T {
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

interface Read {
  current: string;
  weights: Record<string, number>;
  history: HistoryEntry[];
  groups: string[];
  inFlight: DeploymentShift | undefined;
  /** The function's published versions, read ahead (readAhead) or on this call. */
  versions: () => Promise<PublishedVersion[]>;
}

/** The target version: the in-flight deployment's CurrentVersion, or choose.ts's rules over what was read. */
async function choose(deps: RollbackDeps, request: RollbackRequest, read: Read): Promise<Chosen> {
  const { inFlight } = read;
  if (inFlight && request.toVersion === undefined && request.toGitSha === undefined) {
    // CodeDeploy's own rollback returns the alias to the deployment's CurrentVersion.
    return {
      version: inFlight.fromVersion,
      chosenBy: 'in-flight-deployment',
      why: `deployment ${inFlight.deploymentId} was shifting the alias from version ${inFlight.fromVersion} to ${inFlight.toVersion}`,
    };
  }
  // choose.ts's NoTargetError is a NotFoundError naming the field to use instead: it reaches the caller as is.
  return request.toVersion !== undefined
    ? chooseNamed(deps, request, read, request.toVersion)
    : chooseByRules(deps, request, read);
}

async function chooseNamed(deps: RollbackDeps, request: RollbackRequest, read: Read, toVersion: string) {
  if (!(await versionExists(deps, request.functionName, toVersion))) {
    throw new NotFoundError(`${request.functionName} has no published version ${toVersion}`, 'toVersion');
  }
  return chooseTarget({ current: read.current, toVersion, history: read.history });
}

async function chooseByRules(deps: RollbackDeps, request: RollbackRequest, read: Read) {
  const versions = await read.versions();
  const base = {
    current: read.current,
    weights: read.weights,
    history: read.history,
    ...(request.toGitSha ? { toGitSha: request.toGitSha } : {}),
  };
  const lastDeployment =
    read.groups.length > 0 && needsDeploymentHistory(base)
      ? await findDeployment(deps, read.groups, request, ['Succeeded'], 5)
      : undefined;
  const choice = chooseTarget({ ...base, versions, ...(lastDeployment ? { lastDeployment } : {}) });
  // The ledger and CodeDeploy remember versions that may since have been deleted.
  if (!versions.some((item) => item.version === choice.version)) {
    throw new NotFoundError(
      `${choice.why}, but version ${choice.version} no longer exists; name one with toVersion`,
      'toVersion',
    );
  }
  return choice;
}

function cooldownHold(deps: RollbackDeps, history: HistoryEntry[]): Hold | undefined {
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

export function holdMessage(hold: Hold, cooldownMinutes: number): string {
  return `rollback ${hold.auditId} moved this alias at ${hold.at}; cool-down of ${cooldownMinutes} min until ${hold.until}`;
}
