// The incident timeline's pure parts: one ordering rule (oldest first, ties by kind then by source order),
// the window, the bound with its "left out" count, and renderers that treat every ledger text as text.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { timelineTable } from '../../cli/timeline-table.js';
import type { Timeline, TimelineEntry } from '../../shared/timeline/entry.js';
import { governanceOf, governanceText } from '../../shared/timeline/governance.js';
import { axisX, renderHtml } from '../../shared/timeline/html.js';
import { renderMarkdown } from '../../shared/timeline/markdown.js';
import { MAX_ENTRIES, mergeTimeline, parseInstant } from '../../shared/timeline/merge.js';
import { escapeMarkdown, markdownCode } from '../../shared/timeline/text.js';

const SINCE = new Date('2026-11-27T13:00:00.000Z');
const UNTIL = new Date('2026-11-27T15:00:00.000Z');

function entry(at: string, kind: TimelineEntry['kind'], ref: string, extra: Partial<TimelineEntry> = {}) {
  return { at, kind, what: `${kind} ${ref}`, who: 'cli:alice', outcome: 'succeeded', ref, ...extra };
}

const HOSTILE = `<script>document.title='pwned'</script> **bold** [link](https://evil.example) | cell`;

describe('mergeTimeline', () => {
  it('orders entries of every source oldest first', () => {
    // Prepare
    const alarms = [entry('2026-11-27T14:00:00.000Z', 'alarm', 'a1')];
    const deployments = [entry('2026-11-27T13:30:00.000Z', 'deployment', 'd1')];
    const actions = [
      entry('2026-11-27T14:05:00.000Z', 'action', 'r1'),
      entry('2026-11-27T13:10:00.000Z', 'action', 'r0'),
    ];

    // Act
    const timeline = mergeTimeline({ since: SINCE, until: UNTIL, sources: [alarms, deployments, actions] });

    // Assess
    expect(timeline.entries.map((e) => e.ref)).toEqual(['r0', 'd1', 'a1', 'r1']);
    expect(timeline).toMatchObject({ since: SINCE.toISOString(), until: UNTIL.toISOString(), omitted: 0 });
  });

  it('breaks a tie of the same millisecond by kind (alarm, deployment, lifecycle, action), then by source order', () => {
    // Prepare
    const at = '2026-11-27T14:00:00.000Z';
    const actions = [entry(at, 'action', 'first'), entry(at, 'action', 'second')];
    const lifecycle = [entry(at, 'lifecycle', 'hook')];
    const alarms = [entry(at, 'alarm', 'alarm')];

    // Act: the action source comes first, yet the alarm that caused them leads
    const timeline = mergeTimeline({ since: SINCE, until: UNTIL, sources: [actions, lifecycle, alarms] });

    // Assess
    expect(timeline.entries.map((e) => e.ref)).toEqual(['alarm', 'hook', 'first', 'second']);
  });

  it('is stable: any shuffle of same-time entries of one kind keeps their source order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 40 }), (minutes) => {
        const source = minutes.map((m, i) =>
          entry(new Date(SINCE.getTime() + m * 60_000).toISOString(), 'action', String(i)),
        );
        const refs = mergeTimeline({ since: SINCE, until: UNTIL, sources: [source] }).entries.map(
          (e) => e.ref,
        );
        const expected = [...source]
          .map((e, i) => ({ e, i }))
          .sort((a, b) => Date.parse(a.e.at) - Date.parse(b.e.at) || a.i - b.i)
          .map(({ e }) => e.ref);
        expect(refs).toEqual(expected);
      }),
    );
  });

  it('keeps only the window, both ends included', () => {
    // Prepare
    const source = [
      entry('2026-11-27T12:59:59.999Z', 'action', 'before'),
      entry(SINCE.toISOString(), 'action', 'at-since'),
      entry(UNTIL.toISOString(), 'action', 'at-until'),
      entry('2026-11-27T15:00:00.001Z', 'action', 'after'),
      entry('not a time', 'action', 'garbage'),
    ];

    // Act
    const timeline = mergeTimeline({ since: SINCE, until: UNTIL, sources: [source] });

    // Assess
    expect(timeline.entries.map((e) => e.ref)).toEqual(['at-since', 'at-until']);
  });

  it('keeps the earliest `limit` entries and counts the rest, with what the readers left unread', () => {
    // Prepare
    const source = Array.from({ length: 10 }, (_, i) =>
      entry(new Date(SINCE.getTime() + i * 1000).toISOString(), 'action', String(i)),
    );

    // Act
    const timeline = mergeTimeline({ since: SINCE, until: UNTIL, sources: [source], limit: 4, unread: 7 });

    // Assess
    expect(timeline.entries.map((e) => e.ref)).toEqual(['0', '1', '2', '3']);
    expect(timeline.omitted).toBe(6 + 7);
    expect(renderMarkdown(timeline)).toContain(
      '13 more entries in the window were left out \\(at most 4 are shown',
    );
    expect(timelineTable(timeline)).toContain('13 more entries in the window were left out');
  });

  it(`never carries more than ${MAX_ENTRIES} entries, whatever limit it is given`, () => {
    const source = Array.from({ length: MAX_ENTRIES + 5 }, (_, i) =>
      entry(new Date(SINCE.getTime() + i).toISOString(), 'action', String(i)),
    );
    const timeline = mergeTimeline({ since: SINCE, until: UNTIL, sources: [source], limit: 10_000 });
    expect(timeline.entries).toHaveLength(MAX_ENTRIES);
    expect(timeline.omitted).toBe(5);
  });
});

