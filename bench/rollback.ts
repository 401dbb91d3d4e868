// The rollback against the runbook's manual route, on the same emulator: AWS round trips per rollback on the
// fast path (no CodeDeploy application, no target given), and wall time of the in-process handler next to
// `aws lambda get-alias` + `aws lambda update-alias` typed by hand (awscli), as a ratio.
import { execFileSync } from 'node:child_process';
import { LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { countSharedClientCalls } from '../local/drill/counting.js';
import { provisionStack } from '../local/emulator/provision.js';
import { invokeFunction } from '../local/invoke.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { withStdoutOnStderr } from '../local/output.js';
import { printTable } from '../scripts/build.js';
import { type BenchSection, median } from './section.js';

// The decision and the write; the audit record and the ops notification follow every action.
const WRITES = new Set(['Lambda.UpdateAlias', 'CodeDeploy.StopDeployment']);
const LEDGER = new Set(['DynamoDB.PutItem', 'SNS.Publish']);

export const rollbackBench: BenchSection = {
  name: 'rollback',
  description:
    'AWS calls per rollback (fast path) and its time vs the manual get-alias + update-alias (awscli)',
  async run({ runs, small }) {
    const moto = await startMoto();
    const saved = { ...process.env };
    try {
      Object.assign(process.env, emulatorEnv(moto.endpoint));
      const state = await provisionStack({ endpoint: moto.endpoint, stackName: 'bench' });
      const functionName = String(state.workload?.functionName);
      const lambda = new LambdaClient({});
      const reset = () =>
        lambda.send(
          new UpdateAliasCommand({ FunctionName: functionName, Name: 'live', FunctionVersion: '3' }),
        );
      const counter = countSharedClientCalls();
      const runbook: number[] = [];
      const manual: number[] = [];
      let calls: Record<string, number> = {};
      // One warm-up of each (module load, awscli's first start), then `runs` measured alternately. --small
      // skips the warm-up: it checks that the section runs, and each awscli start costs seconds.
      for (let i = small ? 1 : 0; i <= runs; i++) {
        await reset();
        counter.reset();
        const started = performance.now();
        const outcome = await withStdoutOnStderr(() =>
          invokeFunction({
            logicalId: 'RollbackFunction',
            event: { actor: 'bench', functionName, reason: 'bench: fast path' },
            state,
            // Every run rolls back 3 -> 2 again: no cool-down between them.
            envVars: { RollbackFunction: { ROLLBACK_COOLDOWN_MINUTES: '0', POWERTOOLS_LOG_LEVEL: 'SILENT' } },
          }),
        );
        const elapsed = performance.now() - started;
        if (outcome.exitCode !== 0) throw new Error(`rollback failed: ${JSON.stringify(outcome.result)}`);
        if (i > 0) runbook.push(elapsed);
        calls = counter.byOperation();

        await reset();
        const manualStarted = performance.now();
        const aws = (...args: string[]) =>
          execFileSync('aws', ['lambda', ...args, '--function-name', functionName, '--name', 'live'], {
            env: process.env,
            stdio: ['ignore', 'pipe', 'pipe'],
          });
        const alias = JSON.parse(aws('get-alias').toString()) as { FunctionVersion: string };
        if (alias.FunctionVersion !== '3') throw new Error('manual route read the wrong version');
        aws('update-alias', '--function-version', '2', '--routing-config', 'AdditionalVersionWeights={}');
        if (i > 0) manual.push(performance.now() - manualStarted);
      }
      lambda.destroy();

      const total = Object.values(calls).reduce((sum, n) => sum + n, 0);
      const decide = Object.entries(calls)
        .filter(([op]) => !LEDGER.has(op))
        .reduce((sum, [, n]) => sum + n, 0);
      const writes = Object.entries(calls)
        .filter(([op]) => WRITES.has(op))
        .reduce((sum, [, n]) => sum + n, 0);
      console.log('AWS calls per rollback (fast path: no target given, no CodeDeploy application):');
      printTable(
        ['call', 'count'],
        Object.entries(calls).map(([op, n]) => [op, String(n)]),
        'lr',
      );
      console.log(
        `\n${decide} round trips to decide and act (${writes} write), plus ${total - decide} for the audit record and notification; ${total} in all.\n`,
      );
      const runbookMs = median(runbook);
      const manualMs = median(manual);
      printTable(
        ['route', `median of ${runs} (ms)`],
        [
          ['runbook rollback (handler in-process)', runbookMs.toFixed(1)],
          ['aws lambda get-alias + update-alias', manualMs.toFixed(1)],
          ['ratio runbook / manual', (runbookMs / manualMs).toFixed(2)],
        ],
        'lr',
      );
      return {
        calls,
        roundTripsToDecideAndAct: decide,
        writes,
        auditAndNotify: total - decide,
        totalCalls: total,
        runbookMedianMs: Math.round(runbookMs * 10) / 10,
        manualMedianMs: Math.round(manualMs * 10) / 10,
        ratio: Math.round((runbookMs / manualMs) * 100) / 100,
      };
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
      await moto.stop();
    }
  },
};
