// npm run drill [-- --json [--out FILE]] [--only PREFIX]: the game day against a fresh local emulator.
import '../../cli/quiet.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withStdoutOnStderr } from '../../cli/output.js';
import { provisionStack } from '../emulator/provision.js';
import { emulatorEnv, startMoto } from '../moto.js';
import { projectRoot } from '../template.js';
import { formatScorecard, runDrill } from './runner.js';
import { scenarios } from './scenarios/index.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});

const selected = scenarios.filter((scenario) => !values.only || scenario.name.startsWith(values.only));
if (selected.length === 0) {
  process.stderr.write(`drill: no scenario matches ${values.only}\n`);
  process.exit(1);
}

process.stderr.write('drill: starting the local emulator (moto) and provisioning the estate…\n');
const moto = await startMoto();
try {
  Object.assign(process.env, emulatorEnv(moto.endpoint));
  const state = await provisionStack({ endpoint: moto.endpoint, stackName: 'drill' });
  // Handler logs go to stderr; stdout carries the timeline and scorecard.
  const card = await withStdoutOnStderr(() => runDrill(state, selected));
  process.stdout.write(`${formatScorecard(card)}\n`);
  if (values.json || values.out) {
    const out = resolve(values.out ?? `${projectRoot}/dist/drill.json`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(card, null, 2)}\n`);
    process.stdout.write(`scorecard written to ${out}\n`);
  }
  process.exitCode = card.failed > 0 ? 1 : 0;
} finally {
  await moto.stop();
}
