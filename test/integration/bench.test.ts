// `npm run bench` must run whole: every section, in order, in one process — as the README runs it — on a
// small size (--small), so that a section that only breaks after another one (a cached SDK client pointing
// at the emulator an earlier section stopped) fails here, not in front of the person reading the figures.
// One run serves both tests: the whole bench's figures, and the fleet section's printed table (it used to run
// the fleet section a second time on its own, ~3 CPU-s and a fifth of this file's wall time, for figures
// the whole run already has).
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runSections, sections } from '../../bench/sections.js';
import type { Json } from '../../local/template.js';

let figures: Record<string, Json>;
/** What the run printed, headings and tables, in order: the log callback's lines and console.log's. */
const printed: string[] = [];

beforeAll(async () => {
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
    printed.push(args.join(' '));
  });
  try {
    figures = await runSections(sections, { runs: 1, small: true }, (line) => printed.push(line));
  } finally {
    log.mockRestore();
  }
}, 600_000);

describe('npm run bench -- --small', () => {
  it('runs every section in one process, each after the other, and returns the figures of each', () => {
    // Assess
    expect(Object.keys(figures)).toEqual(sections.map((section) => section.name));
    expect(printed.filter((line) => line.startsWith('\n== '))).toHaveLength(sections.length);
    expect(figures.rollback).toMatchObject({ runbookMedianMs: expect.any(Number) });
    expect(figures['secret-rotation']).toMatchObject({
      rotationMedianMs: expect.any(Number),
      awsCallsPerRotation: expect.any(Number),
    });
    expect(figures.killswitch).toMatchObject({ schedules: 12 });
    expect(figures.dlq).toMatchObject({ messages: 20, moto: { messages: 10 } });
    expect(figures['killswitch-scale']).toMatchObject({ schedules: 300 });
    expect(JSON.stringify(figures['killswitch-scale'])).toContain('"restoredExactly":true');
    expect(figures.canary).toMatchObject({ canaries: 40 });
    // Start-up is told apart from what no route changes: node's boot, and the emulator's answers to the dry run.
    expect(figures['cli-startup']).toMatchObject({
      help: { nodeBootMs: expect.any(Number), startup: { ratio: expect.any(Number) } },
      rollbackDryRun: { startup: { ratio: expect.any(Number) } },
    });
    const dryRun = (figures['cli-startup'] as { rollbackDryRun: { emulatorMs: Record<string, number> } })
      .rollbackDryRun;
    expect(dryRun.emulatorMs.compiled).toBeGreaterThan(0);
    expect(dryRun.emulatorMs.tsx).toBeGreaterThan(0);
    expect(figures.fleet).toMatchObject({ rollback: { functions: 30 }, killSwitch: { schedules: 300 } });
  });
});

interface Rate {
  writes: number;
  peakWritesPerSecond: number;
  budgetPerSecond: number;
  tightestOverBudgetMs: number | null;
}

describe('npm run bench -- --small: the fleet section', () => {
  it('prints the fleet rollback and disable figures, and no second holds more writes than the budget', () => {
    // Assess
    const { rollback, killSwitch } = figures.fleet as unknown as { rollback: Rate; killSwitch: Rate };
    expect(rollback).toMatchObject({
      functions: 30,
      moved: 30,
      writes: 30,
      counts: { succeeded: 30, failed: 0, skipped: 0 },
      naive: { moved: 30 },
      wallMs: expect.any(Number),
      wallOverIdeal: expect.any(Number),
      budgetShare: expect.any(Number),
    });
    expect(killSwitch).toMatchObject({
      schedules: 300,
      disabled: 300,
      writes: 300,
      counts: { succeeded: 5, failed: 0, skipped: 0 },
      naive: { sampleSchedules: 20, estimatedMs: expect.any(Number) },
      naiveOverFleet: expect.any(Number),
    });
    // More writes than the budget in each (30 at 10/s span three seconds), so a window is really tested. The
    // times are the budget's grants (budgeted's onWrite), not when the event loop came back to send each: a busy
    // machine delays the sending (3.7 ms once, under load), which the budget does not claim to cover. 999 ms
    // leaves a millisecond for the clock's readings.
    for (const rate of [rollback, killSwitch]) {
      expect(rate.writes).toBeGreaterThan(rate.budgetPerSecond);
      expect(rate.peakWritesPerSecond).toBeGreaterThan(0);
      expect(rate.tightestOverBudgetMs).toBeGreaterThanOrEqual(999);
    }
    // The fleet section's own lines: from its heading to the next section's.
    const start = printed.findIndex((line) => line.startsWith('\n== fleet:'));
    const next = printed.findIndex((line, index) => index > start && line.startsWith('\n== '));
    const table = printed.slice(start, next === -1 ? undefined : next).join('\n');
    expect(start).toBeGreaterThan(-1);
    expect(table).toMatch(/rollback of 30 functions +\d+\.\d +\d+\.\d +N \/ budget = 3\.0 s/);
    expect(table).toMatch(
      /disable 300 schedules in 5 groups +\d+\.\d\* +\d+\.\d +≥ 8× the naive loop +\d+\.\d×/,
    );
  });
});
