// runbook deploy-sim --function NAME --to-version N [--alias live] [--canary-ms 1000] [--yes] [--emulator]
// A simulated CodeDeploy canary of a function in the local emulator, showing each lifecycle step: the
// pre-traffic hook, the canary shift, the alarm check, the full shift, the post-traffic hook, or the rollback.
// The emulator only: the simulator (local/codedeploy/) stands in for CodeDeploy, which moto lacks.
import { parseArgs } from 'node:util';
import { simulateDeployment } from '../local/codedeploy/deploy.js';
import { localStack } from './local-stack.js';
import { printJson, withStdoutOnStderr } from './output.js';
import { confirm } from './prompt.js';

export const usage = `usage: runbook deploy-sim --function NAME --to-version N [--alias live] [--canary-ms 1000] [--yes] [--emulator]

  --function NAME      the function to deploy (in the emulator, e.g. runbook-local-WorkloadFunction)
  --to-version N       the published version to shift the alias to
  --canary-ms MS       how long the canary serves before the alarms are checked (CodeDeploy: minutes)
  --yes                do not ask for confirmation (required when stdin is not a terminal)
  --emulator           start moto, provision the stack, deploy there, stop it
Without --emulator it needs a running \`npm run emulator\` (AWS_ENDPOINT_URL set to it): it never touches AWS.
Each step is printed on stderr as it happens; the result (JSON) on stdout.
Exit status: 0 the deployment Succeeded, 2 it Failed or was Stopped (rolled back), 1 it could not run.`;

export async function deploySimCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      function: { type: 'string' },
      'to-version': { type: 'string' },
      alias: { type: 'string' },
      'canary-ms': { type: 'string', default: '1000' },
      yes: { type: 'boolean', short: 'y', default: false },
      emulator: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const problems = [
    ...(values.function ? [] : ['--function is required']),
    ...(/^[1-9][0-9]{0,9}$/.test(values['to-version'] ?? '')
      ? []
      : ['--to-version must be a published version number, e.g. 4']),
    ...(/^[0-9]{1,7}$/.test(values['canary-ms']) ? [] : ['--canary-ms must be a number of milliseconds']),
  ];
  if (problems.length > 0) {
    process.stderr.write(`runbook: ${problems.join('; ')}\n${usage}\n`);
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
        'runbook: deploy-sim runs only in the emulator: pass --emulator, or start `npm run emulator` and export its AWS_ENDPOINT_URL\n',
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
          onStep: (text) => process.stderr.write(`deploy-sim: ${text}\n`),
        },
        { canaryIntervalMs: Number(values['canary-ms']) },
      ),
    );
    printJson(result);
    return result.status === 'Succeeded' ? 0 : 2;
  } finally {
    await stop();
  }
}
