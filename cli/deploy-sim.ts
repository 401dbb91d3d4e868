// runbook deploy-sim --function NAME --to-version N [--alias live] [--canary-ms 1000] [--yes] [--emulator]
// Each step is printed on stderr as it happens; the result on stdout.
// A simulated CodeDeploy canary of a function in the local emulator, showing each lifecycle step: the
// pre-traffic hook, the canary shift, the alarm check, the full shift, the post-traffic hook, or the rollback.
// The emulator only: the simulator (local/codedeploy/) stands in for CodeDeploy, which moto lacks.
import { simulateDeployment } from '../local/codedeploy/deploy.js';
import { startEmulatorCommand } from '../local/emulator/provision.js';
import { localStack } from './local-stack.js';
import type { Opts } from './opts.js';
import { escapeUnsafe, printAnswer, withStdoutOnStderr } from './output.js';
import { confirm } from './prompt.js';
import { deploySummary } from './render.js';

export async function runDeploySim(opts: Opts): Promise<number> {
  const values = {
    function: typeof opts.function === 'string' ? opts.function : undefined,
    'to-version': typeof opts.toVersion === 'string' ? opts.toVersion : undefined,
    alias: typeof opts.alias === 'string' ? opts.alias : undefined,
    'canary-ms': String(opts.canaryMs ?? '1000'),
    yes: opts.yes === true,
    emulator: opts.emulator === true,
  };
  const problems = [
    ...(values.function ? [] : ['--function is required']),
    ...(/^[1-9][0-9]{0,9}$/.test(values['to-version'] ?? '')
      ? []
      : ['--to-version must be a published version number, e.g. 4']),
    ...(/^[0-9]{1,7}$/.test(values['canary-ms']) ? [] : ['--canary-ms must be a number of milliseconds']),
  ];
  if (problems.length > 0) {
    process.stderr.write(`runbook: ${problems.join('; ')} (\`runbook help deploy-sim\`)\n`);
    return 1;
  }
  if (!values.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write('runbook: stdin is not a terminal: pass --yes to deploy without confirmation\n');
      return 1;
    }
    const question = `Simulate deploying ${values.function}:${values.alias ?? 'live'} to version ${values['to-version']} in the emulator?`;
    if (!(await confirm(question))) {
      process.stderr.write('runbook: not confirmed; nothing changed\n');
      return 1;
    }
  }
  const { state, stop } = await localStack(values.emulator);
  try {
    if (!state) {
      process.stderr.write(
        `runbook: deploy-sim runs only in the emulator: pass --emulator, or start \`${startEmulatorCommand}\`\n`,
      );
      return 1;
    }
    const result = await withStdoutOnStderr(() =>
      simulateDeployment(
        state,
        {
          functionName: String(values.function),
          toVersion: String(values['to-version']),
          ...(values.alias ? { alias: values.alias } : {}),
          // A step may quote a hook's reason, which may quote configured text: never raw to a terminal.
          onStep: (text) => process.stderr.write(`deploy-sim: ${escapeUnsafe(text)}\n`),
        },
        { canaryIntervalMs: Number(values['canary-ms']) },
      ),
    );
    printAnswer(result, deploySummary);
    return result.status === 'Succeeded' ? 0 : 2;
  } finally {
    await stop();
  }
}
