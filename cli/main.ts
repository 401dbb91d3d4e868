// runbook: the operator's command line. Definitions and help in cli/program.ts, one file per command.
import './log-level.js';
import './quiet.js';
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2));
