// The game day: provision a realistic estate in the emulator, run each scenario through the real handlers,
// check the end state, and keep a timeline and a scorecard.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmulatorState } from '../emulator/provision.js';
import { invokeEvent } from '../invoke-event.js';
import { projectRoot } from '../template.js';
import { type CallCounter, countSharedClientCalls } from './counting.js';
import { type DrillContext, DrillFailure, type Scenario } from './scenario.js';

export interface TimelineEntry {
  atMs: number;
  scenario: string;
  text: string;
}

export interface ScenarioScore {
  name: string;
  summary: string;
  result: 'pass' | 'fail';
  durationMs: number;
  awsCalls: number;
  calls: Record<string, number>;
  error?: string;
}

export interface Scorecard {
  startedAt: string;
  endpoint: string;
  stackName: string;
  passed: number;
  failed: number;
  durationMs: number;
  scenarios: ScenarioScore[];
  timeline: TimelineEntry[];
}

/** An API Gateway answer carries its result as a JSON string; a direct one is the result itself. */
function bodyOf(result: unknown): Record<string, unknown> {
  if (
    typeof result === 'object' &&
    result !== null &&
    typeof (result as { body?: unknown }).body === 'string'
  ) {
    return JSON.parse((result as { body: string }).body) as Record<string, unknown>;
  }
  return (result ?? {}) as Record<string, unknown>;
}

export function loadEvent(event: string | object): unknown {
  if (typeof event !== 'string') return structuredClone(event);
  return JSON.parse(readFileSync(join(projectRoot, event), 'utf8'));
}

let sharedCounter: CallCounter | undefined;

export async function runDrill(state: EmulatorState, scenarios: Scenario[]): Promise<Scorecard> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const timeline: TimelineEntry[] = [];
  const scores: ScenarioScore[] = [];
  // The handlers' shared clients are created once per process, as in a Lambda container: count on them.
  sharedCounter ??= countSharedClientCalls();
  const counter = sharedCounter;

  for (const scenario of scenarios) {
    const note = (text: string) =>
      timeline.push({ atMs: Math.round(performance.now() - started), scenario: scenario.name, text });
    const ctx: DrillContext = {
      state,
      step: note,
      expect(condition, message): asserts condition {
        if (!condition) throw new DrillFailure(message);
      },
      async invoke(logicalId, event, env) {
        const outcome = await invokeEvent({
          logicalId,
          event: loadEvent(event),
          state,
          ...(env ? { envVars: { [logicalId]: env } } : {}),
        });
        return { ...outcome, body: bodyOf(outcome.result) };
      },
    };
    counter.reset();
    const scenarioStart = performance.now();
    note(`start: ${scenario.summary}`);
    let error: string | undefined;
    try {
      await scenario.run(ctx);
      note('pass');
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
      note(`FAIL: ${error}`);
    }
    scores.push({
      name: scenario.name,
      summary: scenario.summary,
      result: error === undefined ? 'pass' : 'fail',
      durationMs: Math.round(performance.now() - scenarioStart),
      awsCalls: counter.total(),
      calls: counter.byOperation(),
      ...(error === undefined ? {} : { error }),
    });
  }
  return {
    startedAt,
    endpoint: state.endpoint,
    stackName: state.stackName,
    passed: scores.filter((score) => score.result === 'pass').length,
    failed: scores.filter((score) => score.result === 'fail').length,
    durationMs: Math.round(performance.now() - started),
    scenarios: scores,
    timeline,
  };
}

export function formatScorecard(card: Scorecard): string {
  const lines = ['', 'Timeline'];
  for (const entry of card.timeline) {
    lines.push(`  +${String(entry.atMs).padStart(6)} ms  ${entry.scenario.padEnd(22)} ${entry.text}`);
  }
  lines.push('', 'Scorecard');
  lines.push(
    `  ${'scenario'.padEnd(24)} ${'result'.padEnd(6)} ${'duration'.padStart(9)} ${'AWS calls'.padStart(9)}`,
  );
  for (const score of card.scenarios) {
    lines.push(
      `  ${score.name.padEnd(24)} ${(score.result === 'pass' ? 'PASS' : 'FAIL').padEnd(6)} ${`${score.durationMs} ms`.padStart(9)} ${String(score.awsCalls).padStart(9)}`,
    );
    if (score.error) lines.push(`    ↳ ${score.error}`);
  }
  lines.push('', `${card.durationMs} ms against ${card.endpoint}, stack ${card.stackName}`);
  lines.push(`drill: ${card.passed} passed, ${card.failed} failed`);
  return lines.join('\n');
}
