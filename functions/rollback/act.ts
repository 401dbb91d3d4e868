// The rollback's one change: stop the deployment in flight (CodeDeploy then moves the alias back itself), and
// put the alias on the target alone, optimistically, with the RevisionId just read.

import { StopDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { AliasConfiguration } from '@aws-sdk/client-lambda';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { ConflictError, DependencyError, isAwsError } from '../../shared/errors.js';
import { describeAlias, readAlias, servesOnly } from './alias.js';
import type { RollbackDeps, RollbackOutcome, RollbackPlan } from './types.js';

export async function actRollback(deps: RollbackDeps, plan: RollbackPlan): Promise<RollbackOutcome> {
  const { functionName, alias } = plan.request;
  const version = plan.choice.version;
  let revisionId = plan.before.RevisionId;
  let changed = false;
  if (plan.inFlight) {
    const { deploymentId } = plan.inFlight;
    // autoRollbackEnabled: CodeDeploy moves the alias back to the deployment's CurrentVersion itself.
    // https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_StopDeployment.html
    try {
      await deps.codedeploy.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }));
    } catch (error) {
      throw new DependencyError(`CodeDeploy StopDeployment ${deploymentId} failed`, error);
    }
    changed = true;
    const now = await readAlias(deps, functionName, alias);
    revisionId = now.RevisionId;
    if (servesOnly(now, version)) {
      deps.logger.info('CodeDeploy already returned the alias to the target');
      return { kind: 'moved', changed };
    }
    // After a stop, the alias is written only under the revision just read, never blind.
    if (revisionId === undefined) return { kind: 'moved', changed };
  }
  changed = (await updateAlias(deps, plan, revisionId)) || changed;
  return { kind: 'moved', changed };
}

/**
 * UpdateAlias with the RevisionId just read: if anything changed the alias since, Lambda refuses
 * (PreconditionFailedException) and nothing is overwritten. Then it re-reads: already on the target is
 * success without a change; anything else is a conflict for a person, never a retry that could flap.
 * https://docs.aws.amazon.com/lambda/latest/api/API_UpdateAlias.html (moto ignores RevisionId: this is
 * tested with aws-sdk-client-mock.)
 * @returns whether this call changed the alias
 */
async function updateAlias(deps: RollbackDeps, plan: RollbackPlan, revisionId: string | undefined) {
  const { functionName, alias } = plan.request;
  const version = plan.choice.version;
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
    if (servesOnly(now, version)) {
      deps.logger.info(`alias ${alias} changed meanwhile, to the target version ${version}: nothing to do`);
      return false;
    }
    throw conflict(alias, plan.before, now, error);
  }
}

function conflict(alias: string, before: AliasConfiguration, now: AliasConfiguration, cause: unknown) {
  return new ConflictError(
    `alias ${alias} changed while rolling back: it was ${describeAlias(before)}, it is now ${describeAlias(now)}; nothing was written — check who moved it, then run again`,
    'alias',
    cause,
  );
}
