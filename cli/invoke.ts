// runbook invoke <LogicalId> [-e event.json] [--env-vars env.json] [--emulator]
// `sam local invoke` without Docker: runs the handler in-process and prints its result as JSON on stdout.
import { readFileSync } from 'node:fs';
import { invokeEvent } from '../local/invoke-event.js';
import { localStack } from './local-stack.js';
import type { Opts } from './opts.js';
import { printJson, withStdoutOnStderr } from './output.js';
import { TargetError } from './target.js';

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new TargetError(`cannot read ${what} ${path}: ${(error as Error).message}`);
  }
}

export async function runInvoke(opts: Opts): Promise<number> {
  const logicalId = opts.args[0] as string;
  const event = typeof opts.event === 'string' ? readJson(opts.event, 'event') : {};
  const envVars =
    typeof opts.envVars === 'string'
      ? (readJson(opts.envVars, 'env vars') as Record<string, Record<string, string>>)
      : undefined;

  const { state, stop } = await localStack(opts.emulator === true, { lenient: true });
  try {
    const outcome = await withStdoutOnStderr(() =>
      invokeEvent({ logicalId, event, ...(state ? { state } : {}), ...(envVars ? { envVars } : {}) }),
    );
    if (outcome.unresolved.length > 0) {
      process.stderr.write(`runbook: left unset (unresolvable off AWS): ${outcome.unresolved.join('; ')}\n`);
    }
    // The function's own answer, whatever the terminal: it is what `sam local invoke` prints.
    printJson(outcome.result);
    if (opts.verbose) process.stderr.write(`runbook: ${logicalId} answered in ${outcome.durationMs} ms\n`);
    return outcome.exitCode;
  } finally {
    await stop();
  }
}
