// The canary a CodeDeploy deployment runs: which alias it shifts from which version to which, since when, and
// for how long the new version serves beside the old one. Read from GetDeployment (and the application
// revision when the deployment carries no AppSpec content), as the pre-traffic hook reads its target.
// https://docs.aws.amazon.com/codedeploy/latest/userguide/deployment-configurations.html#deployment-configuration-lambda
import {
  type CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import { type AppSpecTarget, parseAppSpec } from '../appspec.js';

export interface CanaryDeployment {
  deploymentId: string;
  applicationName: string;
  deploymentGroupName: string;
  status: string;
  createTime: Date;
  configName: string;
  /** How long both versions serve side by side; undefined for AllAtOnce and configurations not known here. */
  canaryMs?: number;
  target: AppSpecTarget;
}

/** Not a Lambda deployment of one alias the analyst can read: no verdict is possible. */
export class UnreadableDeploymentError extends Error {
  override name = 'UnreadableDeploymentError';
}

const MINUTE_MS = 60_000;

/**
 * The canary's length from the deployment configuration's name: `…Canary10Percent5Minutes` serves both
 * versions 5 minutes; `…Linear10PercentEvery2Minutes` 9 steps of 2 minutes before the last one; AllAtOnce and
 * custom names (whose settings this does not read) have none.
 */
export function canaryDurationMs(configName: string): number | undefined {
  const canary = /Canary(\d+)Percent(\d+)Minutes?$/.exec(configName);
  if (canary) return Number(canary[2]) * MINUTE_MS;
  const linear = /Linear(\d+)PercentEvery(\d+)Minutes?$/.exec(configName);
  if (linear) {
    const steps = Math.ceil(100 / Number(linear[1])) - 1;
    return steps > 0 ? steps * Number(linear[2]) * MINUTE_MS : undefined;
  }
  return undefined;
}

const contentOf = (revision: RevisionLocation | undefined) =>
  revision?.appSpecContent?.content ?? revision?.string?.content;

export async function readCanaryDeployment(
  codedeploy: Pick<CodeDeployClient, 'send'>,
  deploymentId: string,
  signal?: AbortSignal,
): Promise<CanaryDeployment> {
  const options = signal ? { abortSignal: signal } : {};
  const { deploymentInfo: info } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }), options);
  if (!info?.applicationName || !info.deploymentGroupName || !info.createTime) {
    throw new UnreadableDeploymentError(
      `GetDeployment ${deploymentId} named no application, group or start time`,
    );
  }
  let content = contentOf(info.revision);
  if (!content && info.revision) {
    const answer = await codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: info.applicationName, revision: info.revision }),
      options,
    );
    content = contentOf(answer.revision);
  }
  const targets = parseAppSpec(content);
  if (targets?.length !== 1) {
    throw new UnreadableDeploymentError(
      `deployment ${deploymentId}: its AppSpec does not name exactly one Lambda alias (${targets?.length ?? 0})`,
    );
  }
  const configName = info.deploymentConfigName ?? '';
  const canaryMs = canaryDurationMs(configName);
  return {
    deploymentId,
    applicationName: info.applicationName,
    deploymentGroupName: info.deploymentGroupName,
    status: String(info.status),
    createTime: info.createTime,
    configName,
    ...(canaryMs === undefined ? {} : { canaryMs }),
    target: targets[0] as AppSpecTarget,
  };
}
