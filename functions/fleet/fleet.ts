// One entry for every fleet request: the action picks the per-workload step; run.ts does the rest.
import { ValidationError } from '../../shared/errors.js';
import type { Origin } from '../../shared/origin.js';
import { continuation, type Part } from './continue.js';
import { drainWorkload } from './drain.js';
import { governedFleet } from './governed.js';
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
  drain: drainWorkload,
};

/** A request, or with `part` the next part of a run that continues (continue.ts). */
export async function fleet(
  deps: FleetDeps,
  request: FleetRequest,
  origin: Origin,
  part?: Part,
): Promise<object> {
  if (request.action === 'status') return fleetStatus(deps, request);
  if (request.action === 'undo') return undoFleet(deps, request, origin, UNDO_BY_KIND, part);
  const perWorkload = PER_WORKLOAD[request.action];
  if (!perWorkload)
    throw new ValidationError(`action: ${request.action} is not a fleet action yet`, 'action');
  // A continuation carries on a run that already passed the approval gate (its first part's record says so).
  if (part) return runFleet(deps, request, origin, perWorkload, undefined, part);
  return governedFleet(deps, request, origin, perWorkload);
}

/** A continuation message off the queue: checked against the ledger, then the next part of its run. */
export async function continueFleet(deps: FleetDeps, payload: unknown): Promise<object> {
  const next = await continuation(deps, payload);
  if ('duplicate' in next) {
    deps.logger.info(`fleet continuation ${next.duplicate} already ran: a duplicate delivery, nothing to do`);
    return { acknowledged: true, acted: false, auditId: next.duplicate, why: 'already ran' };
  }
  return fleet(deps, next.request, next.origin, next.part);
}
