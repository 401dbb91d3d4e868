// runbook rollback --function NAME [--alias live] [--to-version N | --to-git-sha SHA] --reason TEXT
//                  [--dry-run] [--force] [--yes] [--emulator | --via lambda … | --api-url URL | --stack NAME]
// Builds the RollbackFunction's request and sends it through cli/transport.ts: the real handler in-process
// (as `runbook invoke` does), Lambda Invoke of the deployed function, or the signed ops API.
import { parseArgs } from 'node:util';
import { cliActor, confirm } from './prompt.js';
import { type SendDeps, send, transportOptions, transportOrExplain, transportUsage } from './transport.js';

export const usage = `usage: runbook rollback --function NAME [--alias live] [--to-version N | --to-git-sha SHA] --reason TEXT
                        [--dry-run] [--force] [--yes]
                        [--emulator | --via lambda --runbook-function NAME | --api-url URL | --stack NAME]

  --dry-run            read everything and print the plan; change nothing (no confirmation asked)
  --force              act even within the cool-down of the last rollback
  --yes                do not ask for confirmation (required when stdin is not a terminal)
  --rollback-function  the same as --runbook-function, for this command
${transportUsage}`;

export async function rollbackCommand(argv: string[], deps: SendDeps = {}): Promise<number> {
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
      ...transportOptions,
      'rollback-function': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const transport = transportOrExplain(values, usage, 'rollback-function');
  if (!transport) return 1;
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

  return send(
    { logicalId: 'RollbackFunction', route: { method: 'POST', path: '/rollback' }, request },
    transport,
    deps,
  );
}
