// What a command's file receives from program.ts, in a file of its own so that the command files (loaded by
// program.ts) need not import program.ts back.
import type { SendDeps } from './transport.js';

/** The options a command's file receives: commander's (camelCase), the globals, and its positionals. */
export type Opts = Record<string, unknown> & { args: string[]; json?: boolean; verbose?: boolean };
export type Run = (opts: Opts, deps: SendDeps) => Promise<number>;
