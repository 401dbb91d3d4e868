// Each command as a function, for tests and scripts: `healthCommand(['--json'])` parses, prints and exits
// exactly as `runbook health --json` does (runCli with the command's name first). They live here, not in the
// commands' own files, because program.ts loads those files: a file it loads must not import it back.
import { runCli } from './program.js';
import type { SendDeps } from './transport.js';

const command =
  (name: string) =>
  (argv: string[], deps: SendDeps = {}): Promise<number> =>
    runCli([name, ...argv], deps);

export const approveCommand = command('approve');
export const rejectCommand = command('reject');
export const approvalCommand = command('approval');
export const deploySimCommand = command('deploy-sim');
export const dlqCommand = command('dlq');
export const healthCommand = command('health');
export const invokeCommand = command('invoke');
export const rollbackCommand = command('rollback');
export const schedulesCommand = command('schedules');
export const secretCommand = command('secret');
export const fleetCommand = command('fleet');
