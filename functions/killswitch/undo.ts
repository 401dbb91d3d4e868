// The commands that undo a kill switch, written with the one quoting rule (shared/undo.ts).
import { runbookCommand } from '../../shared/undo.js';
import { scheduleKey } from './definition.js';
import type { Selector, Snapshot } from './types.js';

/** What undoes a disable: the enable of its kill switch. */
export function enableCommand(restoreId: string, reason: string): string {
  return runbookCommand('schedules enable', { 'restore-id': restoreId, reason });
}

/** What undoes an enable: disabling the same schedules again. */
export function disableCommand(selector: Selector, reason: string): string {
  return runbookCommand('schedules disable', {
    schedule: selector.schedules ?? [],
    group: selector.group,
    'name-prefix': selector.namePrefix || undefined,
    all: selector.all === true,
    reason,
  });
}

/** The undo every record and answer of kill switch `restoreId` carries. */
export const undoKillSwitch = (restoreId: string) =>
  enableCommand(restoreId, `undo kill switch ${restoreId}`);

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
