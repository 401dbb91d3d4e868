// What the off-AWS tools (the drill, the CLI, the bench) let through to a person at a terminal. The handlers
// they run in-process log as they do in Lambda — Powertools JSON lines, EMF metric lines — for CloudWatch to
// read, not a person: at a terminal they bury the tool's own answer. So the tools quiet them unless asked
// (`--verbose` or RUNBOOK_VERBOSE=1).
//
// Powertools reads these settings once, when shared/powertools.ts is first imported: call quietHandlers
// before importing any handler (the drill parses its arguments, quiets, then imports the rest).

export type HandlerLogLevel = 'WARN' | 'ERROR' | 'SILENT';

export interface QuietOptions {
  /** Leave the handlers' logs and metrics as the template sets them. */
  verbose?: boolean;
  /** The lowest handler log level still printed when not verbose. Default SILENT. */
  level?: HandlerLogLevel;
}

/** Asked for the handlers' own output: `--verbose` among the arguments, or RUNBOOK_VERBOSE=1. */
export function isVerbose(
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  return env.RUNBOOK_VERBOSE === '1' || argv.includes('--verbose');
}

/**
 * Sets the environment Powertools reads so that in-process handlers print nothing below `level` and no EMF
 * lines. Verbose leaves the environment alone.
 *
 * @example
 * quietHandlers({ verbose: isVerbose() });
 * const { invokeFunction } = await import('./invoke.js');
 */
export function quietHandlers(options: QuietOptions = {}, env: NodeJS.ProcessEnv = process.env): void {
  dropNodeVersionWarning();
  if (options.verbose) return;
  env.POWERTOOLS_LOG_LEVEL = options.level ?? 'SILENT';
  env.POWERTOOLS_METRICS_DISABLED = 'true';
}

let warningFiltered = false;

/**
 * The AWS SDK warns once per client that Node 20 support ends in 2027. The deployed runtime is nodejs22.x:
 * the warning is about this machine's tooling, so drop that one and let every other warning through.
 */
export function dropNodeVersionWarning(): void {
  if (warningFiltered) return;
  warningFiltered = true;
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const name = typeof warning === 'string' ? rest[0] : warning.name;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (name === 'NodeVersionSupportWarning' || /AWS SDK for JavaScript \(v3\)[\s\S]*node >=22/.test(text))
      return;
    (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
