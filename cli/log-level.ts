// Quiet by default: a handler run by the CLI logs at WARN and publishes no metrics unless --verbose. Set
// before any handler module loads, because Powertools reads these when its logger and metrics are created.
// (The log level only where unset: POWERTOOLS_LOG_LEVEL=DEBUG runbook … still works.)
const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
process.env.POWERTOOLS_LOG_LEVEL ??= verbose ? 'INFO' : 'WARN';
// Metrics are off whatever the shell inherited (a test runner or a profile may set them on): their EMF lines
// go to stdout, which carries only the answer. --verbose turns them on, for a person reading the output.
process.env.POWERTOOLS_METRICS_DISABLED = verbose ? 'false' : 'true';
