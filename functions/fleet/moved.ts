// `--deployed-since 30m`: the watched workloads whose alias moved in that window. Three witnesses, any one is
// enough: the ledger (a runbook rollback or undo of that alias), CodeDeploy (a deployment of that alias created
// in the window), and the version the alias serves now (published in the window: `sam deploy` without
// CodeDeploy, or a hand-run update-alias to a new version). Reads only; a workload whose reads fail is kept
// (for a fleet action, acting on one more workload than needed is safer than missing a broken one) and the
// failure is logged.
import { ListDeploymentsCommand } from '@aws-sdk/client-codedeploy';
import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { describe } from '../../shared/errors.js';
import { aliasTarget, type Workload } from '../../shared/fleet/workload.js';
import { mapSettled } from '../../shared/rate.js';
import { shiftOf } from '../rollback/deployments.js';
import type { FleetDeps } from './types.js';

export async function movedSince(
  deps: FleetDeps,
  workloads: Workload[],
  minutes: number,
): Promise<Workload[]> {
  const since = new Date(deps.now().getTime() - minutes * 60_000);
  const checked = await mapSettled(workloads, { concurrency: deps.config.concurrency }, (workload) =>
    moved(deps, workload, since),
  );
  return workloads.filter((workload, index) => {
    const item = checked[index];
    if (item?.status === 'ok') return item.value;
    deps.logger.warn('could not tell whether the workload moved: kept in the selection', {
      workload: workload.name,
      reason: item?.status === 'error' ? describe(item.error) : 'not reached',
    });
    return true;
  });
}

async function moved(deps: FleetDeps, workload: Workload, since: Date): Promise<boolean> {
  const history = await deps.ledger.list(
    { target: aliasTarget(workload) },
    { since: since.toISOString(), limit: 20 },
  );
  if (history.some((record) => !record.dryRun && record.outcome === 'succeeded')) return true;
  const clients = await deps.clientsFor(workload.account);
  const alias = await clients.lambda.send(
    new GetAliasCommand({ FunctionName: workload.functionName, Name: workload.alias }),
  );
  const version = await clients.lambda.send(
    new GetFunctionConfigurationCommand({
      FunctionName: workload.functionName,
      Qualifier: alias.FunctionVersion,
    }),
  );
  if (version.LastModified && new Date(version.LastModified) >= since) return true;
  return deployedSince(deps, clients.codedeploy, workload, since);
}

async function deployedSince(
  deps: FleetDeps,
  codedeploy: Awaited<ReturnType<FleetDeps['clientsFor']>>['codedeploy'],
  workload: Workload,
  since: Date,
): Promise<boolean> {
  const application = workload.codeDeploy?.application;
  if (!application) return false;
  for (const deploymentGroupName of workload.codeDeploy?.groups ?? []) {
    const { deployments = [] } = await codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: application,
        deploymentGroupName,
        createTimeRange: { start: since },
      }),
    );
    for (const deploymentId of deployments.slice(0, 10)) {
      // The rollback's own reading of a deployment's AppSpec: does it shift this alias?
      if (await shiftOf({ codedeploy, logger: deps.logger }, deploymentId, workload)) return true;
    }
  }
  return false;
}
