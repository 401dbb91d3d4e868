// The kill switch's snapshot: every schedule's definition before the kill switch first changed it, kept in the
// audit ledger in parts before any write, and read back by a resumed disable and by enable.
import type { AuditLedger } from '../../shared/audit.js';
import { scheduleKey } from './definition.js';
import {
  ACTIONS,
  type BaseEntry,
  type DisablePlan,
  killSwitchTarget,
  type MarkChange,
  type MarkerDetails,
  type PacedDeps,
  type ScheduleResult,
  type Snapshot,
  type SnapshotDetails,
  type SnapshotEntry,
} from './types.js';
import { undoKillSwitch } from './undo.js';

export async function loadSnapshot(ledger: Pick<AuditLedger, 'list'>, restoreId: string): Promise<Snapshot> {
  // Oldest first, and within one time by part, so a later entry for a schedule is a later sight of it.
  const records = (await ledger.list({ target: killSwitchTarget(restoreId) }, { limit: 1000, expand: true }))
    .filter((r) => !r.dryRun)
    .sort(
      (a, b) =>
        a.at.localeCompare(b.at) ||
        ((a.details as Partial<SnapshotDetails>)?.part ?? 0) -
          ((b.details as Partial<SnapshotDetails>)?.part ?? 0),
    );
  const snapshot: Snapshot = { schedules: new Map(), parts: 0 };
  for (const record of records) {
    if (record.action === ACTIONS.marker && (record.details as MarkerDetails).state === 'open') {
      snapshot.selector ??= (record.details as MarkerDetails).selector;
    } else if (record.action === ACTIONS.snapshot) {
      const details = record.details as SnapshotDetails;
      snapshot.parts++;
      // A disable writes an entry for a schedule only the first time, or again when a person changed it since
      // the kill switch did (owner.ts): the latest entry is what the schedule was before its disable.
      for (const entry of details.schedules)
        snapshot.schedules.set(scheduleKey(entry.group, entry.name), entry);
      if (details.throttle && !snapshot.throttle) snapshot.throttle = details.throttle;
    } else if (record.action === ACTIONS.disable) {
      snapshot.marks ??= new Map();
      const details = record.details as { results?: ScheduleResult[]; marks?: MarkChange[] } | undefined;
      // Records from before marks were kept: a schedule they disabled is marked at the record's time.
      const changes: MarkChange[] =
        details?.marks ??
        (details?.results ?? [])
          .filter((result) => result.outcome === 'disabled' || result.outcome === 'disabled-earlier')
          .map((result) => [scheduleKey(result.group, result.name), record.at]);
      for (const [key, at] of changes) {
        if (at === null) snapshot.marks.delete(key);
        else snapshot.marks.set(key, at);
      }
    }
  }
  return snapshot;
}

// DynamoDB items are at most 400 KB and the ledger refuses records above 350 KB: snapshot in parts.
const SNAPSHOT_PART_BYTES = 200 * 1024;

export function chunks(entries: SnapshotEntry[]): SnapshotEntry[][] {
  const parts: SnapshotEntry[][] = [];
  let current: SnapshotEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry));
    if (current.length > 0 && bytes + size > SNAPSHOT_PART_BYTES) {
      parts.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) parts.push(current);
  return parts;
}

/**
 * The disable's first writes, before any schedule changes: the marker that opens a new kill switch, then every
 * definition the snapshot does not hold yet, in parts (and, on its first run, the concurrency to put back).
 */
export async function keepSnapshot(
  deps: PacedDeps,
  plan: DisablePlan,
  restoreId: string,
  base: BaseEntry,
): Promise<void> {
  const { request, selector, key } = plan;
  if (!plan.existing) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.marker,
      before: null,
      after: { state: 'open' },
      outcome: 'succeeded',
      undo: undoKillSwitch(restoreId, selector.scope),
      details: {
        restoreId,
        state: 'open',
        selector,
        selectorKey: key,
        ...(request.functionName ? { functionName: request.functionName } : {}),
      } satisfies MarkerDetails,
    });
  }
  const parts = chunks(plan.newEntries);
  if (parts.length === 0 && plan.throttleToKeep) parts.push([]);
  for (const [index, schedules] of parts.entries()) {
    await deps.ledger.record({
      ...base,
      action: ACTIONS.snapshot,
      before: { schedules: schedules.length },
      after: null,
      outcome: 'succeeded',
      details: {
        restoreId,
        part: plan.parts + index,
        schedules,
        ...(index === 0 && plan.throttleToKeep ? { throttle: plan.throttleToKeep } : {}),
      } satisfies SnapshotDetails,
    });
  }
}
