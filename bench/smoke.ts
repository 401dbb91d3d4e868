// The pre-traffic hook's smoke suite: ten cases of 200 ms each, run concurrently (the suite's bound) against
// one after another. The hook logic is the deployed one; the invoker answers after 200 ms, standing in for a
// workload version, and the CodeDeploy and Lambda reads are answered in memory, so the figure is the suite's
// scheduling alone. Ten sequential cases take 10 × 200 ms = 2000 ms at least.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Invoker } from '../functions/pre-traffic/invoker.js';
import { preTraffic } from '../functions/pre-traffic/smoke.js';
import { printTable } from '../scripts/build.js';
import { timeBudget } from '../shared/lifecycle-hook.js';
import { type BenchSection, median } from './section.js';

const CASES = 10;
const CASE_MS = 200;

const APPSPEC = JSON.stringify({
  version: 0.0,
  Resources: [
    {
      w: {
        Type: 'AWS::Lambda::Function',
        Properties: { Name: 'w', Alias: 'live', CurrentVersion: '1', TargetVersion: '2' },
      },
    },
  ],
});

// In-memory answers for the hook's two reads and its report.
const codedeploy = {
  send: async (command: { constructor: { name: string } }) =>
    command.constructor.name === 'GetDeploymentCommand'
      ? { deploymentInfo: { revision: { appSpecContent: { content: APPSPEC } } } }
      : {},
} as unknown as CodeDeployClient;
const lambda = {
  send: async () => ({ Description: 'gitSha=0123456789abcdef buildId=bench' }),
} as unknown as LambdaClient;
const ledger = { record: async () => ({ auditId: 'bench', notified: false }) } as never;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const slowCase: Invoker = () =>
  new Promise((resolve) => setTimeout(() => resolve({ payload: { ok: true } }), CASE_MS));

async function suiteMs(concurrency: number): Promise<number> {
  const suite = {
    concurrency,
    checkBuildMetadata: false,
    cases: Array.from({ length: CASES }, (_, i) => ({
      name: `case-${i}`,
      payload: { i },
      expect: { jsonSubset: { ok: true } },
    })),
  };
  const started = performance.now();
  const result = await preTraffic(
    {
      lambda,
      codedeploy,
      ledger,
      logger: quiet,
      budget: timeBudget(() => 120_000, 30_000),
      invoke: slowCase,
      correlationId: 'bench',
      config: { skip: false, suite },
    },
    { DeploymentId: 'd-BENCH0001', LifecycleEventHookExecutionId: 'bench' },
  );
  if (result.status !== 'Succeeded') throw new Error(`bench suite failed: ${result.reason}`);
  return performance.now() - started;
}

export const smokeBench: BenchSection = {
  name: 'smoke',
  description: `pre-traffic smoke suite: ${CASES} cases of ${CASE_MS} ms, concurrent vs one at a time`,
  async run({ runs, small }) {
    const repeat = small ? 1 : Math.max(3, Math.min(runs, 5));
    const figures: Record<string, number> = {};
    for (const concurrency of [CASES, 5, 1]) {
      const times: number[] = [];
      for (let i = 0; i < repeat; i++) times.push(await suiteMs(concurrency));
      figures[`concurrency${concurrency}MedianMs`] = Math.round(median(times));
    }
    const concurrent = figures[`concurrency${CASES}MedianMs`] as number;
    const sequential = figures.concurrency1MedianMs as number;
    printTable(
      ['suite', `median of ${repeat} (ms)`],
      [
        [`${CASES} cases, concurrency ${CASES}`, String(concurrent)],
        [`${CASES} cases, concurrency 5`, String(figures.concurrency5MedianMs)],
        [`${CASES} cases, one at a time`, String(sequential)],
        [`${CASES} × ${CASE_MS} ms (the sequential floor)`, String(CASES * CASE_MS)],
        ['speed-up, concurrent vs one at a time', `${(sequential / concurrent).toFixed(1)}×`],
      ],
      'lr',
    );
    return {
      cases: CASES,
      caseMs: CASE_MS,
      ...figures,
      speedup: Math.round((sequential / concurrent) * 10) / 10,
    };
  },
};
