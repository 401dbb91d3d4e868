// Whose is a schedule's state: the kill switch's, or a person's? Pure decisions, read by a resumed disable and by
// enable (issue 13, point 6).
//
// A kill switch stays open until it is enabled, and a disable of the same selector resumes it. Meanwhile people
// act by hand: re-enable a schedule, turn one off on purpose. State alone cannot tell "still off because the
// kill switch turned it off" from "turned back on, then off again by a person", so every write the kill switch
// makes leaves a mark (the time the write had settled, recorded with the run), and GetSchedule's
// LastModificationDate after the mark means someone else changed the schedule since.
//
// The mark errs on the safe side: it is taken after UpdateSchedule answered, so the kill switch's own change is
// never later than its mark, except by the skew between the service's clock and ours (milliseconds). A skew
// the other way can only make the kill switch's own change look like a person's, and then enable leaves the
// schedule off and says so ('changed-since') rather than turning on one a person turned off.
//
// Marks are kept in the run's record, written after its writes. A later run whose record is lost (the ledger
// refusing it) leaves its writes unmarked: a resume then reads those schedules as a person's, snapshots them as
// DISABLED, and enable leaves them off (was-disabled) — the safe side again, and named in the answer.
import { fingerprint, type ScheduleDefinition } from './definition.js';

/**
 * Both times are kept to the millisecond, and the SDK rounds the service's fractional seconds to the nearest
 * one: the kill switch's own write can read up to a millisecond after a mark taken just after it.
 */
const PRECISION_MS = 1;

/** Modified after the mark: someone else changed the schedule since the kill switch last wrote it. */
export function modifiedSince(modifiedAt: string | undefined, mark: string): boolean {
  // A schedule whose modification time the service did not give is treated as changed: the safe reading.
  return modifiedAt === undefined || Date.parse(modifiedAt) > Date.parse(mark) + PRECISION_MS;
}

const sameDefinition = (a: ScheduleDefinition, b: ScheduleDefinition) =>
  a.State === b.State && fingerprint(a) === fingerprint(b);

/**
 * For a resumed disable: does the snapshot's entry still say what the schedule was before this disable? If not,
 * the disable snapshots it anew, as it finds it now, and that is what enable will put back.
 *  - No run recorded any mark (a run stopped before its record): the snapshot stands, as it always did.
 *  - Marked: it stands unless the schedule was modified after the mark.
 *  - Never written by the kill switch (its write failed to start or the run ran out of time): it stands while
 *    the schedule is exactly as snapshotted; anything else is a person's change.
 */
export function snapshotStands(
  snapshotted: ScheduleDefinition,
  now: ScheduleDefinition,
  modifiedAt: string | undefined,
  marks: ReadonlyMap<string, string> | undefined,
  key: string,
): boolean {
  if (marks === undefined) return true;
  const mark = marks.get(key);
  if (mark !== undefined) return !modifiedSince(modifiedAt, mark);
  return sameDefinition(snapshotted, now);
}

export type EnableVerdict = 'restore' | 'not-changed-by-disable' | 'changed-since';

/**
 * For enable, of a schedule that was ENABLED before the disable and is DISABLED now: put it back only if the
 * kill switch turned it off and nobody has changed it since.
 */
export function enableVerdict(
  modifiedAt: string | undefined,
  marks: ReadonlyMap<string, string> | undefined,
  key: string,
): EnableVerdict {
  // No run recorded: every snapshotted schedule may be the kill switch's (the fingerprint check still applies).
  if (marks === undefined) return 'restore';
  const mark = marks.get(key);
  if (mark === undefined) return 'not-changed-by-disable';
  return modifiedSince(modifiedAt, mark) ? 'changed-since' : 'restore';
}
