// The timeline as a postmortem section (GitHub Markdown): the window, a table of every entry, and the actions
// with how to undo each. Pure; every text escaped (text.ts), so a reason cannot inject markup or links. An
// action's governance (governance.ts) is in bold after what it did, in the table and in the list.
import type { Timeline, TimelineEntry } from './entry.js';
import { governanceText } from './governance.js';
import { clock, spansDays } from './merge.js';
import { markdownCode, escapeMarkdown as md } from './text.js';

export function counts(timeline: Timeline): string {
  const by = (kind: TimelineEntry['kind']) => timeline.entries.filter((entry) => entry.kind === kind).length;
  return `${timeline.entries.length} entries: ${by('alarm')} alarm state changes, ${by('deployment')} deployment events, ${by('lifecycle')} lifecycle events, ${by('action')} actions`;
}

/** The line that says how many entries the limit left out, and what to do about it. */
export function omittedLine(timeline: Timeline): string | undefined {
  if (timeline.omitted === 0) return undefined;
  return `${timeline.omitted} more entries in the window were left out (at most ${timeline.limit} are shown, the earliest first): narrow --until or --workload to see them.`;
}

const governed = (entry: TimelineEntry) =>
  entry.governance ? ` **${md(governanceText(entry.governance))}**` : '';

/** What the list of actions says of an action with no undo: a dry run (outcome `planned`) changed nothing. */
export function noUndo(entry: Pick<TimelineEntry, 'outcome'>): string {
  return entry.outcome === 'planned' ? 'A dry run: nothing to undo.' : 'No undo recorded.';
}

export function renderMarkdown(timeline: Timeline, options: { title?: string } = {}): string {
  const withDate = spansDays(timeline);
  const lines = [
    `## ${md(options.title ?? 'Timeline')}`,
    '',
    `Window: ${clock(timeline.since, true)} → ${clock(timeline.until, true)} UTC. ${counts(timeline)}.`,
  ];
  const omitted = omittedLine(timeline);
  if (omitted) lines.push('', `**${md(omitted)}**`);
  for (const gap of timeline.gaps) lines.push('', `_Not read: ${md(gap.source)}: ${md(gap.message)}_`);
  lines.push(
    '',
    '| Time (UTC) | Kind | What | Who | Outcome | Undo |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const entry of timeline.entries) {
    const what =
      (entry.detail ? `${md(entry.what)} — ${md(entry.detail)}` : md(entry.what)) + governed(entry);
    const undo = entry.undo ? markdownCode(entry.undo) : '';
    lines.push(
      `| ${clock(entry.at, withDate)} | ${entry.kind} | ${what} | ${md(entry.who)} | ${md(entry.outcome)} | ${undo} |`,
    );
  }
  const actions = timeline.entries.filter((entry) => entry.kind === 'action');
  lines.push('', '### Actions taken, and their undo', '');
  if (actions.length === 0) lines.push('None in the window.');
  for (const entry of actions) {
    const why = entry.detail ? ` Why: ${md(entry.detail)}.` : '';
    const undo = entry.undo ? ` Undo: ${markdownCode(entry.undo)}` : ` ${noUndo(entry)}`;
    lines.push(
      `- ${clock(entry.at, withDate)} ${md(entry.what)} by ${md(entry.who)}: ${md(entry.outcome)} (audit ${markdownCode(entry.ref)}).${governed(entry)}${why}${undo}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
