// runbook invoke <LogicalId> [-e event.json] [--env-vars env.json] [--emulator]
// `sam local invoke` without Docker: runs the handler in-process and prints its result as JSON on stdout.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { invokeFunction } from '../local/invoke.js';
import { localStack } from './local-stack.js';
import { fail, printJson, withStdoutOnStderr } from './output.js';

export const usage = `usage: runbook invoke <LogicalId> [-e event.json] [--env-vars env.json] [--emulator]

  -e, --event FILE     the event (JSON); default {}
  --env-vars FILE      environment overrides in SAM's format: { "<LogicalId>": { "VAR": "value" }, "Parameters": {…} }
  --emulator           start moto, provision the stack from template.yaml, invoke against it, stop it
Without --emulator the SDK uses AWS_ENDPOINT_URL (e.g. a running \`npm run emulator\`) or your AWS credentials.
Exit status: 0 success, 2 the function answered ok:false or an HTTP error, 1 it threw or could not run.`;

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    return fail(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

export async function invokeCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string', short: 'e' },
      'env-vars': { type: 'string' },
      emulator: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const logicalId = positionals[0];
  if (!logicalId) return fail(`a function's logical id is required\n${usage}`);
  const event = values.event ? readJson(values.event, 'event') : {};
  const envVars = values['env-vars']
    ? (readJson(values['env-vars'], 'env vars') as Record<string, Record<string, string>>)
    : undefined;

  const { state, stop } = await localStack(values.emulator);
  try {
    const outcome = await withStdoutOnStderr(() =>
      invokeFunction({ logicalId, event, ...(state ? { state } : {}), ...(envVars ? { envVars } : {}) }),
    );
    if (outcome.unresolved.length > 0) {
      process.stderr.write(`runbook: left unset (unresolvable off AWS): ${outcome.unresolved.join('; ')}\n`);
    }
    printJson(outcome.result);
    process.stderr.write(`runbook: ${logicalId} answered in ${outcome.durationMs} ms\n`);
    return outcome.exitCode;
  } finally {
    await stop();
  }
}
