// Quiet by default: a handler run by the CLI logs at WARN and publishes no metrics unless --verbose. Set
// before any handler module loads, because Powertools reads these when its logger and metrics are created.
// (Set only where unset: POWERTOOLS_LOG_LEVEL=DEBUG runbook … still works.)
const verbose = process.argv.includes('--verbose') || process.argv.includes('-v');
process.env.POWERTOOLS_LOG_LEVEL ??= verbose ? 'INFO' : 'WARN';
process.env.POWERTOOLS_METRICS_DISABLED ??= verbose ? 'false' : 'true';
