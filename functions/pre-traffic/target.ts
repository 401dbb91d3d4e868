// Which version the deployment is about to shift traffic to (from its AppSpec), and which build it should be.
import {
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { GetFunctionConfigurationCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { type AppSpecTarget, parseAppSpec } from '../../shared/appspec.js';
import type { HookEvent } from '../../shared/lifecycle-hook.js';

import { NotSure, type PreTrafficDeps, type Target } from './types.js';

function appSpecContent(revision: RevisionLocation | undefined): string | undefined {
  return revision?.appSpecContent?.content ?? revision?.string?.content;
}

function onlyTarget(targets: AppSpecTarget[], where: string): AppSpecTarget {
  if (targets.length !== 1) {
    throw new NotSure(`the ${where} AppSpec names ${targets.length} Lambda targets; expected exactly one`);
  }
  return targets[0] as AppSpecTarget;
}

/**
 * The version under test, from the deployment itself: its revision's AppSpec content, or the application
 * revision it points to. Only a deployment with no AppSpec content at all falls back to TARGET_FUNCTION and
 * its newest published version (SAM publishes the version before it starts the deployment).
 */
export async function findTarget(deps: PreTrafficDeps, event: HookEvent): Promise<Target> {
  const { deploymentInfo } = await deps.codedeploy.send(
    new GetDeploymentCommand({ deploymentId: event.DeploymentId }),
  );
  const revision = deploymentInfo?.revision;
  let content = appSpecContent(revision);
  let source: Target['source'] = 'deployment';
  if (!content && revision && deploymentInfo?.applicationName) {
    const answer = await deps.codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: deploymentInfo.applicationName, revision }),
    );
    content = appSpecContent(answer.revision);
    source = 'application-revision';
  }
  if (content) {
    const targets = parseAppSpec(content);
    if (!targets) throw new NotSure(`the deployment's AppSpec content is not a Lambda AppSpec we can read`);
    const target = onlyTarget(targets, source === 'deployment' ? "deployment's" : "application revision's");
    return {
      name: target.name,
      version: target.targetVersion,
      alias: target.alias,
      currentVersion: target.currentVersion,
      source,
    };
  }
  const name = deps.config.targetFunction;
  if (!name) {
    throw new NotSure('the deployment has no AppSpec content and TARGET_FUNCTION is not set');
  }
  deps.logger.warn('the deployment has no AppSpec content: testing the newest version of TARGET_FUNCTION', {
    functionName: name,
  });
  let newest = 0;
  let Marker: string | undefined;
  do {
    const page = await deps.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: name, Marker, MaxItems: 50 }),
    );
    for (const item of page.Versions ?? []) {
      const number = Number(item.Version);
      if (Number.isInteger(number) && number > newest) newest = number;
    }
    Marker = page.NextMarker;
  } while (Marker);
  if (newest === 0) throw new NotSure(`${name} has no published version to test`);
  return { name, version: String(newest), source: 'environment' };
}

/** The git sha a version's description records (`gitSha=<sha> buildId=…`, the template's VersionDescription). */
export function recordedGitSha(description: string | undefined): string | undefined {
  return /(?:^|\s)gitSha=([0-9a-f]{7,40})(?:\s|$)/.exec(description ?? '')?.[1];
}

/** Two shas name the same commit when one is a prefix of the other (short and full forms), 7 hex at least. */
export function sameCommit(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || !/^[0-9a-f]{7,40}$/.test(a)) return false;
  return a.startsWith(b) || b.startsWith(a);
}

export async function expectedGitSha(deps: PreTrafficDeps, target: Target): Promise<string> {
  const config = await deps.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: target.name, Qualifier: target.version }),
  );
  const sha = recordedGitSha(config.Description);
  if (!sha) {
    throw new NotSure(
      `version ${target.version} of ${target.name} records no git sha in its description (${JSON.stringify(config.Description ?? '')})`,
    );
  }
  return sha;
}
