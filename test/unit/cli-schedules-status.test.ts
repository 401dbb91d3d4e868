// `runbook schedules status` for a person (cli/render.ts killSwitchStatus): counts first, rows as a table, many
// rows behind --verbose, and a page of a run read back with the command for the next one.
import { describe, expect, it } from 'vitest';
import { killSwitchStatus, LIST_LIMIT } from '../../cli/render.js';

const AUDIT_ID = '20261128T103313188Z-a5c4a240';
const outcomes = (count: number, outcome: string) =>
  Array.from({ length: count }, (_, i) => ({ group: 'payments', name: `s${i}`, outcome }));

describe('runbook schedules status, read by a person', () => {
  it('reads a large run back as counts and the next page, its outcomes behind --verbose', () => {
    // Prepare: page 1 of 3 of a dry run over 2,101 schedules
    const answer = {
      ok: true,
      auditId: AUDIT_ID,
      action: 'schedules.disable',
      at: '2026-11-28T10:33:13.190Z',
      actor: 'cli:alice@laptop',
      outcome: 'planned',
      dryRun: true,
      restoreId: null,
      counts: { selected: 2101, 'would-disable': 1801, 'already-disabled': 300 },
      page: 1,
      pages: 3,
      schedules: outcomes(1000, 'would-disable'),
      next: 2,
    };

    // Act
    const short = killSwitchStatus(answer);
    const long = killSwitchStatus(answer, true);

    // Assess
    expect(short.split('\n')).toEqual([
      `Run ${AUDIT_ID}: schedules.disable by cli:alice@laptop at 2026-11-28T10:33:13.190Z (planned, dry run)`,
      'counts: 1801 would-disable, 300 already-disabled (2101 selected)',
      'page 1 of 3: 1000 outcome(s)',
      '  (1000 schedules: --verbose lists them, --json gives everything)',
      `next page: runbook schedules status --audit-id ${AUDIT_ID} --page 2`,
    ]);
    expect(long.split('\n')).toHaveLength(1000 + 5);
    expect(long).toMatch(/ {2}payments +s999 +would-disable/);
  });

  it('names each failed outcome with its error, and the run’s restore id', () => {
    // Act
    const text = killSwitchStatus({
      ok: true,
      auditId: AUDIT_ID,
      action: 'schedules.disable',
      at: '2026-11-28T10:33:13.190Z',
      actor: 'cli:alice@laptop',
      outcome: 'partial',
      dryRun: false,
      restoreId: 'ks-20261128T103313188Z-a5c4a240',
      counts: { selected: 2, disabled: 1, failed: 1 },
      page: 1,
      pages: 1,
      schedules: [
        { group: 'payments', name: 'a', outcome: 'disabled' },
        { group: 'payments', name: 'b', outcome: 'failed', error: 'ThrottlingException: Rate exceeded' },
      ],
    });

    // Assess
    expect(text).toContain('(partial)');
    expect(text).toContain('restore id: ks-20261128T103313188Z-a5c4a240');
    expect(text).toMatch(/payments +b +failed: ThrottlingException: Rate exceeded/);
    expect(text).not.toContain('next page');
  });

  it('lists the selected schedules’ states up to the list limit, then counts them, and the open kill switches', () => {
    // Prepare
    const states = (count: number) =>
      Array.from({ length: count }, (_, i) => ({
        group: 'payments',
        name: `s${i}`,
        state: i % 4 === 0 ? 'DISABLED' : 'ENABLED',
      }));
    const open = [
      {
        restoreId: 'ks-20261128T031001123Z-3fa9c2d1',
        at: '2026-11-28T03:10:01.123Z',
        actor: 'cli:bob@laptop',
        reason: 'orders rejected since 03:02',
        selector: { group: 'payments', namePrefix: 'settle-' },
        functionName: 'orders-fn',
      },
    ];

    // Act
    const few = killSwitchStatus({
      ok: true,
      openKillSwitches: open,
      schedules: states(LIST_LIMIT),
      counts: { selected: LIST_LIMIT, ENABLED: 15, DISABLED: 5 },
    });
    const many = killSwitchStatus({
      ok: true,
      openKillSwitches: [],
      schedules: states(301),
      counts: { selected: 301, ENABLED: 225, DISABLED: 76 },
    });

    // Assess
    expect(few.split('\n')[0]).toBe(`${LIST_LIMIT} schedule(s) selected: 15 ENABLED, 5 DISABLED`);
    expect(few).toMatch(/ {2}GROUP +SCHEDULE +STATE\n {2}payments +s0 +DISABLED/);
    expect(few).toMatch(
      /ks-20261128T031001123Z-3fa9c2d1 +2026-11-28T03:10:01.123Z +cli:bob@laptop +group payments names settle-\* +orders-fn +orders rejected since 03:02/,
    );
    expect(many.split('\n')).toEqual([
      '301 schedule(s) selected: 225 ENABLED, 76 DISABLED',
      '  (301 schedules: --verbose lists them, --json gives everything)',
      'No open kill switch.',
    ]);
  });

  it('says a refusal in one sentence', () => {
    // Act
    const text = killSwitchStatus({
      ok: false,
      error: { code: 'ValidationError', message: 'page: run X has 1 page(s)', field: 'page' },
    });

    // Assess
    expect(text).toBe('refused: ValidationError: page: run X has 1 page(s) (field page)');
  });
});
