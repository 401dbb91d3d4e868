// The contract between the kill switch and the DLQ drainer. While the kill switch holds a function at
// reserved concurrency 0, Lambda sends its asynchronous events straight to the dead-letter queue without
// retries (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Those are
// the events of an incident: replaying them later would run a trading job hours late. The kill switch
// writes one audit record when it throttles and one when it restores; the drainer reads them back here.
import { functionNameOf } from './arn.js';
import type { AuditLedger, AuditRecord } from './audit.js';

// Re-exported while the drainer imports it from here (phase 2 of issue 14 moves it to shared/arn.ts).
export { functionNameOf };

export const THROTTLE_ACTION = 'killswitch.throttle';
export const UNTHROTTLE_ACTION = 'killswitch.unthrottle';

/** What both records carry in `details`, so the two halves of a window can be paired. */
export interface ThrottleDetails {
  restoreId: string;
  functionName: string;
}

export interface ThrottleWindow {
  functionName: string;
  restoreId: string;
  /** ISO-8601 time the function was set to concurrency 0. */
  from: string;
  /** ISO-8601 time its concurrency was restored; absent while still throttled. */
  to?: string;
}

/** The ledger target of a function's throttle records. Names, not ARNs, so both sides agree. */
export function throttleTarget(functionName: string): string {
  return `function:${functionNameOf(functionName)}`;
}

/** Pairs throttle and restore records into windows; only succeeded, non-dry-run records count. */
export function windowsFrom(records: readonly AuditRecord[]): ThrottleWindow[] {
  const byRestoreId = new Map<string, ThrottleWindow>();
  const applied = records
    .filter((r) => r.outcome === 'succeeded' && !r.dryRun)
    .sort((a, b) => a.at.localeCompare(b.at));
  for (const record of applied) {
    const details = record.details as Partial<ThrottleDetails> | undefined;
    if (!details?.restoreId || !details.functionName) continue;
    if (record.action === THROTTLE_ACTION && !byRestoreId.has(details.restoreId)) {
      byRestoreId.set(details.restoreId, {
        functionName: functionNameOf(details.functionName),
        restoreId: details.restoreId,
        from: record.at,
      });
    } else if (record.action === UNTHROTTLE_ACTION) {
      const window = byRestoreId.get(details.restoreId);
      if (window && window.to === undefined) window.to = record.at;
    }
  }
  return [...byRestoreId.values()];
}

/** The function's throttle windows recorded in the ledger, oldest first. */
export async function throttleWindows(
  ledger: Pick<AuditLedger, 'list'>,
  functionName: string,
  options: { since?: string; limit?: number } = {},
): Promise<ThrottleWindow[]> {
  const records = await ledger.list({ target: throttleTarget(functionName) }, { limit: 200, ...options });
  return windowsFrom(records.filter((r) => r.action === THROTTLE_ACTION || r.action === UNTHROTTLE_ACTION));
}

/** Whether an event created at `at` fell inside any window (an open window runs until now). */
export function insideWindow(
  windows: readonly ThrottleWindow[],
  at: Date | string,
): ThrottleWindow | undefined {
  const time = typeof at === 'string' ? at : at.toISOString();
  return windows.find((w) => w.from <= time && (w.to === undefined || time <= w.to));
}
