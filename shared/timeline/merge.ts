// The timeline's one ordering rule, pure: every entry of the window, oldest first; entries of the same
// millisecond by kind (KIND_ORDER: an alarm before the deployment and the action that answered it), then in
// the order their source gave them (each source reads its records oldest first). Bounded: at most `limit`
// entries, the earliest, with the count of those left out, so an answer never grows with the estate.
import { KIND_ORDER, type Timeline, type TimelineEntry, type TimelineGap } from './entry.js';

/** The most entries one timeline carries (a terminal, a page and a JSON document all stay readable). */
export const MAX_ENTRIES = 2000;

export interface MergeInput {
  since: Date;
  until: Date;
  /** Each source's entries, in the order the source read them. */
  sources: readonly (readonly TimelineEntry[])[];
  /** Entries a reader already knew it left out (it stopped reading at the limit). */
  unread?: number;
  limit?: number;
  gaps?: readonly TimelineGap[];
}

const rank = (entry: TimelineEntry) => KIND_ORDER.indexOf(entry.kind);

export function mergeTimeline(input: MergeInput): Timeline {
  const limit = Math.max(1, Math.min(input.limit ?? MAX_ENTRIES, MAX_ENTRIES));
  const from = input.since.getTime();
  const to = input.until.getTime();
  const inWindow = input.sources
    .flat()
    .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
    .filter(({ time }) => Number.isFinite(time) && time >= from && time <= to);
  // Array.prototype.sort is stable, and the index makes the tie-break explicit anyway.
  inWindow.sort((a, b) => a.time - b.time || rank(a.entry) - rank(b.entry) || a.index - b.index);
  return {
    since: input.since.toISOString(),
    until: input.until.toISOString(),
    entries: inWindow.slice(0, limit).map(({ entry }) => entry),
    omitted: Math.max(0, inWindow.length - limit) + (input.unread ?? 0),
    limit,
    gaps: [...(input.gaps ?? [])],
  };
}

/** `2h`, `90m`, `45s`, `3d`, or an ISO-8601 time: the instant it names, relative to `now`. */
export function parseInstant(text: string, now: Date): Date | undefined {
  const relative = /^(\d{1,6})(s|m|h|d)$/.exec(text.trim());
  if (relative) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  // A date alone or a date and time; a time without a zone is refused (UTC or an offset must be said).
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(text.trim()))
    return undefined;
  const time = Date.parse(text.trim());
  return Number.isFinite(time) ? new Date(time) : undefined;
}

/** `14:03:07` within one day, `2026-11-27 14:03:07` across days: what a person reads in a table (UTC). */
export function clock(at: string, withDate: boolean): string {
  const iso = new Date(at).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : iso.slice(11, 19);
}

export const spansDays = (timeline: Pick<Timeline, 'since' | 'until'>) =>
  timeline.since.slice(0, 10) !== timeline.until.slice(0, 10);
