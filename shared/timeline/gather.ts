// What each reader does with its per-item reads (mapSettled): the entries kept, the count left unread, and a
// gap for every item that could not be read — named, never silently missing.
import type { Settled } from '../rate.js';
import type { TimelineEntry, TimelineGap } from './entry.js';

export interface SourceRead {
  entries: TimelineEntry[];
  unread: number;
  gaps: TimelineGap[];
}

/**
 * A read's failure in one line. An answer the SDK could not parse (moto's HTML page for a call it lacks: its
 * DescribeAlarmHistory answers 500) is said as such, not as the parser's `Unexpected token '<'`.
 */
export function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $response?: { statusCode?: number } }).$response?.statusCode;
  if (error.name === 'SyntaxError' && status !== undefined)
    return `HTTP ${status} with an answer that is not this API's (an emulator that lacks the call?)`;
  return `${error.name}: ${error.message.split('\n')[0]}`;
}

export function gather(
  settled: Settled<{ kept: TimelineEntry[]; unread: number }>[],
  sourceOf: (index: number) => string,
  gaps: TimelineGap[] = [],
): SourceRead {
  const entries: TimelineEntry[] = [];
  let unread = 0;
  settled.forEach((outcome, index) => {
    if (outcome.status === 'ok') {
      entries.push(...outcome.value.kept);
      unread += outcome.value.unread;
    } else if (outcome.status === 'error') {
      gaps.push({ source: sourceOf(index), message: describe(outcome.error) });
    }
  });
  return { entries, unread, gaps };
}
