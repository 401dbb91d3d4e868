// The timeline as one self-contained page: no script, no external resource (a Content-Security-Policy that
// allows only inline styles says so to the browser too), inline CSS and an SVG time axis on which alarms,
// deployments and actions line up in lanes, each mark placed by its time. Every text is escaped (text.ts): an
// actor or a reason from the ledger is untrusted input and renders as text, never as markup; so does an action's
// governance line (held, a vote, approved by whom, BREAK-GLASS), in its own element with a class to style it.
import type { Timeline, TimelineEntry, TimelineKind } from './entry.js';
import { governanceText } from './governance.js';
import { counts, noUndo, omittedLine } from './markdown.js';
import { clock, spansDays } from './merge.js';
import { escapeHtml as h } from './text.js';

const WIDTH = 1000;
const LEFT = 110;
const RIGHT = 20;
const LANES: { label: string; kinds: TimelineKind[] }[] = [
  { label: 'alarms', kinds: ['alarm'] },
  { label: 'deployments', kinds: ['deployment', 'lifecycle'] },
  { label: 'actions', kinds: ['action'] },
];
const LANE_HEIGHT = 34;
const AXIS_Y = 20 + LANES.length * LANE_HEIGHT;
const TICKS = 6;

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;margin:2px 0}.omitted{color:#8a4b00;font-weight:600}.gap{color:#8a4b00}
svg{width:100%;height:auto;border:1px solid #e3e6ec;border-radius:6px;background:#fafbfc}
.lane-label{font-size:12px;fill:#555}.lane{stroke:#e3e6ec}.tick{font-size:11px;fill:#555}
.axis-line{stroke:#8b93a1}.kind-alarm{fill:#c62828}.kind-deployment{fill:#1565c0}
.kind-lifecycle{fill:#64b5f6}.kind-action{fill:#2e7d32}
table{border-collapse:collapse;width:100%;margin-top:16px}
th,td{border-bottom:1px solid #e3e6ec;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f8}td.what{word-break:break-word}code{font-size:12px;word-break:break-all}
tr.kind-alarm td:first-child{border-left:4px solid #c62828}tr.kind-deployment td:first-child{border-left:4px solid #1565c0}
tr.kind-lifecycle td:first-child{border-left:4px solid #64b5f6}tr.kind-action td:first-child{border-left:4px solid #2e7d32}
.governance{font-weight:600;color:#4a148c}.governance-break-glass{color:#b71c1c}
`;

/** Where an instant falls on the axis, in SVG units. */
export function axisX(at: string, timeline: Pick<Timeline, 'since' | 'until'>): number {
  const from = Date.parse(timeline.since);
  const span = Math.max(1, Date.parse(timeline.until) - from);
  const share = Math.min(1, Math.max(0, (Date.parse(at) - from) / span));
  return Number((LEFT + share * (WIDTH - LEFT - RIGHT)).toFixed(2));
}

function axis(timeline: Timeline, withDate: boolean): string {
  const height = AXIS_Y + 30;
  const lanes = LANES.map((lane, i) => {
    const y = 20 + i * LANE_HEIGHT + LANE_HEIGHT / 2;
    return `<line class="lane" x1="${LEFT}" y1="${y}" x2="${WIDTH - RIGHT}" y2="${y}"/><text class="lane-label" x="8" y="${y + 4}">${lane.label}</text>`;
  });
  const from = Date.parse(timeline.since);
  const span = Date.parse(timeline.until) - from;
  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => {
    const at = new Date(from + (span * i) / TICKS).toISOString();
    const x = axisX(at, timeline);
    const anchor = i === 0 ? 'start' : i === TICKS ? 'end' : 'middle';
    return `<line class="axis-line" x1="${x}" y1="${AXIS_Y}" x2="${x}" y2="${AXIS_Y + 5}"/><text class="tick" x="${x}" y="${AXIS_Y + 18}" text-anchor="${anchor}">${h(clock(at, withDate))}</text>`;
  });
  const marks = timeline.entries.map((entry, index) => {
    const lane = LANES.findIndex((item) => item.kinds.includes(entry.kind));
    const y = 20 + lane * LANE_HEIGHT + LANE_HEIGHT / 2;
    const governance = entry.governance ? ` ${governanceText(entry.governance)}` : '';
    const label = `${clock(entry.at, withDate)} ${entry.kind}: ${entry.what} (${entry.outcome})${governance}`;
    return `<circle class="mark kind-${entry.kind}" data-index="${index}" data-at="${h(entry.at)}" cx="${axisX(entry.at, timeline)}" cy="${y}" r="6"><title>${h(label)}</title></circle>`;
  });
  return `<svg id="axis" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="time axis: alarms, deployments and actions">${lanes.join('')}<line class="axis-line" x1="${LEFT}" y1="${AXIS_Y}" x2="${WIDTH - RIGHT}" y2="${AXIS_Y}"/>${ticks.join('')}${marks.join('')}</svg>`;
}

/** The governance line of an action, as text in its own element: `held`, `vote`, `approved`, `break-glass`. */
const governed = (entry: TimelineEntry, tag: 'div' | 'span') =>
  entry.governance
    ? `<${tag} class="governance governance-${entry.governance.kind}">${h(governanceText(entry.governance))}</${tag}>`
    : '';

function row(entry: TimelineEntry, index: number, withDate: boolean): string {
  const detail =
    (entry.detail ? `<div class="detail">${h(entry.detail)}</div>` : '') + governed(entry, 'div');
  return `<tr id="entry-${index}" class="entry kind-${entry.kind}" data-index="${index}" data-kind="${entry.kind}" data-at="${h(entry.at)}" data-ref="${h(entry.ref)}"><td><time datetime="${h(entry.at)}">${h(clock(entry.at, withDate))}</time></td><td>${entry.kind}</td><td class="what">${h(entry.what)}${detail}</td><td class="who">${h(entry.who)}</td><td class="outcome">${h(entry.outcome)}</td><td class="undo">${entry.undo ? `<code>${h(entry.undo)}</code>` : ''}</td></tr>`;
}

export function renderHtml(timeline: Timeline, options: { title?: string } = {}): string {
  const withDate = spansDays(timeline);
  const title = options.title ?? 'Incident timeline';
  const omitted = omittedLine(timeline);
  const gaps = timeline.gaps.map((gap) => `<p class="gap">Not read: ${h(gap.source)}: ${h(gap.message)}</p>`);
  const actions = timeline.entries
    .filter((entry) => entry.kind === 'action')
    .map(
      (entry) =>
        `<li><time datetime="${h(entry.at)}">${h(clock(entry.at, withDate))}</time> ${h(entry.what)} by ${h(entry.who)}: ${h(entry.outcome)}${entry.governance ? `. ${governed(entry, 'span')}` : ''}${entry.detail ? `. Why: ${h(entry.detail)}` : ''}. ${entry.undo ? `Undo: <code>${h(entry.undo)}</code>` : noUndo(entry)}</li>`,
    );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)}</title><style>${STYLE}</style></head>
<body>
<header><h1>${h(title)}</h1>
<p class="meta">Window: ${h(clock(timeline.since, true))} → ${h(clock(timeline.until, true))} UTC</p>
<p class="meta" id="counts">${h(counts(timeline))}</p>
${omitted ? `<p class="omitted" id="omitted">${h(omitted)}</p>` : ''}${gaps.join('')}</header>
<figure>${axis(timeline, withDate)}</figure>
<table id="entries"><thead><tr><th>Time (UTC)</th><th>Kind</th><th>What</th><th>Who</th><th>Outcome</th><th>Undo</th></tr></thead>
<tbody>${timeline.entries.map((entry, index) => row(entry, index, withDate)).join('\n')}</tbody></table>
<section><h2>Actions taken, and their undo</h2>${actions.length ? `<ol id="actions">${actions.join('')}</ol>` : '<p>None in the window.</p>'}</section>
</body></html>
`;
}
