// The `runbook` command's start-up, compiled (as dist/cli/runbook.cjs, what `npm ci` builds and `bin` names)
// against the former route (TypeScript through tsx at each start): `runbook --help`, and a dry-run rollback
// against a running emulator. Wall time of fresh processes, median over the runs; the two routes alternate
// so drift in machine load hits both alike. Targets (issue 15): the compiled CLI ≥ 10× faster, and
// `--help` under 300 ms. Printed, never asserted.
//
// What start-up is, and is not. A command's wall time also holds two parts no route can change: node's own
// boot (`node -e 0`, measured alongside) and, for the dry run, the time the emulator takes to answer its
// requests (the same requests whichever route sent them; the emulator is reached through a proxy that notes
// when it was answering: bench/recording-proxy.ts). Both are printed, and the CLI's own start-up is the wall
// time less them; the wall-time ratio is printed too. tsx is measured with its transform cache warm, as an
// operator's second command finds it (a cold cache only makes tsx slower); the compiled CLI likewise writes a
// command's code cache at its first run of it (cli/code-cache.ts): in a build of its own, the first of the runs
// measured here; in dist/cli, whichever run of the command came first, as on an operator's machine.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { provisionStack, saveState } from '../local/emulator/provision.js';
import { emulatorEnv, startMoto } from '../local/moto.js';
import { projectRoot } from '../local/template.js';
import { printTable } from '../scripts/build.js';
import { buildCli, buildIsFresh, cliBin } from '../scripts/build-cli.js';
import { type RecordingProxy, recordingProxy } from './recording-proxy.js';
import { type BenchSection, median } from './section.js';

const run = promisify(execFile);
const HELP_TARGET_MS = 300;
const TARGET_RATIO = 10;
/** Starts of node and of the compiled CLI measured for each start of the tsx route. */
const COMPILED_PER_TSX = 3;

const tsxRoute = [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), join(projectRoot, 'cli/main.ts')];

/**
 * The compiled CLI: dist/cli, as `npm ci` built it, while it is built from the files as they are now (the same
 * bytes a build would write); else a build of its own, since rebuilding dist/cli would pull it from under
 * anything running it meanwhile.
 */
async function compiledCli(): Promise<string> {
  if (buildIsFresh()) return cliBin;
  return buildCli(join(projectRoot, 'dist', 'bench', 'cli'));
}

interface Timed {
  wallMs: number;
  /** The part of wallMs during which the emulator was answering a request. */
  emulatorMs: number;
}

async function timed(args: string[], env: NodeJS.ProcessEnv, proxy?: RecordingProxy): Promise<Timed> {
  const started = performance.now();
  await run(process.execPath, args, { cwd: projectRoot, env: { ...env, NODE_NO_WARNINGS: '1' } });
  const ended = performance.now();
  return { wallMs: ended - started, emulatorMs: proxy?.busyMs(started, ended) ?? 0 };
}

const ms = (value: number) => Math.round(value);
const ratio = (slow: number, fast: number) => Number((slow / fast).toFixed(1));

async function measure(
  bin: string,
  command: string[],
  runs: number,
  env: NodeJS.ProcessEnv,
  proxy?: RecordingProxy,
) {
  const times = { compiled: [] as Timed[], tsx: [] as Timed[], node: [] as number[] };
  // node's boot and the compiled CLI, a few tens of ms each, vary by as much from one start to the next: three
  // of each for every start of the tsx route (a second and more, its medians steady over `runs`), all
  // interleaved, so that their medians are as steady as tsx's.
  for (let i = 0; i < runs * COMPILED_PER_TSX; i++) {
    times.node.push((await timed(['-e', '0'], env)).wallMs);
    times.compiled.push(await timed([bin, ...command], env, proxy));
    if (i % COMPILED_PER_TSX === 0) times.tsx.push(await timed([...tsxRoute, ...command], env, proxy));
  }
  const nodeMs = median(times.node);
  const wall = (route: Timed[]) => median(route.map((item) => item.wallMs));
  const emulator = (route: Timed[]) => median(route.map((item) => item.emulatorMs));
  // Run by run, so a slow moment of the machine is not subtracted from a fast run.
  const own = (route: Timed[]) => median(route.map((item) => item.wallMs - item.emulatorMs - nodeMs));
  const compiledOwn = own(times.compiled);
  const tsxOwn = own(times.tsx);
  return {
    compiledMs: ms(wall(times.compiled)),
    tsxMs: ms(wall(times.tsx)),
    ratio: ratio(wall(times.tsx), wall(times.compiled)),
    nodeBootMs: ms(nodeMs),
    emulatorMs: { compiled: ms(emulator(times.compiled)), tsx: ms(emulator(times.tsx)) },
    startup: {
      compiledMs: ms(compiledOwn),
      tsxMs: ms(tsxOwn),
      // A start-up within noise of nothing has no meaningful ratio; 1 ms is the floor.
      ratio: ratio(tsxOwn, Math.max(compiledOwn, 1)),
    },
  };
}

