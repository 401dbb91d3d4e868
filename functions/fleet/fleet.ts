// One entry for every fleet request: the action picks the per-workload step; run.ts does the rest.
import { ValidationError } from '../../shared/errors.js';
import type { Origin } from '../../shared/origin.js';
import { disableWorkload, enableWorkload } from './killswitch.js';
import { rollbackWorkload } from './rollback.js';
import { runFleet } from './run.js';
import type { FleetAction, FleetRequest } from './schema.js';
import { fleetStatus } from './status.js';
import type { FleetDeps, PerWorkload } from './types.js';
import { UNDO_BY_KIND, undoFleet } from './undo.js';

const PER_WORKLOAD: Partial<Record<FleetAction, PerWorkload>> = {
  rollback: rollbackWorkload,
  disable: disableWorkload,
  enable: enableWorkload,
};

export async function fleet(deps: FleetDeps, request: FleetRequest, origin: Origin): Promise<object> {
  if (request.action === 'status') return fleetStatus(deps, request);
  if (request.action === 'undo') return undoFleet(deps, request, origin, UNDO_BY_KIND);
  const perWorkload = PER_WORKLOAD[request.action];
  if (!perWorkload)
    throw new ValidationError(`action: ${request.action} is not a fleet action yet`, 'action');
  return runFleet(deps, request, origin, perWorkload);
}
