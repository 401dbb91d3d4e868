// What a kill-switch answer shows of its schedules, whatever the estate's size (issue 13, point 5). An answer
// listing 10,000 schedules is neither readable at 3 a.m. nor bounded (a Lambda answer stops at 6 MB), so it
// shows counts, at most SHOWN schedules (the ones a person must look at first), and how to read the rest: the
// run's audit record keeps every outcome (shared/audit.ts moves long lists into pages), and
// `runbook schedules status --audit-id` reads them a page at a time.
import type { AuditLedger } from '../../shared/audit.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import { runbookCommand } from '../../shared/undo.js';
import { ACTIONS, type FullList, type ScheduleResult } from './types.js';

/** Schedules an answer lists at most. */
export const SHOWN = 100;
/** Schedules one `status --audit-id` page lists. */
export const PAGE_SIZE = 1000;

/** What went as planned; everything else (failed, skipped, conflict, missing…) is shown first. */
const ROUTINE = new Set<string>([
  'disabled',
  'would-disable',
  'already-disabled',
  'disabled-earlier',
  'enabled',
  'would-enable',
  'already-enabled',
  'was-disabled',
]);

export function listCommand(auditId: string, page?: number): string {
  return runbookCommand('schedules status', {
    'audit-id': auditId,
    page: page && page > 1 ? String(page) : undefined,
  });
}

export function counts(results: readonly ScheduleResult[]): Record<string, number> {
  const out: Record<string, number> = { selected: results.length };
  for (const result of results) out[result.outcome] = (out[result.outcome] ?? 0) + 1;
  return out;
}

/** The schedules an answer shows, and, when that is not all of them, where the full list is. */
export function shown(
  results: readonly ScheduleResult[],
  auditId: string,
): { schedules: ScheduleResult[]; fullList?: FullList } {
  if (results.length <= SHOWN) return { schedules: [...results] };
  const first = [
    ...results.filter((result) => !ROUTINE.has(result.outcome)),
    ...results.filter((result) => ROUTINE.has(result.outcome)),
  ].slice(0, SHOWN);
  return {
    schedules: first,
    fullList: { total: results.length, shown: first.length, auditId, command: listCommand(auditId) },
  };
}

/** One page (1-based) of a run's outcomes, as `status --audit-id` answers it. */
export function page(results: readonly ScheduleResult[], number: number) {
  const pages = Math.max(1, Math.ceil(results.length / PAGE_SIZE));
  return {
    page: number,
    pages,
    schedules: results.slice((number - 1) * PAGE_SIZE, number * PAGE_SIZE),
    ...(number < pages ? { next: number + 1 } : {}),
  };
}

/** `status --audit-id`: one disable or enable run, its counts, and a page of every schedule's outcome. */
export async function runOutcomes(ledger: Pick<AuditLedger, 'get'>, auditId: string, number = 1) {
  const record = await ledger.get(auditId, { expand: true });
  if (!record || (record.action !== ACTIONS.disable && record.action !== ACTIONS.enable)) {
    throw new NotFoundError(`no kill-switch disable or enable recorded as ${auditId}`, 'auditId');
  }
  const details = (record.details ?? {}) as { restoreId?: string | null; results?: ScheduleResult[] };
  const results = details.results ?? [];
  const last = Math.max(1, Math.ceil(results.length / PAGE_SIZE));
  if (number > last) {
    throw new ValidationError(`page: run ${auditId} has ${last} page(s) of ${PAGE_SIZE} schedules`, 'page');
  }
  return {
    auditId,
    action: record.action,
    at: record.at,
    actor: record.actor,
    outcome: record.outcome,
    dryRun: record.dryRun,
    restoreId: details.restoreId ?? null,
    counts: counts(results),
    ...page(results, number),
  };
}
