// runbook rollback --function NAME [--alias live] [--to-version N | --to-git-sha SHA] --reason TEXT
//                  [--dry-run] [--force] [--yes] [--emulator] [--via local|lambda --rollback-function NAME]
// Builds the RollbackFunction's direct request and sends it: locally, the real handler in-process (as
// `runbook invoke` does), or deployed, by Lambda Invoke.
import { hostname, userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { invokeFunction, isFailure } from '../local/invoke.js';
import { localStack } from './local-stack.js';
import { printJson, withStdoutOnStderr } from './output.js';

export const usage = `usage: runbook rollback --function NAME [--alias live] [--to-version N | --to-git-sha SHA] --reason TEXT
                        [--dry-run] [--force] [--yes] [--emulator] [--via local|lambda --rollback-function NAME]

  --dry-run            read everything and print the plan; change nothing (no confirmation asked)
  --force              act even within the cool-down of the last rollback
  --yes                do not ask for confirmation (required when stdin is not a terminal)
  --emulator           start moto, provision the stack from template.yaml, roll back there, stop it
  --via lambda         invoke the deployed RollbackFunction (--rollback-function: its name or ARN)
Without --emulator or --via, the handler runs in-process with AWS_ENDPOINT_URL (a running \`npm run emulator\`)
or your AWS credentials. Exit status: 0 done, 2 refused (ok:false), 1 could not run.`;

export function cliActor(): string {
  return `cli:${userInfo().username}@${hostname()}`;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export async function rollbackCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      function: { type: 'string' },
      alias: { type: 'string' },
      'to-version': { type: 'string' },
      'to-git-sha': { type: 'string' },
      reason: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
      emulator: { type: 'boolean', default: false },
      via: { type: 'string', default: 'local' },
      'rollback-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (values.via !== 'local' && values.via !== 'lambda') {
    process.stderr.write(`runbook: --via must be local or lambda\n${usage}\n`);
    return 1;
  }
  if (values.via === 'lambda' && !values['rollback-function']) {
    process.stderr.write('runbook: --via lambda needs --rollback-function NAME\n');
    return 1;
  }
  // The function validates everything (and names the field); the CLI only sends what was given.
  const request = {
    actor: cliActor(),
    ...(values.function !== undefined ? { functionName: values.function } : {}),
    ...(values.alias !== undefined ? { alias: values.alias } : {}),
    ...(values['to-version'] !== undefined ? { toVersion: values['to-version'] } : {}),
    ...(values['to-git-sha'] !== undefined ? { toGitSha: values['to-git-sha'] } : {}),
    ...(values.reason !== undefined ? { reason: values.reason } : {}),
    ...(values['dry-run'] ? { dryRun: true } : {}),
    ...(values.force ? { force: true } : {}),
  };

  if (!values['dry-run'] && !values.yes) {
    if (!process.stdin.isTTY) {
      process.stderr.write(
        'runbook: stdin is not a terminal: pass --yes to roll back without confirmation\n',
      );
      return 1;
    }
    const target = `${values.function ?? '?'}:${values.alias ?? 'live'}`;
    const to = values['to-version'] ?? values['to-git-sha'] ?? 'the known-good version';
    if (!(await confirm(`Roll back ${target} to ${to}?`))) {
      process.stderr.write('runbook: not confirmed; nothing changed\n');
      return 1;
    }
  }

  if (values.via === 'lambda') {
    const lambda = new LambdaClient({});
    try {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: values['rollback-function'],
          Payload: Buffer.from(JSON.stringify(request)),
        }),
      );
      const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
      const result: unknown = text ? JSON.parse(text) : null;
      printJson(result);
      if (answer.FunctionError) return 1;
      return isFailure(result) ? 2 : 0;
    } finally {
      lambda.destroy();
    }
  }

  const { state, stop } = await localStack(values.emulator);
  try {
    const outcome = await withStdoutOnStderr(() =>
      invokeFunction({ logicalId: 'RollbackFunction', event: request, ...(state ? { state } : {}) }),
    );
    printJson(outcome.result);
    return outcome.exitCode;
  } finally {
    await stop();
  }
}
