// runbook: the operator's command line. One file per subcommand.
import './quiet.js';
import { deploySimCommand } from './deploy-sim.js';
import { dlqCommand } from './dlq.js';
import { emulatorCommand } from './emulator.js';
import { healthCommand } from './health.js';
import { invokeCommand } from './invoke.js';
import { rollbackCommand } from './rollback.js';
import { schedulesCommand } from './schedules.js';
import { secretCommand } from './secret.js';

const commands: Record<string, (argv: string[]) => Promise<number>> = {
  invoke: invokeCommand,
  emulator: emulatorCommand,
  health: healthCommand,
  rollback: rollbackCommand,
  secret: secretCommand,
  'deploy-sim': deploySimCommand,
  schedules: schedulesCommand,
  dlq: dlqCommand,
};

const help = `usage: runbook <command> [options]

commands:
  invoke <LogicalId> [-e event.json] [--env-vars env.json] [--emulator]   run a handler in-process (sam local invoke, no Docker)
  emulator [--port N]                                                       run moto with the stack provisioned, until Ctrl-C
  health [--metadata]                                                       what is deployed: liveness, or build and live state
  rollback --function NAME --reason TEXT [--alias live] [--to-version N | --to-git-sha SHA] [--dry-run] [--force] [--yes]
           [--emulator | --via lambda | --api-url URL | --stack NAME]       put an alias back on the known-good version
  secret status|rotate|revoke-previous --secret-id ID [--resume] [--emergency --reason TEXT] [--yes]
           [--emulator | --via lambda --rotation-function NAME]             rotate an API key; check its stages (never its value)
  deploy-sim --function NAME --to-version N [--canary-ms 1000] [--yes] [--emulator]
                                                                            simulate a CodeDeploy canary (hooks, shift, alarms) in the emulator
  schedules disable|enable|status [--group G (--name-prefix P | --all) | --schedule [G/]NAME]… --reason TEXT
           [--function F --throttle] [--restore-id ID] [--dry-run] [--yes] [--emulator | --via lambda | --stack NAME]
                                                                            emergency stop of schedules, and its exact restore
  dlq peek|drain --queue NAME|URL [--reason TEXT] [--rate N] [--max N] [--max-age S] [--dry-run] [--yes]
           [--emulator | --via lambda | --api-url URL | --stack NAME]       look into a DLQ, or redrive it at a bounded rate

health, rollback, schedules and dlq reach their function locally (default, or --emulator), by Lambda Invoke
(--via lambda --runbook-function NAME) or through the signed ops API (--api-url URL or --stack NAME; SigV4
from your AWS credentials). secret talks to Secrets Manager and, with --via lambda, the rotation function.
\`runbook <command> --help\` for its options.

The game-day drill: npm run drill [-- --json FILE]`;

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  process.stderr.write(
    `${name && name !== '--help' && name !== '-h' ? `runbook: unknown command ${name}\n\n` : ''}${help}\n`,
  );
  process.exit(name === '--help' || name === '-h' ? 0 : 1);
}
try {
  process.exitCode = await command(rest);
} catch (error) {
  process.stderr.write(`runbook: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
