// Which CodeDeploy deployment moves the alias: one in flight (to stop first, or it would move the alias again),
// or the last that succeeded (its CurrentVersion is the version before).
// SAM's DeploymentPreference deploys a function through one CodeDeploy deployment group; a deployment names
// the function, alias and versions in its AppSpec (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-resources.html#reference-appspec-file-structure-resources-lambda).
// moto has no StopDeployment and returns GetDeployment dates the SDK cannot parse, so this part is tested
// with aws-sdk-client-mock (test/unit/rollback.test.ts); in the emulator there is no application at all.
import {
  GetDeploymentCommand,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy';
import { appSpecTarget } from '../../shared/appspec.js';
import { DependencyError, isAwsError } from '../../shared/errors.js';
import type { DeploymentShift } from './choose.js';
import type { RollbackDeps } from './types.js';

export const IN_FLIGHT = ['Created', 'Queued', 'InProgress', 'Ready'] as const;

type Deps = Pick<RollbackDeps, 'codedeploy' | 'logger' | 'config'>;

const notThere = (error: unknown) =>
  isAwsError(error, 'ApplicationDoesNotExistException', 'DeploymentGroupDoesNotExistException');

/** The deployment groups of the configured application; none when there is no application. */
export async function deploymentGroups(deps: Deps): Promise<string[]> {
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

/** The newest deployment in `statuses` that shifts this function's alias, looking at `perGroup` per group. */
export async function findDeployment(
  deps: Deps,
  groups: string[],
  target: { functionName: string; alias: string },
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
        const found = await shiftOf(deps, deploymentId, target);
        if (found && (!best || found.createdAt > best.createdAt)) best = found;
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

/** What one deployment shifts, when it is this function's alias; undefined otherwise. */
export async function shiftOf(
  deps: Pick<Deps, 'codedeploy' | 'logger'>,
  deploymentId: string,
  wanted: { functionName: string; alias: string },
): Promise<(DeploymentShift & { createdAt: number }) | undefined> {
  const { deploymentInfo } = await deps.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  const revision = deploymentInfo?.revision;
  const target = appSpecTarget(revision?.appSpecContent?.content ?? revision?.string?.content, wanted);
  if (target === 'unreadable') {
    deps.logger.warn('deployment has no readable Lambda AppSpec; skipped', { deploymentId });
    return undefined;
  }
  if (!target) return undefined;
  return {
    deploymentId,
    fromVersion: target.currentVersion,
    toVersion: target.targetVersion,
    createdAt: deploymentInfo?.createTime?.getTime() ?? 0,
  };
}
