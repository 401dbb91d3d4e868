// The commands that undo a kill switch, written with the one quoting rule (shared/undo.ts).
import { runbookCommand } from '../../shared/undo.js';
import { scheduleKey } from './definition.js';
import type { Selector, Snapshot } from './types.js';

/**
 * The workload of a fleet workload's kill switch, by its scope (`fleet:<account>/<name>`, fleet/killswitch.ts
 * scopeOf); undefined for the stack's own kill switch. Such a kill switch's records are undone through the fleet:
 * the stack's own kill switch watches other groups (`--all` there means its SCHEDULE_GROUPS), may not write this
 * workload's schedules (its IAM names its own groups) and cannot reach a member account.
 */
export function fleetWorkloadOf(scope: string | undefined): string | undefined {
  return scope === undefined ? undefined : /^fleet:[^/]+\/(.+)$/.exec(scope)?.[1];
}

/** What undoes a disable: the enable of its kill switch (a fleet workload's: the fleet's enable of it). */
export function enableCommand(restoreId: string, reason: string, scope?: string): string {
  const workload = fleetWorkloadOf(scope);
  if (workload !== undefined) return runbookCommand('fleet enable', { workload, reason });
  return runbookCommand('schedules enable', { 'restore-id': restoreId, reason });
}

/** What undoes an enable: disabling the same schedules again (a fleet workload's: the fleet's disable of it). */
export function disableCommand(selector: Selector, reason: string, scope = selector.scope): string {
  const workload = fleetWorkloadOf(scope);
  if (workload !== undefined) return runbookCommand('fleet disable', { workload, reason });
  return runbookCommand('schedules disable', {
    schedule: selector.schedules ?? [],
    group: selector.group,
    'name-prefix': selector.namePrefix || undefined,
    all: selector.all === true,
    reason,
  });
}

/** The undo every record and answer of kill switch `restoreId` carries; `scope`, the kill switch's (config.scope). */
export const undoKillSwitch = (restoreId: string, scope?: string) =>
  enableCommand(restoreId, `undo kill switch ${restoreId}`, scope);

/** Above this many schedules, the enable's undo names the kill switch's selector instead of each schedule. */
const UNDO_NAMES = 20;

/**
 * What disabling the snapshot's schedules again would take: by name, or, for more than a few, the selector the
 * kill switch was opened with — a command naming 10,000 schedules would be neither bounded nor runnable.
 */
export function selectorOfSnapshot(snapshot: Snapshot): Selector {
  const schedules = [...snapshot.schedules.values()]
    .filter((entry) => entry.definition.State === 'ENABLED')
    .map((entry) => scheduleKey(entry.group, entry.name))
    .sort();
  return schedules.length > UNDO_NAMES && snapshot.selector ? snapshot.selector : { schedules };
}
