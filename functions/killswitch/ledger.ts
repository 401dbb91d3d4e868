// The kill switch in the audit ledger: the marker that opens and closes it, its snapshot in parts, and the
// commands that undo it. Records are immutable; what is open is what has an opening marker and no closing one.
import type { AuditLedger } from '../../shared/audit.js';
import { type ScheduleDefinition, scheduleKey } from './definition.js';
import type { Selector } from './select.js';
import { ACTIONS, killSwitchTarget, type ScheduleResult } from './types.js';

// ------------------------------------------------------------------------------------------ the ledger

export interface OpenKillSwitch {
  restoreId: string;
  at: string;
  actor: string;
  reason: string;
  selector: Selector;
  functionName?: string;
}

export interface MarkerDetails {
  restoreId: string;
  state: 'open' | 'closed';
  selector: Selector;
  selectorKey: string;
  functionName?: string;
}

/**
 * Open kill switches, newest first: opened by a marker record and not yet closed by another. Read through the
 * ledger's byAction index, which DynamoDB keeps eventually consistent: a re-run within about a second of the
 * first could miss its marker and open a second kill switch for the same selector (one kill switch runs at a
 * time, reserved concurrency 1, so only a person re-running at once could; `status` would show both).
 */
export async function openKillSwitches(ledger: Pick<AuditLedger, 'list'>): Promise<OpenKillSwitch[]> {
  const markers = (await ledger.list({ action: ACTIONS.marker }, { limit: 500 })).filter((r) => !r.dryRun);
  const closed = new Set(
    markers
      .map((r) => r.details as MarkerDetails | undefined)
      .filter((d) => d?.state === 'closed')
      .map((d) => d?.restoreId),
  );
  const open = new Map<string, OpenKillSwitch>();
  for (const record of markers) {
    const details = record.details as MarkerDetails | undefined;
    if (details?.state !== 'open' || closed.has(details.restoreId)) continue;
    // Newest first: keep overwriting, so the first (oldest) opening record wins.
    open.set(details.restoreId, {
      restoreId: details.restoreId,
      at: record.at,
      actor: record.actor,
      reason: record.reason,
      selector: details.selector,
      ...(details.functionName ? { functionName: details.functionName } : {}),
    });
  }
  return [...open.values()].sort((a, b) => b.at.localeCompare(a.at));
}

export async function isClosed(
  ledger: Pick<AuditLedger, 'list'>,
  restoreId: string,
): Promise<'open' | 'closed' | 'unknown'> {
  const records = await ledger.list({ target: killSwitchTarget(restoreId) }, { limit: 1000 });
  const markers = records.filter((r) => r.action === ACTIONS.marker && !r.dryRun);
  if (markers.length === 0) return 'unknown';
  return markers.some((r) => (r.details as MarkerDetails).state === 'closed') ? 'closed' : 'open';
}

export interface SnapshotEntry {
  group: string;
  name: string;
  definition: ScheduleDefinition;
}

export interface SnapshotDetails {
  restoreId: string;
  part: number;
  schedules: SnapshotEntry[];
  throttle?: { functionName: string; reservedConcurrency: number | null };
}

export interface Snapshot {
  /** Each schedule's definition immediately before the kill switch first disabled it, or, when a person changed
   * it after the kill switch had (a resumed disable found it so), as that disable found it. */
  schedules: Map<string, SnapshotEntry>;
  throttle?: { functionName: string; reservedConcurrency: number | null };
  parts: number;
  /**
   * For each schedule the kill switch wrote (or tried to), when that write had settled: its mark. A schedule
   * modified after its mark was changed by someone else since. Undefined when no disable run was recorded.
   */
  marks?: Map<string, string>;
  /** The selector the kill switch was opened with (its opening marker). */
  selector?: Selector;
}

/**
 * What a disable run records of marks: `[schedule, at]` sets the mark, `[schedule, null]` clears it (a person's
 * change took the schedule back, or the write never happened). Kept beside the results, paged with them.
 */
export type MarkChange = [string, string | null];

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

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export function enableCommand(restoreId: string, reason: string): string {
  return `runbook schedules enable --restore-id ${restoreId} --reason ${quote(reason)}`;
}

export function disableCommand(selector: Selector, reason: string): string {
  const parts = ['runbook schedules disable'];
  for (const key of selector.schedules ?? []) parts.push(`--schedule ${key}`);
  if (selector.group !== undefined) parts.push(`--group ${selector.group}`);
  if (selector.namePrefix) parts.push(`--name-prefix ${selector.namePrefix}`);
  if (selector.all) parts.push('--all');
  parts.push(`--reason ${quote(reason)}`);
  return parts.join(' ');
}
