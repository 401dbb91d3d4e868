// The canary watcher: once a minute (its schedule), look at every deployment in progress in the watched
// deployment groups, judge its canary against the version it replaces, and stop a failing one with
// StopDeployment autoRollbackEnabled (CodeDeploy puts the alias back on the old version) before the full shift.
//
// Why polling and not CodeDeploy's EventBridge state-change events: those arrive when a deployment starts,
// succeeds, fails or stops, and nothing while its canary serves — yet the canary is exactly when a verdict is
// needed. A look costs one ListDeployments call when nothing is deploying.
// https://docs.aws.amazon.com/codedeploy/latest/userguide/monitoring-cloudwatch-events.html
//
// plan (read the deployment, read the metrics, judge) → dryRun? answer the plan → act (StopDeployment, which
// tolerates "already completed") → audit (one record per stop, written even when the stop failed) → answer.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  type CodeDeployClient,
  ListDeploymentsCommand,
  StopDeploymentCommand,
} from '@aws-sdk/client-codedeploy';
import type { AuditLedger, AuditOutcome } from '../../shared/audit.js';
import type { AnalystConfig } from '../../shared/canary/config.js';
import { readCanaryDeployment } from '../../shared/canary/deployment.js';
import { type Judgement, judgeCanary } from '../../shared/canary/judge.js';
import { isAwsError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import type { WatchRequest } from './schema.js';

export interface WatchDeps {
  codedeploy: Pick<CodeDeployClient, 'send'>;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  ledger: Pick<AuditLedger, 'record'>;
  logger: Log;
  now: () => Date;
  config: AnalystConfig;
  applicationName?: string;
  deploymentGroups: string[];
}

export interface Look {
  deploymentId: string;
  /** `judged`, or why there was nothing to judge. */
  status: 'judged' | 'after the canary' | 'unreadable';
  judgement?: Judgement;
  action?: { stop: AuditOutcome; auditId?: string; error?: string };
  note?: string;
}

export interface WatchResult {
  dryRun: boolean;
  looks: Look[];
}

// CodeDeploy runs one deployment at a time per group; a few more pages would mean something is wrong.
const MAX_DEPLOYMENTS_PER_GROUP = 5;

async function inProgress(deps: WatchDeps, applicationName: string, group: string): Promise<string[]> {
  try {
    const { deployments = [] } = await deps.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName,
        deploymentGroupName: group,
        includeOnlyStatuses: ['InProgress'],
      }),
    );
    return deployments.slice(0, MAX_DEPLOYMENTS_PER_GROUP);
  } catch (error) {
    // Not there yet (a stack whose first deployment has not happened) means nothing is deploying; anything
    // else (throttled, denied) is raised: a watcher that cannot see must say so, not pass silently.
    if (!isAwsError(error, 'ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException'))
      throw error;
    deps.logger.info('the watched deployment group does not exist: nothing is deploying', {
      applicationName,
      group,
    });
    return [];
  }
}

async function stop(
  deps: WatchDeps,
  judgement: Judgement,
  request: WatchRequest,
  who: { actor: string; correlationId: string },
): Promise<NonNullable<Look['action']>> {
  let outcome: AuditOutcome = request.dryRun ? 'planned' : 'succeeded';
  let error: string | undefined;
  if (!request.dryRun) {
    try {
      await deps.codedeploy.send(
        new StopDeploymentCommand({ deploymentId: judgement.deploymentId, autoRollbackEnabled: true }),
      );
    } catch (caught) {
      // Already finished (succeeded, failed or stopped by someone else): nothing left to stop.
      if (isAwsError(caught, 'DeploymentAlreadyCompletedException')) outcome = 'unchanged';
      else {
        outcome = 'failed';
        error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
      }
    }
  }
  const live = `${judgement.functionName}:${judgement.alias}`;
  try {
    const record = await deps.ledger.record({
      action: 'canary.stop',
      actor: who.actor,
      reason: `${request.reason}: ${judgement.verdict.reason}`,
      target: `deployment:${judgement.deploymentId}`,
      request,
      before: {
        status: 'InProgress',
        live,
        version: judgement.baselineVersion,
        canary: judgement.canaryVersion,
      },
      after:
        outcome === 'succeeded'
          ? { status: 'Stopped', rollback: true, version: judgement.baselineVersion }
          : { status: outcome === 'unchanged' ? 'already completed' : 'InProgress' },
      dryRun: request.dryRun,
      outcome,
      // A stopped deployment cannot be resumed: the way forward is a new deployment of the version.
      undo: `deploy version ${judgement.canaryVersion} of ${judgement.functionName} again (a new CodeDeploy deployment); override: RUNBOOK.md "Overriding a canary verdict"`,
      correlationId: who.correlationId,
      details: { judgement, ...(error ? { error } : {}) },
    });
    return { stop: outcome, auditId: record.auditId, ...(error ? { error } : {}) };
  } catch (caught) {
    // The stop stands whatever happens to its record: log it, never fail after acting.
    deps.logger.error('could not write the audit record of a canary stop', { error: caught, judgement });
    return { stop: outcome, ...(error ? { error } : {}) };
  }
}

async function lookAtDeployment(
  deps: WatchDeps,
  deploymentId: string,
  request: WatchRequest,
  who: { actor: string; correlationId: string },
): Promise<Look> {
  let deployment: Awaited<ReturnType<typeof readCanaryDeployment>>;
  try {
    deployment = await readCanaryDeployment(deps.codedeploy, deploymentId);
  } catch (error) {
    deps.logger.warn('a deployment in progress could not be read: no verdict', { deploymentId, error });
    return {
      deploymentId,
      status: 'unreadable',
      note: error instanceof Error ? error.message : String(error),
    };
  }
  const now = deps.now();
  const { canaryMs } = deployment;
  if (canaryMs === undefined || now.getTime() - deployment.createTime.getTime() >= canaryMs) {
    // AllAtOnce has no canary; past the canary's length the post-traffic hook takes the last look.
    return {
      deploymentId,
      status: 'after the canary',
      note: `${deployment.configName}: the post-traffic hook takes the last look`,
    };
  }
  const judgement = await judgeCanary(deps, deployment, now, false);
  deps.logger.info(`canary ${deploymentId}: ${judgement.verdict.reason}`, { judgement });
  if (judgement.decision !== 'stop') return { deploymentId, status: 'judged', judgement };
  return { deploymentId, status: 'judged', judgement, action: await stop(deps, judgement, request, who) };
}

export async function watchCanaries(
  deps: WatchDeps,
  request: WatchRequest,
  who: { actor: string; correlationId: string },
): Promise<WatchResult> {
  const looks: Look[] = [];
  if (!deps.applicationName || deps.deploymentGroups.length === 0) {
    deps.logger.info('no CodeDeploy deployment group watched (CANARY_APPLICATION, CANARY_DEPLOYMENT_GROUPS)');
    return { dryRun: request.dryRun, looks };
  }
  for (const group of deps.deploymentGroups) {
    for (const deploymentId of await inProgress(deps, deps.applicationName, group)) {
      looks.push(await lookAtDeployment(deps, deploymentId, request, who));
    }
  }
  return { dryRun: request.dryRun, looks };
}
