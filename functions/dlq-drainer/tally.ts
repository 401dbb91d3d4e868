// What a run counts and lists as it goes. Every list keeps its first few items and counts the rest
// (bounded.ts): the answer and the audit record stay bounded whatever the number of messages.
import { countBy, cut, keep } from './bounded.js';
import { ageBucket, type DeadLetter } from './messages.js';
import type { DrainProgress, RunState, Tally } from './types.js';

export const LIST_LIMIT = 50;
/** Redriven keys kept in the answer and the audit record; the rest are counted in `omitted`. */
const KEY_LIMIT = 100;
/** Distinct error codes counted by name; any more are counted under "(other)". */
const CODE_LIMIT = 25;

export function newTally(): Tally {
  return {
    received: 0,
    redriven: 0,
    failed: 0,
    skipped: { stale: 0, filtered: 0 },
    quarantined: 0,
    notAttempted: 0,
    byErrorCode: {},
    byKind: {},
    byAge: {},
    redrivenKeys: [],
    duplicateKeys: [],
    notDeleted: [],
    failures: [],
    stale: [],
    tooLarge: 0,
    omitted: {},
    samples: [],
  };
}

/** A letter received for the first time in this run: counted by error code, kind and age. */
export function counted(tally: Tally, letter: DeadLetter, nowMs: number): void {
  tally.received++;
  countBy(tally.byErrorCode, letter.errorCode, CODE_LIMIT);
  countBy(tally.byKind, letter.kind, CODE_LIMIT);
  countBy(tally.byAge, ageBucket(nowMs - letter.sentAt), CODE_LIMIT);
}

export function staleOne(tally: Tally, letter: DeadLetter, reason: string): void {
  tally.skipped.stale++;
  const sentAt = Number.isFinite(letter.sentAt) ? new Date(letter.sentAt).toISOString() : 'unknown';
  keep(
    tally.stale,
    { key: cut(letter.key), reason: cut(reason), sentAt },
    LIST_LIMIT,
    tally.omitted,
    'stale',
  );
}

/** A letter not redriven: counted, listed and held, so it goes back to the DLQ at the end of the run. */
export function failedOne(run: RunState, letter: DeadLetter, error: string): void {
  const { tally } = run.plan;
  tally.failed++;
  keep(tally.failures, { key: cut(letter.key), error: cut(error) }, LIST_LIMIT, tally.omitted, 'failures');
  run.held.push(letter.message);
}

export function redrivenOne(run: RunState, letter: DeadLetter): void {
  const { tally } = run.plan;
  tally.redriven++;
  // Every key is remembered (memory grows with maxMessages, at most 100,000); only the first few are listed.
  const times = (run.redrivenCount.get(letter.key) ?? 0) + 1;
  run.redrivenCount.set(letter.key, times);
  if (times === 2) keep(tally.duplicateKeys, cut(letter.key), LIST_LIMIT, tally.omitted, 'duplicateKeys');
  keep(tally.redrivenKeys, cut(letter.key), KEY_LIMIT, tally.omitted, 'redrivenKeys');
}

export function notDeletedOne(tally: Tally, letter: DeadLetter): void {
  keep(tally.notDeleted, cut(letter.key), LIST_LIMIT, tally.omitted, 'notDeleted');
}

export function progressOf(tally: Tally, atStart: number, limit: number): DrainProgress {
  return {
    received: tally.received,
    redriven: tally.redriven,
    failed: tally.failed,
    stale: tally.skipped.stale,
    filtered: tally.skipped.filtered,
    atStart,
    limit,
  };
}

/** The counts of a run, for its log line and its audit record. */
export function summaryOf(tally: Tally) {
  return {
    received: tally.received,
    redriven: tally.redriven,
    failed: tally.failed,
    skipped: tally.skipped,
    quarantined: tally.quarantined,
    notAttempted: tally.notAttempted,
    byErrorCode: tally.byErrorCode,
    byKind: tally.byKind,
    tooLarge: tally.tooLarge,
    omitted: tally.omitted,
  };
}