describe('parseInstant', () => {
  const now = new Date('2026-11-27T15:00:00.000Z');

  it.each([
    ['2h', '2026-11-27T13:00:00.000Z'],
    ['90m', '2026-11-27T13:30:00.000Z'],
    ['45s', '2026-11-27T14:59:15.000Z'],
    ['1d', '2026-11-26T15:00:00.000Z'],
    ['2026-11-27T14:03:07Z', '2026-11-27T14:03:07.000Z'],
    ['2026-11-27T16:03:07+02:00', '2026-11-27T14:03:07.000Z'],
    ['2026-11-27', '2026-11-27T00:00:00.000Z'],
  ])('reads %s as %s', (text, iso) => {
    expect(parseInstant(text, now)?.toISOString()).toBe(iso);
  });

  it.each(['', '2 hours', '-2h', '2026-11-27T14:03:07', 'yesterday', '2026-13-45T00:00Z'])(
    'refuses %j (a time without a zone is ambiguous at 3 a.m.)',
    (text) => {
      expect(parseInstant(text, now)).toBeUndefined();
    },
  );
});

function hostileTimeline(): Timeline {
  return mergeTimeline({
    since: SINCE,
    until: UNTIL,
    sources: [
      [
        entry('2026-11-27T13:30:00.000Z', 'alarm', 'trading-errors', {
          who: 'CloudWatch',
          outcome: 'ALARM',
          detail: HOSTILE,
        }),
      ],
      [
        entry('2026-11-27T14:00:00.000Z', 'action', '20261127T140000000Z-aa', {
          what: 'rollback function:trading:live',
          who: `<img src=x onerror=alert(1)>`,
          detail: HOSTILE,
          undo: "runbook rollback --function trading --to-version 3 --reason 'undo `x` | y'",
        }),
      ],
    ],
  });
}

