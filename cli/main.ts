// runbook: the operator's command line. Definitions and help in cli/program.ts, one file per command.
import './log-level.js';
import './quiet.js';
import { runCli } from './program.js';

// `runbook … | head` closes stdout early: that is the reader saying it has enough, not a failure to report
// with a stack trace. Exit at once, as a Unix tool does on SIGPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

// Not a top-level await: the compiled CLI's CommonJS build (cli/code-cache.ts) cannot have one.
void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
