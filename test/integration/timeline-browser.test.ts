// The timeline's HTML page in a real headless browser (Debian's Chromium, installed by the test set-up:
// test/support/chromium.ts), made by the compiled CLI from a ledger in the emulator: the page renders, its
// entries and their order are the ledger's, its time axis places them in that order, and an actor or a reason
// holding markup shows as text and runs nothing; so does what governed an action (approved by, BREAK-GLASS).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditEntry, AuditLedger, type AuditRecord } from '../../shared/audit.js';
import { LEDGER_ACTIONS } from '../../shared/timeline/ledger.js';
import { HeadlessChromium } from '../support/cdp.js';
import { ensureChromium } from '../support/chromium.js';
import { runCli } from '../support/cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';

const HOSTILE_REASON = `<script>document.title='pwned'</script> **bold** [link](https://evil.example) | x`;
const HOSTILE_ACTOR = `<img src=x onerror="document.title='pwned'">`;
const GLASS_REASON = `<b onmouseover="document.title='pwned'">orders doubling</b> now`;

interface Page {
  title: string;
  active: number;
  rows: {
    index: number;
    kind: string;
    at: string;
    ref: string;
    what: string;
    who: string;
    undo: string;
    governance: string;
  }[];
  marks: { index: number; x: number; y: number; fill: string }[];
}

const READ_PAGE = `(() => ({
  title: document.title,
  active: document.querySelectorAll('script, img, iframe, object, embed').length,
  rows: [...document.querySelectorAll('#entries tbody tr')].map((tr) => ({
    index: Number(tr.dataset.index), kind: tr.dataset.kind, at: tr.dataset.at, ref: tr.dataset.ref,
    what: tr.querySelector('.what').textContent, who: tr.querySelector('.who').textContent,
    undo: tr.querySelector('.undo').textContent,
    governance: tr.querySelector('.governance')?.textContent ?? '',
  })),
  marks: [...document.querySelectorAll('#axis circle.mark')].map((mark) => {
    const box = mark.getBoundingClientRect();
    return { index: Number(mark.dataset.index), x: box.left + box.width / 2, y: box.top + box.height / 2,
      fill: getComputedStyle(mark).fill };
  }),
}))()`;