describe('renderMarkdown', () => {
  it('writes a postmortem section: the window, a table row per entry and the actions with their undo', () => {
    // Act
    const text = renderMarkdown(hostileTimeline());

    // Assess
    expect(text).toContain('## Timeline');
    expect(text).toContain('Window: 2026-11-27 13:00:00 → 2026-11-27 15:00:00 UTC.');
    expect(text).toContain('| Time (UTC) | Kind | What | Who | Outcome | Undo |');
    expect(text.split('\n').filter((line) => line.startsWith('| 1'))).toHaveLength(2);
    expect(text).toContain('### Actions taken, and their undo');
    expect(text).toContain(
      "Undo: ``runbook rollback --function trading --to-version 3 --reason 'undo `x` \\| y'``",
    );
  });

  it('renders a reason holding <script>, emphasis, a link or a pipe as text: no markup, no extra cell', () => {
    // Act
    const text = renderMarkdown(hostileTimeline());

    // Assess
    expect(text).not.toContain('<script>');
    expect(text).not.toContain('<img');
    expect(text).toContain(
      "&lt;script&gt;document.title='pwned'&lt;/script&gt; \\*\\*bold\\*\\* \\[link\\]\\(https://evil.example\\) \\| cell",
    );
    for (const row of text.split('\n').filter((line) => line.startsWith('| 1'))) {
      // Six cells: seven unescaped pipes.
      expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
    }
  });

  it('says a dry run has nothing to undo, and an action without an undo that none was recorded', () => {
    // Prepare
    const timeline = mergeTimeline({
      since: SINCE,
      until: UNTIL,
      sources: [
        [
          entry('2026-11-27T14:00:00.000Z', 'action', 'dry', {
            what: 'rollback fn (dry run)',
            outcome: 'planned',
          }),
          entry('2026-11-27T14:01:00.000Z', 'action', 'peek', { what: 'dlq.drain queue:q' }),
        ],
      ],
    });

    // Act
    const markdown = renderMarkdown(timeline);
    const html = renderHtml(timeline);

    // Assess
    for (const text of [markdown, html]) {
      expect(text).toMatch(/rollback fn \\?\(dry run\\?\).*A dry run: nothing to undo\./);
      expect(text).toMatch(/dlq\\?\.drain queue:q.*No undo recorded\./);
    }
  });

  it('escapes every Markdown and HTML character, and keeps a line one line', () => {
    expect(escapeMarkdown('a\nb\r\u0007c')).toBe('a b c');
    expect(escapeMarkdown('x_y*z`w<&>')).toBe('x\\_y\\*z\\`w&lt;&amp;&gt;');
    expect(markdownCode('a ``b`` c')).toBe('```a ``b`` c```');
  });
});

