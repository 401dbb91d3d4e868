// What each reader does with its per-item reads (mapSettled): the entries kept, the count left unread, and a
// gap for every item that could not be read — named, never silently missing.
import type { Settled } from '../rate.js';
import type { TimelineEntry, TimelineGap } from './entry.js';

export interface SourceRead {
  entries: TimelineEntry[];
  unread: number;
  gaps: TimelineGap[];
}

export const describe = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);

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
