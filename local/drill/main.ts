// npm run drill [-- --only PREFIX] [--json [FILE]] [--verbose]: the game day against a fresh local emulator.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as output from '../output.js';
import { isVerbose, quietHandlers } from '../quiet.js';
import { type DrillArgs, parseDrillArgs, usage } from './args.js';

let args: DrillArgs;
try {
  args = parseDrillArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`drill: ${(error as Error).message}\n${usage}\n`);
  process.exit(1);
}
if (args.help) {
  output.printLine(usage);
  process.exit(0);
}

// Before any handler is imported: Powertools reads its log level and metrics switch when it loads.
quietHandlers({ verbose: args.verbose || isVerbose() });
const { provisionStack } = await import('../emulator/provision.js');
const { emulatorEnv, startMoto } = await import('../moto.js');
const { formatScorecard, runDrill } = await import('./runner.js');
const { scenarios } = await import('./scenarios/index.js');

const selected = scenarios.filter((scenario) => !args.only || scenario.name.startsWith(args.only));
if (selected.length === 0) {
  process.stderr.write(`drill: no scenario matches ${args.only}\n`);
  process.exit(1);
}

process.stderr.write('drill: starting the local emulator (moto) and provisioning the estate…\n');
const moto = await startMoto();
try {
  Object.assign(process.env, emulatorEnv(moto.endpoint));
  const state = await provisionStack({ endpoint: moto.endpoint, stackName: 'drill' });
  // CloudWatch through its stand-in from the start: moto keeps no alarm history it can serve, and the
  // postmortem scenario (timeline.postmortem) reads every alarm state change of the drill.
  await (await import('../codedeploy/local.js')).localCodeDeploy(state);
  // Handler logs (when --verbose) go to stderr; stdout carries the timeline and scorecard.
  const card = await output.withStdoutOnStderr(() => runDrill(state, selected));
  output.printLine(formatScorecard(card));
  if (args.jsonFile !== undefined) {
    // npm runs scripts from the package root; a relative FILE means where the person typed the command.
    const out = resolve(process.env.INIT_CWD ?? process.cwd(), args.jsonFile);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(card, null, 2)}\n`);
    output.printLine(`scorecard written to ${out}`);
  }
  process.exitCode = card.failed > 0 ? 1 : 0;
} finally {
  await moto.stop();
}