describe('renderHtml', () => {
  it('is one self-contained page: no script, no external resource, a CSP that allows only inline styles', () => {
    // Act
    const page = renderHtml(hostileTimeline());

    // Assess
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(page).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
    expect(page).not.toMatch(/\s(src|href)=["']|url\(|@import/i);
  });

  it('renders an actor or a reason holding markup as text', () => {
    // Act
    const page = renderHtml(hostileTimeline());

    // Assess
    expect(page).not.toContain('<img');
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).toContain('&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;');
  });

  it('lists the entries in order, each with its mark on the time axis placed by its time', () => {
    // Act
    const timeline = hostileTimeline();
    const page = renderHtml(timeline);

    // Assess
    const rows = [...page.matchAll(/<tr id="entry-(\d+)"[^>]*data-at="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(timeline.entries.map((e, i) => [String(i), e.at]));
    const marks = [...page.matchAll(/<circle class="mark[^"]*" data-index="(\d+)"[^>]*cx="([\d.]+)"/g)];
    expect(marks.map((m) => Number(m[2]))).toEqual(timeline.entries.map((e) => axisX(e.at, timeline)));
    expect(axisX(SINCE.toISOString(), timeline)).toBeLessThan(axisX('2026-11-27T13:30:00.000Z', timeline));
  });
});

/** A governed incident: a held drain, two approvals, the approved run, a break-glass disable with a hostile reason. */
function governedTimeline(): Timeline {
  const ID = '20261127T140000000Z-11111111';
  const at = (minute: number) => `2026-11-27T14:0${minute}:00.000Z`;
  return mergeTimeline({
    since: SINCE,
    until: UNTIL,
    sources: [
      [
        entry(at(0), 'action', ID, {
          what: 'dlq.drain queue:orders-dlq',
          outcome: 'pending',
          governance: { kind: 'held', approvalId: ID, needs: ['above ApprovalDrainAbove (2)'], required: 2 },
        }),
        entry(at(1), 'action', 'v1', {
          what: 'approval.approve queue:orders-dlq',
          who: 'bob',
          detail: 'consumer fixed',
          governance: { kind: 'vote', vote: 'approve', approvalId: ID, approvals: 1, required: 2 },
        }),
        entry(at(2), 'action', 'v2', {
          what: 'approval.approve queue:orders-dlq',
          who: 'carol',
          governance: { kind: 'vote', vote: 'approve', approvalId: ID, approvals: 2, required: 2 },
        }),
        entry(at(3), 'action', 'run', {
          what: 'dlq.drain queue:orders-dlq',
          governance: { kind: 'approved', approvalId: ID, approvedBy: ['bob', 'carol'] },
        }),
        entry(at(4), 'action', 'glass', {
          what: 'schedules.disable schedules:trading',
          governance: { kind: 'break-glass', reason: HOSTILE },
        }),
      ],
    ],
  });
}

describe('the governance story in the timeline', () => {
  it('says each step in one line: held and what it needs, each vote with its tally, the approvers, BREAK-GLASS', () => {
    // Act
    const lines = governedTimeline().entries.map((e) => (e.governance ? governanceText(e.governance) : ''));

    // Assess
    expect(lines).toEqual([
      'HELD for approval 20261127T140000000Z-11111111: needs 2 approval(s) (above ApprovalDrainAbove (2))',
      'APPROVED 20261127T140000000Z-11111111 (1 of 2)',
      'APPROVED 20261127T140000000Z-11111111 (2 of 2)',
      'carried out as approved by bob, carol (approval 20261127T140000000Z-11111111)',
      `BREAK-GLASS, done alone: ${HOSTILE}`,
    ]);
    expect(governanceText({ kind: 'vote', vote: 'reject', approvalId: 'x' })).toBe('REJECTED x');
  });

  it('never says "carried out" of an approved run that failed: it says approved, and FAILED', () => {
    // Prepare: the ledger's record of an approved fleet run that changed nothing (a workload not reached)
    const record = {
      action: 'fleet.disable',
      outcome: 'failed',
      auditId: '20261127T141000000Z-22222222',
      approval: { approvalId: '20261127T140000000Z-11111111', approvedBy: ['bob', 'carol'] },
    };

    // Act
    const governance = governanceOf(record);
    const line = governance ? governanceText(governance) : '';

    // Assess
    expect(line).toBe(
      'approved by bob, carol (approval 20261127T140000000Z-11111111), but FAILED: not carried out as approved',
    );
    expect(line).not.toContain('carried out as approved by');
    expect(
      governanceText({ ...(governance as object), outcome: 'succeeded' } as typeof governance & object),
    ).toBe('carried out as approved by bob, carol (approval 20261127T140000000Z-11111111)');
  });

  it('shows them in the terminal table, whole, after each action’s own text', () => {
    // Act
    const rows = timelineTable(governedTimeline()).split('\n').slice(2);

    // Assess
    expect(rows[0]).toContain('dlq.drain queue:orders-dlq · HELD for approval 20261127T140000000Z-11111111');
    expect(rows[1]).toContain('approval.approve queue:orders-dlq — consumer fixed · APPROVED');
    expect(rows[3]).toContain('· carried out as approved by bob, carol');
    expect(rows[4]).toContain('· BREAK-GLASS, done alone: <script>');
  });

  it('shows them in the Markdown table and action list, in bold, escaped', () => {
    // Act
    const text = renderMarkdown(governedTimeline());

    // Assess
    const rows = text.split('\n').filter((line) => line.startsWith('| 14'));
    expect(rows).toHaveLength(5);
    expect(rows[0]).toContain('**HELD for approval 20261127T140000000Z-11111111: needs 2 approval\\(s\\)');
    expect(rows[3]).toContain('**carried out as approved by bob, carol');
    expect(rows[4]).toContain(
      "**BREAK-GLASS, done alone: &lt;script&gt;document.title='pwned'&lt;/script&gt; \\*\\*bold\\*\\*",
    );
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(7);
    expect(text).toContain('by cli:alice: succeeded (audit `glass`). **BREAK-GLASS, done alone:');
  });

  it('shows them in the page as text in their own element, never as markup', () => {
    // Act
    const page = renderHtml(governedTimeline());

    // Assess
    expect(page).toContain(
      '<div class="governance governance-approved">carried out as approved by bob, carol (approval 20261127T140000000Z-11111111)</div>',
    );
    expect(page).toContain(
      '<div class="governance governance-break-glass">BREAK-GLASS, done alone: &lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;',
    );
    expect(page).toContain('<span class="governance governance-held">HELD for approval');
    expect(page).not.toContain('<script>');
  });
});