describe('timeline page in headless Chromium', () => {
  let emulator: CliEmulator;
  let chromium: HeadlessChromium;
  let records: AuditRecord[];
  let page: Page;

  beforeAll(async () => {
    const binary = ensureChromium();
    emulator = await cliEmulator('timeline-page');
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
    const fn = emulator.state.workload?.functionName;
    const now = Date.now();
    const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
    const entry = (action: string, target: string, fields: Partial<AuditEntry> = {}): AuditEntry => ({
      action,
      target,
      actor: 'cli:alice@ops',
      reason: 'errors after the release',
      request: {},
      before: {},
      after: {},
      dryRun: false,
      outcome: 'succeeded',
      correlationId: 'timeline-page',
      ...fields,
    });
    // Three instants; the second holds three records of different actions (a tie the page must keep in order).
    const plan: [Date, AuditEntry][] = [
      [
        at(50),
        entry('rollback', `function:${fn}:live`, {
          reason: HOSTILE_REASON,
          undo: `runbook rollback --function ${fn} --to-version 3 --force`,
        }),
      ],
      [
        at(30),
        entry('dlq.drain', 'queue:orders-dlq', {
          actor: 'cli:bob@ops',
          approval: { approvalId: 'approval-1', approvedBy: ['carol', 'dave'] },
        }),
      ],
      [
        at(30),
        entry('schedules.disable', 'killswitch:ks-1', {
          actor: HOSTILE_ACTOR,
          undo: 'runbook schedules enable --restore-id ks-1',
          breakGlass: { reason: GLASS_REASON },
        }),
      ],
      [at(30), entry('rollback', `function:${fn}:live`, { outcome: 'unchanged' })],
      [at(10), entry('dlq.drain', 'queue:orders-dlq', { dryRun: true, outcome: 'planned' })],
    ];
    records = [];
    for (const [when, item] of plan) {
      const ledger = new AuditLedger({
        dynamo,
        sns: new SNSClient({}),
        tableName: emulator.ref('AuditTable'),
        now: () => when,
      });
      records.push(await ledger.record(item));
    }
    dynamo.destroy();

    // Act: the page as an operator makes it, then opened in the browser.
    const cli = runCli('timeline', ['--since', '1h', '--format', 'html']);
    expect(cli.stderr).toContain('runbook: target: emulator at');
    expect(cli.code).toBe(0);
    const file = join(emulator.stateDir, 'incident.html');
    writeFileSync(file, cli.stdout);
    chromium = HeadlessChromium.start(binary);
    const session = await chromium.open(pathToFileURL(file).href);
    page = await chromium.evaluate<Page>(session, READ_PAGE);
  }, 900_000);

  afterAll(async () => {
    await chromium?.close();
  });

  it('renders every ledger record of the window as a row, in the ledger’s order (ties by action, stably)', () => {
    const expected = [...records]
      .sort(
        (a, b) =>
          a.at.localeCompare(b.at) || LEDGER_ACTIONS.indexOf(a.action) - LEDGER_ACTIONS.indexOf(b.action),
      )
      .map((record) => record.auditId);
    const actions = page.rows.filter((row) => row.kind === 'action');
    expect(actions.map((row) => row.ref)).toEqual(expected);
    expect(actions.map((row) => row.at)).toEqual(
      expected.map((id) => records.find((r) => r.auditId === id)?.at),
    );
    expect(page.rows.map((row) => row.index)).toEqual(page.rows.map((_, i) => i));
    expect(actions.find((row) => row.what.includes('(dry run)'))?.what).toMatch(
      /^dlq\.drain queue:orders-dlq \(dry run\)/,
    );
    expect(actions[0]?.undo).toMatch(/^runbook rollback --function .* --to-version 3 --force$/);
  });

  it('shows an actor or a reason holding markup as text, and runs none of it', () => {
    expect(page.title).toBe('Incident timeline');
    expect(page.active).toBe(0);
    expect(page.rows.some((row) => row.what.endsWith(HOSTILE_REASON))).toBe(true);
    expect(page.rows.some((row) => row.who === HOSTILE_ACTOR)).toBe(true);
  });

  it('shows who approved a run and flags a break-glass action with its reason, as text', () => {
    const governed = page.rows
      .filter((row) => row.governance !== '')
      .map((row) => [row.what.split(' ')[0], row.governance]);
    // Same instant: in the ledger's action order (the first test), whichever that puts first.
    expect(governed).toHaveLength(2);
    expect(governed).toEqual(
      expect.arrayContaining([
        ['dlq.drain', 'carried out as approved by carol, dave (approval approval-1)'],
        ['schedules.disable', `BREAK-GLASS, done alone: ${GLASS_REASON}`],
      ]),
    );
    expect(page.active).toBe(0);
  });

  it('places each entry on the time axis in the same order: later entries further right, ties together', () => {
    const marks = [...page.marks].sort((a, b) => a.index - b.index);
    expect(marks.map((mark) => mark.index)).toEqual(page.rows.map((row) => row.index));
    for (let i = 1; i < marks.length; i++) {
      const [before, after] = [page.rows[i - 1], page.rows[i]] as [Page['rows'][0], Page['rows'][0]];
      const [x0, x1] = [marks[i - 1]?.x ?? 0, marks[i]?.x ?? 0];
      if (before.at === after.at) expect(x1).toBeCloseTo(x0, 3);
      else expect(x1).toBeGreaterThan(x0);
    }
    // The inline styles applied (the page's CSP allows them): actions are drawn green, in one lane.
    const actionMarks = marks.filter((mark) => page.rows[mark.index]?.kind === 'action');
    expect(new Set(actionMarks.map((mark) => mark.fill))).toEqual(new Set(['rgb(46, 125, 50)']));
    expect(new Set(actionMarks.map((mark) => Math.round(mark.y))).size).toBe(1);
  });
});
