// CodeDeploy's side of the timeline: the deployments of the watched workloads created in the window
// (ListDeployments with createTimeRange), each read with GetDeployment, and its lifecycle events (the
// BeforeAllowTraffic / AfterAllowTraffic hooks, with their start, end and status) from its Lambda target:
// ListDeploymentTargets then BatchGetDeploymentTargets, the API that carries lifecycle events for every
// compute platform (GetDeployment's DeploymentInfo has none).
// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_BatchGetDeploymentTargets.html
// A deployment created before the window but still running in it is not listed (createTimeRange is the
// only time filter ListDeployments has).
import {
  BatchGetDeploymentTargetsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  GetDeploymentCommand,
  type LifecycleEvent,
  ListDeploymentGroupsCommand,
  ListDeploymentsCommand,
  ListDeploymentTargetsCommand,
} from '@aws-sdk/client-codedeploy';
import { parseAppSpec } from '../appspec.js';
import type { Workload } from '../fleet/workload.js';
import { mapSettled } from '../rate.js';
import type { TimelineEntry, TimelineGap } from './entry.js';
import { describe } from './gather.js';

export interface DeploymentWindow {
  since: Date;
  until: Date;
  /** Deployments read at most; the rest of the window is counted, not read. */
  limit: number;
  workloads: readonly Workload[];
}

interface Listed {
  deploymentId: string;
  workload: Workload;
  /** The group was discovered (not declared): keep the deployment only if it deploys the workload's function. */
  discovered: boolean;
}

async function groupsOf(codedeploy: CodeDeployClient, application: string): Promise<string[]> {
  const groups: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(
      new ListDeploymentGroupsCommand({ applicationName: application, nextToken }),
    );
    groups.push(...(page.deploymentGroups ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return groups;
}

async function listIn(
  codedeploy: CodeDeployClient,
  application: string,
  group: string,
  window: DeploymentWindow,
) {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: application,
        deploymentGroupName: group,
        createTimeRange: { start: window.since, end: window.until },
        nextToken,
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

export function deploymentEntries(info: DeploymentInfo, workload?: string): TimelineEntry[] {
  const id = info.deploymentId ?? '?';
  const target = parseAppSpec(info.revision?.appSpecContent?.content, { yaml: true })?.[0];
  const shift = target
    ? `: ${target.name}:${target.alias} version ${target.currentVersion} → ${target.targetVersion}`
    : '';
  const what = `deployment ${id} (${info.applicationName}/${info.deploymentGroupName})${shift}`;
  const who = `CodeDeploy (${info.creator ?? 'user'})`;
  const base = { kind: 'deployment' as const, who, ref: id, ...(workload ? { workload } : {}) };
  const entries: TimelineEntry[] = [];
  const finished = info.completeTime && ['Succeeded', 'Failed', 'Stopped'].includes(String(info.status));
  if (info.createTime) {
    entries.push({
      ...base,
      at: info.createTime.toISOString(),
      what: `${what} created`,
      outcome: finished ? 'created' : `${info.status ?? 'unknown'} (not finished)`,
      ...(info.description ? { detail: info.description } : {}),
    });
  }
  if (finished && info.completeTime) {
    const why = [info.errorInformation?.message, info.rollbackInfo?.rollbackMessage]
      .filter(Boolean)
      .join('; ');
    entries.push({
      ...base,
      at: info.completeTime.toISOString(),
      what: `${what} ended`,
      outcome: String(info.status),
      ...(why ? { detail: why } : {}),
    });
  }
  return entries;
}

export function lifecycleEntries(deploymentId: string, events: LifecycleEvent[], workload?: string) {
  return events.flatMap((event): TimelineEntry[] => {
    const at = event.startTime ?? event.endTime;
    if (!at) return [];
    const message = event.diagnostics?.message;
    return [
      {
        at: at.toISOString(),
        kind: 'lifecycle',
        what: `${event.lifecycleEventName} of ${deploymentId}`,
        who: 'CodeDeploy',
        outcome: event.status ?? 'unknown',
        ...(message ? { detail: message } : {}),
        ref: deploymentId,
        ...(workload ? { workload } : {}),
      },
    ];
  });
}

async function lifecycleOf(codedeploy: CodeDeployClient, deploymentId: string): Promise<LifecycleEvent[]> {
  const targetIds: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await codedeploy.send(new ListDeploymentTargetsCommand({ deploymentId, nextToken }));
    targetIds.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  // A Lambda deployment has one target; 25 is the batch's maximum.
  if (targetIds.length === 0) return [];
  const { deploymentTargets } = await codedeploy.send(
    new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds.slice(0, 25) }),
  );
  return (deploymentTargets ?? []).flatMap((target) => target.lambdaTarget?.lifecycleEvents ?? []);
}

/** Lists the window's deployments of every workload with a CodeDeploy application. */
async function listAll(codedeploy: CodeDeployClient, window: DeploymentWindow, gaps: TimelineGap[]) {
  const listed: Listed[] = [];
  const seen = new Set<string>();
  for (const workload of window.workloads) {
    const codeDeploy = workload.codeDeploy;
    if (!codeDeploy) continue;
    try {
      const discovered = codeDeploy.groups.length === 0;
      const groups = discovered ? await groupsOf(codedeploy, codeDeploy.application) : codeDeploy.groups;
      for (const group of groups) {
        for (const deploymentId of await listIn(codedeploy, codeDeploy.application, group, window)) {
          if (seen.has(deploymentId)) continue;
          seen.add(deploymentId);
          listed.push({ deploymentId, workload, discovered });
        }
      }
    } catch (error) {
      gaps.push({ source: `CodeDeploy ${codeDeploy.application}`, message: describe(error) });
    }
  }
  return listed;
}

export async function readDeployments(codedeploy: CodeDeployClient, window: DeploymentWindow) {
  const gaps: TimelineGap[] = [];
  const listed = await listAll(codedeploy, window, gaps);
  // ListDeployments answers each group newest first: reversed, each group's oldest are read first; past the
  // limit the rest are counted, not read.
  const read = [...listed].reverse().slice(0, window.limit);
  const unread = listed.length - read.length;
  const settled = await mapSettled(
    read,
    { concurrency: 4 },
    async ({ deploymentId, workload, discovered }) => {
      const { deploymentInfo } = await codedeploy.send(new GetDeploymentCommand({ deploymentId }));
      if (!deploymentInfo) return [];
      const target = parseAppSpec(deploymentInfo.revision?.appSpecContent?.content, { yaml: true })?.[0];
      if (discovered && target && target.name !== workload.functionName) return [];
      const entries = deploymentEntries(deploymentInfo, workload.name);
      try {
        entries.push(
          ...lifecycleEntries(deploymentId, await lifecycleOf(codedeploy, deploymentId), workload.name),
        );
      } catch (error) {
        gaps.push({ source: `CodeDeploy lifecycle events of ${deploymentId}`, message: describe(error) });
      }
      return entries;
    },
  );
  const entries: TimelineEntry[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'ok') entries.push(...outcome.value);
    else if (outcome.status === 'error')
      gaps.push({ source: `CodeDeploy ${read[index]?.deploymentId}`, message: describe(outcome.error) });
  });
  return { entries, unread, gaps };
}
