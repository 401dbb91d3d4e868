// The timeline on a terminal: the window, a table (time, kind, what, who, outcome, undo), the line saying how
// many entries the limit left out, and the sources that could not be read. Control characters in a ledger's
// text are flattened, so an actor or a reason cannot move the cursor or forge a line. An action's governance
// (held, a vote, approved by whom, BREAK-GLASS) follows its cut WHAT text whole: it is the part a postmortem needs.
import type { Timeline } from '../shared/timeline/entry.js';
import { governanceText } from '../shared/timeline/governance.js';
import { counts, omittedLine } from '../shared/timeline/markdown.js';
import { clock, spansDays } from '../shared/timeline/merge.js';
import { oneLine } from '../shared/timeline/text.js';
import { table } from './render.js';

const WHAT_WIDTH = 90;
const cut = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

export function timelineTable(timeline: Timeline): string {
  const withDate = spansDays(timeline);
  const rows = timeline.entries.map((entry) => [
    clock(entry.at, withDate),
    entry.kind,
    cut(oneLine(entry.detail ? `${entry.what} — ${entry.detail}` : entry.what), WHAT_WIDTH) +
      (entry.governance ? ` · ${oneLine(governanceText(entry.governance))}` : ''),
    oneLine(entry.who),
    oneLine(entry.outcome),
    entry.undo ? oneLine(entry.undo) : '',
  ]);
  const omitted = omittedLine(timeline);
  return [
    `Timeline ${clock(timeline.since, true)} → ${clock(timeline.until, true)} UTC: ${counts(timeline)}.`,
    ...(rows.length
      ? [table(['TIME', 'KIND', 'WHAT', 'WHO', 'OUTCOME', 'UNDO'], rows)]
      : ['  (nothing in the window)']),
    ...(omitted ? [omitted] : []),
    ...timeline.gaps.map((gap) => `not read: ${oneLine(gap.source)}: ${oneLine(gap.message)}`),
  ].join('\n');
}
