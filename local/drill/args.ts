// The drill's command line, parsed apart from running it so every form is tested without an emulator.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../template.js';

export const usage = `usage: npm run drill [-- [--only PREFIX] [--json [FILE]] [--out FILE] [--verbose]]
  --only PREFIX   run only the scenarios whose name starts with PREFIX (e.g. health, dlq.peek)
  --json [FILE]   also write the scorecard as JSON to FILE (default dist/drill.json)
  --out FILE      the same as --json FILE
  --verbose       print the handlers' own logs and metric lines on stderr (also RUNBOOK_VERBOSE=1)
The timeline and the scorecard go to stdout; the exit code is 1 if any scenario fails.`;

export const defaultJsonPath = join(projectRoot, 'dist', 'drill.json');

export interface DrillArgs {
  help: boolean;
  only?: string;
  /** Where to write the scorecard as JSON; undefined writes none. */
  jsonFile?: string;
  verbose: boolean;
}

/** Parses the drill's arguments; throws an Error whose message says what is wrong. */
export function parseDrillArgs(argv: string[]): DrillArgs {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    tokens: true,
  });
  // `--json FILE`: parseArgs has no option with an optional value, so a word right after --json is its file.
  let jsonFile: string | undefined;
  for (const [index, token] of tokens.entries()) {
    if (token.kind !== 'positional') continue;
    const previous = tokens[index - 1];
    if (previous?.kind === 'option' && previous.name === 'json' && jsonFile === undefined) {
      jsonFile = token.value;
    } else {
      throw new Error(`unexpected argument ${JSON.stringify(token.value)}`);
    }
  }
  if (jsonFile !== undefined && values.out !== undefined && jsonFile !== values.out) {
    throw new Error(`--json ${jsonFile} and --out ${values.out} name two files: pass one`);
  }
  const file = jsonFile ?? values.out ?? (values.json ? defaultJsonPath : undefined);
  return {
    help: values.help,
    verbose: values.verbose,
    ...(values.only === undefined ? {} : { only: values.only }),
    ...(file === undefined ? {} : { jsonFile: file }),
  };
}
