// `npm run bench` must run whole: every section, in order, in one process — as the README runs it — on a
// small size (--small), so that a section that only breaks after another one (a cached SDK client pointing
// at the emulator an earlier section stopped) fails here, not in front of the person reading the figures.
import { describe, expect, it } from 'vitest';
import { runSections, sections } from '../../bench/sections.js';

describe('npm run bench -- --small', () => {
  it('runs every section in one process, each after the other, and returns the figures of each', async () => {
    // Prepare
    const headings: string[] = [];

    // Act
    const figures = await runSections(sections, { runs: 1, small: true }, (line) => headings.push(line));

    // Assess
    expect(Object.keys(figures)).toEqual(sections.map((section) => section.name));
    expect(headings.filter((line) => line.startsWith('\n== '))).toHaveLength(sections.length);
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
  }, 600_000);
});
