// The `runbook` command's start-up, compiled (as dist/cli/runbook.mjs, what `npm ci` builds and `bin` names)
// against the former route (TypeScript through tsx at each start): `runbook --help`, and a dry-run rollback
// against a running emulator. Wall time of fresh processes, median over the runs; the two routes alternate
// so drift in machine load hits both alike. Targets (issue 15): the compiled CLI ≥ 10× faster, and
// `--help` under 300 ms. Printed, never asserted.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { provisionStack, saveState } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { projectRoot } from '../local/template.js';
import { printTable } from '../scripts/build.js';
import { buildCli } from '../scripts/build-cli.js';
import { type BenchSection, median } from './section.js';

const run = promisify(execFile);
const HELP_TARGET_MS = 300;
const TARGET_RATIO = 10;

// Its own build of the CLI: rebuilding dist/cli would pull it from under anything running it meanwhile.
const benchBin = join(projectRoot, 'dist', 'bench', 'cli', 'runbook.mjs');
const routes = {
  compiled: [benchBin],
  tsx: [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), join(projectRoot, 'cli/main.ts')],
};

async function wallMs(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: projectRoot, env: { ...env, NODE_NO_WARNINGS: '1' } });
  return performance.now() - started;
}

async function measure(command: string[], runs: number, env: NodeJS.ProcessEnv) {
  const times = { compiled: [] as number[], tsx: [] as number[] };
  for (let i = 0; i < runs; i++) {
    times.compiled.push(await wallMs([...routes.compiled, ...command], env));
    times.tsx.push(await wallMs([...routes.tsx, ...command], env));
  }
  const compiled = median(times.compiled);
  const tsx = median(times.tsx);
  return {
    compiledMs: Math.round(compiled),
    tsxMs: Math.round(tsx),
    ratio: Number((tsx / compiled).toFixed(1)),
  };
}

export const cliStartupBench: BenchSection = {
  name: 'cli-startup',
  description: '`runbook --help` and a dry-run rollback: the compiled CLI vs TypeScript through tsx',
  async run({ runs }) {
    await buildCli(dirname(benchBin));
    // Each tsx start costs seconds: a handful of runs already gives a stable median.
    const n = Math.min(runs, 7);
    const help = await measure(['--help'], n, process.env);

    // A running emulator, found as an operator's shell finds it: AWS_ENDPOINT_URL and its stack description
    // (in a file of its own, so a developer's running `npm run emulator` keeps its .runbook/emulator.json).
    const stateCopy = join(mkdtempSync(join(tmpdir(), 'runbook-bench-')), 'emulator.json');
    const moto = await startMoto();
    let rollback: Awaited<ReturnType<typeof measure>>;
    try {
      saveState(await provisionStack({ endpoint: moto.endpoint }), stateCopy);
      const env = { ...process.env, ...emulatorEnv(moto.endpoint), RUNBOOK_STATE_DIR: dirname(stateCopy) };
      rollback = await measure(
        [
          'rollback',
          '--function',
          'runbook-local-WorkloadFunction',
          '--reason',
          'bench start-up',
          '--dry-run',
          '--json',
        ],
        n,
        env,
      );
    } finally {
      await moto.stop();
      rmSync(dirname(stateCopy), { recursive: true, force: true });
    }

    printTable(
      ['command', 'compiled', 'tsx', 'ratio', 'target'],
      [
        [
          'runbook --help',
          `${help.compiledMs} ms`,
          `${help.tsxMs} ms`,
          `${help.ratio}×`,
          `≥ ${TARGET_RATIO}×, < ${HELP_TARGET_MS} ms`,
        ],
        [
          'runbook rollback --dry-run',
          `${rollback.compiledMs} ms`,
          `${rollback.tsxMs} ms`,
          `${rollback.ratio}×`,
          `≥ ${TARGET_RATIO}×`,
        ],
      ],
      'lrrrl',
    );
    console.log(
      `--help ${help.compiledMs < HELP_TARGET_MS ? 'meets' : 'misses'} the ${HELP_TARGET_MS} ms target; medians of ${n} fresh processes each`,
    );
    return {
      runs: n,
      help,
      rollbackDryRun: rollback,
      helpTargetMs: HELP_TARGET_MS,
      targetRatio: TARGET_RATIO,
    };
  },
};