export const cliStartupBench: BenchSection = {
  name: 'cli-startup',
  description: '`runbook --help` and a dry-run rollback: the compiled CLI vs TypeScript through tsx',
  async run({ runs }) {
    const bin = await compiledCli();
    // Each tsx start costs seconds: a handful of runs already gives a stable median.
    const n = Math.min(runs, 7);
    const help = await measure(bin, ['--help'], n, process.env);

    // A running emulator, found as an operator's shell finds it: AWS_ENDPOINT_URL and its stack description
    // (in a file of its own, so a developer's running `npm run emulator` keeps its .runbook/emulator.json).
    const stateCopy = join(mkdtempSync(join(tmpdir(), 'runbook-bench-')), 'emulator.json');
    const moto = await startMoto();
    const proxy = await recordingProxy(moto.endpoint);
    let rollback: Awaited<ReturnType<typeof measure>>;
    try {
      saveState(await provisionStack({ endpoint: proxy.endpoint }), stateCopy);
      const env = { ...process.env, ...emulatorEnv(proxy.endpoint), RUNBOOK_STATE_DIR: dirname(stateCopy) };
      rollback = await measure(
        bin,
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
        proxy,
      );
    } finally {
      await proxy.close();
      await moto.stop();
      rmSync(dirname(stateCopy), { recursive: true, force: true });
    }

    const row = (name: string, figures: typeof help) => [
      name,
      `${figures.compiledMs} ms`,
      `${figures.tsxMs} ms`,
      `${figures.ratio}×`,
      `${figures.nodeBootMs} + ${figures.emulatorMs.compiled} ms`,
      `${figures.startup.compiledMs} ms`,
      `${figures.startup.tsxMs} ms`,
      `${figures.startup.ratio}×`,
    ];
    printTable(
      ['command', 'compiled', 'tsx', 'ratio', 'node + emulator', 'start-up: compiled', 'tsx', 'ratio'],
      [row('runbook --help', help), row('runbook rollback --dry-run', rollback)],
      'lrrrrrrr',
    );
    const meets = (value: number) => (value >= TARGET_RATIO ? 'meets' : 'misses');
    console.log(
      `Wall time includes node's own boot and the emulator's answers (the same for both routes); start-up is the wall time less them.` +
        `
Start-up ratio ${meets(help.startup.ratio)} the ≥ ${TARGET_RATIO}× target for --help and ${meets(rollback.startup.ratio)} it for the dry run;` +
        ` the wall-time ratio ${meets(help.ratio)} it for --help and ${meets(rollback.ratio)} it for the dry run.` +
        `
--help ${help.compiledMs < HELP_TARGET_MS ? 'meets' : 'misses'} the ${HELP_TARGET_MS} ms target; medians of ${n} fresh processes of the tsx route and ${n * COMPILED_PER_TSX} of node and of the compiled CLI`,
    );
    return {
      runs: n,
      compiledRuns: n * COMPILED_PER_TSX,
      help,
      rollbackDryRun: rollback,
      helpTargetMs: HELP_TARGET_MS,
      targetRatio: TARGET_RATIO,
    };
  },
};
