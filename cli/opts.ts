// What a command's file receives from program.ts (its options, and the one reader of its number flags), in a
// file of its own so that the command files (loaded by program.ts) need not import program.ts back.
import type { SendDeps } from './transport.js';

/** The options a command's file receives: commander's (camelCase), the globals, and its positionals. */
export type Opts = Record<string, unknown> & { args: string[]; json?: boolean; verbose?: boolean };
export type Run = (opts: Opts, deps: SendDeps) => Promise<number>;

/**
 * A number flag (`--rate 20`) as the function's request carries it: absent is undefined, text that is no number
 * is refused here, and the range is left to the function, whose answer names the field.
 */
export function numberFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (value.trim() === '' || Number.isNaN(parsed))
    throw new Error(`${flag} must be a number, got "${value}"`);
  return parsed;
}
