// The smoke cases: each planned from the suite, run against the version under test within the budget.
import { describe } from '../../shared/errors.js';
import { type Clock, mapSettled, systemClock } from '../../shared/rate.js';
import { isObject } from '../../shared/validate.js';
import { type InvokeAnswer, type Invoker, SMOKE_CLIENT_CONTEXT } from './invoker.js';
import type { SmokeCase, SmokeSuite } from './schema.js';
import { sameCommit } from './target.js';
import { BUILD_METADATA_CASE, type CaseResult, type PreTrafficDeps, type Target } from './types.js';

/** Whether `actual` contains `expected`: objects key by key (recursively), anything else by equal JSON. */
export function containsSubset(expected: unknown, actual: unknown): boolean {
  if (isObject(expected)) {
    return (
      isObject(actual) && Object.entries(expected).every(([key, value]) => containsSubset(value, actual[key]))
    );
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

export interface PlannedCase {
  name: string;
  payload: unknown;
  timeoutMs: number;
  check(answer: InvokeAnswer, durationMs: number): string | undefined;
}

export function smokeCase(item: SmokeCase, suite: SmokeSuite, version: string): PlannedCase {
  return {
    name: item.name,
    payload: item.payload,
    timeoutMs: item.timeoutMs ?? suite.defaultTimeoutMs,
    check(answer, durationMs) {
      const expect = item.expect;
      if (answer.executedVersion !== undefined && answer.executedVersion !== version) {
        return `version ${answer.executedVersion} answered, not ${version}`;
      }
      if (Boolean(answer.functionError) !== expect.functionError) {
        return expect.functionError
          ? 'expected a function error, the invocation succeeded'
          : `function error ${answer.functionError}: ${describe(JSON.stringify(answer.payload))}`;
      }
      if (expect.jsonSubset && !containsSubset(expect.jsonSubset, answer.payload)) {
        return `answer ${describe(JSON.stringify(answer.payload))} does not contain ${describe(JSON.stringify(expect.jsonSubset))}`;
      }
      if (expect.maxDurationMs !== undefined && durationMs > expect.maxDurationMs) {
        return `took ${durationMs} ms, more than ${expect.maxDurationMs} ms`;
      }
      return undefined;
    },
  };
}

export function buildMetadataCase(suite: SmokeSuite, expectedSha: string): PlannedCase {
  return {
    name: BUILD_METADATA_CASE,
    payload: { runbook: 'health' },
    timeoutMs: suite.defaultTimeoutMs,
    check(answer) {
      if (answer.functionError) return `function error ${answer.functionError} answering the health probe`;
      const gitSha = isObject(answer.payload) ? answer.payload.gitSha : undefined;
      if (!sameCommit(gitSha, expectedSha)) {
        return `the version runs build ${JSON.stringify(gitSha ?? null)}, its description records gitSha=${expectedSha}`;
      }
      return undefined;
    },
  };
}

async function runCase(
  deps: PreTrafficDeps,
  invoke: Invoker,
  target: Target,
  planned: PlannedCase,
  clock: Clock,
): Promise<CaseResult> {
  // A case never outlives the suite's budget: the reserve for reporting is not for cases.
  const timeoutMs = Math.min(planned.timeoutMs, deps.budget.checksMs());
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const started = clock.now();
  try {
    const answer = await Promise.race([
      invoke({
        functionName: target.name,
        qualifier: target.version,
        payload: planned.payload,
        clientContext: SMOKE_CLIENT_CONTEXT,
        signal: controller.signal,
      }),
      timeout,
    ]);
    const durationMs = Math.round(clock.now() - started);
    const reason = planned.check(answer, durationMs);
    return reason === undefined
      ? { name: planned.name, verdict: 'pass', durationMs }
      : { name: planned.name, verdict: 'fail', durationMs, reason };
  } catch (error) {
    return {
      name: planned.name,
      verdict: 'fail',
      durationMs: Math.round(clock.now() - started),
      reason: describe(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every case, at most `concurrency` at once, and returns one result per case in order. The whole run is
 * raced against the budget: an invoker that ignores its abort signal cannot hold the report back.
 */
export async function runCases(
  deps: PreTrafficDeps,
  invoke: Invoker,
  target: Target,
  cases: PlannedCase[],
  concurrency: number,
): Promise<CaseResult[]> {
  const clock = deps.clock ?? systemClock;
  const results: (CaseResult | undefined)[] = cases.map(() => undefined);
  const started = clock.now();
  let budgetTimer: NodeJS.Timeout | undefined;
  const budgetSpent = new Promise<'budget'>((resolve) => {
    budgetTimer = setTimeout(() => resolve('budget'), deps.budget.checksMs());
  });
  try {
    await Promise.race([
      mapSettled(
        cases,
        { concurrency, shouldStop: () => deps.budget.checksMs() <= 0 },
        async (item, index) => {
          results[index] = await runCase(deps, invoke, target, item, clock);
        },
      ),
      budgetSpent,
    ]);
  } finally {
    clearTimeout(budgetTimer);
  }
  const spent = Math.round(clock.now() - started);
  return cases.map(
    (item, index) =>
      results[index] ?? {
        name: item.name,
        verdict: 'fail',
        durationMs: spent,
        reason: 'not finished when the time budget ran out (the reserve is kept for reporting)',
      },
  );
}
