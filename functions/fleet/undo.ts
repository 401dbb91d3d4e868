// Undo of a fleet run: every workload that run changed, put back exactly as it was (a rollback's alias on the
// version it served; a kill switch's schedules restored from its snapshot), each by its own action and record.
// `workloads` narrows it to some ("undo part of it"); a workload the run did not change cannot be named.
import { ValidationError } from '../../shared/errors.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { linesOf, type Part, partsFrom } from './continue.js';
import { enableWorkload } from './killswitch.js';
import { rollbackWorkload } from './rollback.js';
import { runFleet } from './run.js';
import type { FleetRequest } from './schema.js';
import type { FleetDeps, FleetResult, PerWorkload, Restore } from './types.js';

/** What reverses each restorable part of a recorded fleet run, by workload name. */
export async function restorable(deps: FleetDeps, auditId: string): Promise<Map<string, Restore>> {
  const restores = new Map<string, Restore>();
  // A run that continued (continue.ts) is undone whole: every part of its chain, from this one on.
  for (const part of await partsFrom(deps, auditId))
    for (const line of linesOf(part)) if (line.restore) merge(restores, line.workload, line.restore);
  return restores;
}

/** A workload stopped midway shows up again in the next part: its kill switches add up; its first version stands. */
function merge(restores: Map<string, Restore>, workload: string, restore: Restore) {
  const known = restores.get(workload);
  if (!known) restores.set(workload, restore);
  else if (known.kind === 'enable' && restore.kind === 'enable')
    known.restoreIds = [...new Set([...known.restoreIds, ...restore.restoreIds])];
}

export async function undoFleet(
  deps: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  perKind: Record<Restore['kind'], PerWorkload | undefined>,
  part?: Part,
): Promise<FleetResult> {
  const restores = await restorable(deps, request.auditId as string);
  const names = part
    ? part.workloads.map((workload) => workload.name)
    : (request.workloads ?? [...restores.keys()]);
  names.forEach((name, index) => {
    if (!restores.has(name))
      throw new ValidationError(
        `workloads.${index}: fleet run ${request.auditId} changed nothing of ${name} (it changed: ${[...restores.keys()].join(', ') || 'nothing'})`,
        `workloads.${index}`,
      );
  });
  const list = await deps.watchList();
  const chosen = names.map((name) => list.workloads.find((workload) => workload.name === name));
  const missing = names.find((_, index) => chosen[index] === undefined);
  if (missing) throw new ValidationError(`workloads: ${missing} is no longer in the watch list`, 'workloads');
  const perWorkload: PerWorkload = (innerDeps, workload, context) => {
    const restore = restores.get(workload.name) as Restore;
    const run = perKind[restore.kind];
    if (!run) throw new ValidationError(`cannot undo a ${restore.kind} here`, 'auditId');
    const restoring =
      restore.kind === 'rollback'
        ? { ...context.request, action: 'rollback' as const, toVersion: restore.toVersion, force: true }
        : { ...context.request, action: 'enable' as const, restoreIds: restore.restoreIds };
    return run(innerDeps, workload, { ...context, request: restoring as FleetRequest });
  };
  return runFleet(deps, request, origin, perWorkload, chosen as Workload[], part);
}

export const UNDO_BY_KIND: Record<Restore['kind'], PerWorkload | undefined> = {
  rollback: rollbackWorkload,
  enable: enableWorkload,
};
