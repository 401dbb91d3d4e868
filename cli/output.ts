// stdout carries only the command's answer; logs, metrics and progress go to stderr, as `sam local invoke`
// does. Powertools writes its log lines to stdout, so while a handler runs, stdout is pointed at stderr and
// the answer is written through the saved original.
//
// The answer is human on a terminal (a summary, tables, counts) and exactly one JSON document with --json
// or whenever stdout is not a terminal, so `runbook … | jq` always parses.
const realStdoutWrite = process.stdout.write.bind(process.stdout);
const realStderrWrite = process.stderr.write.bind(process.stderr);

export interface OutputMode {
  json: boolean;
  verbose: boolean;
}

let mode: OutputMode = { json: true, verbose: true };

/** Set once by the CLI from --json / --human / --verbose; the drill and tests keep the defaults. */
export function setOutputMode(value: OutputMode): void {
  mode = value;
}

export function outputMode(): OutputMode {
  return mode;
}

/** What a quiet CLI drops from a handler's output: metric lines (EMF) and Powertools' notices. */
const NOISE = /No application metrics to publish|"_aws":\s*\{"Timestamp"/;

function quietWriter(write: typeof realStderrWrite): typeof process.stdout.write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (NOISE.test(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))) return true;
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
}

export async function withStdoutOnStderr<T>(run: () => Promise<T>): Promise<T> {
  const savedStderr = process.stderr.write;
  process.stdout.write = mode.verbose
    ? (realStderrWrite as typeof process.stdout.write)
    : quietWriter(realStderrWrite);
  if (!mode.verbose) process.stderr.write = quietWriter(realStderrWrite);
  try {
    return await run();
  } finally {
    process.stdout.write = realStdoutWrite;
    process.stderr.write = savedStderr;
  }
}

export function printJson(value: unknown): void {
  realStdoutWrite(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  realStdoutWrite(`${text}\n`);
}

/**
 * `text` with every control and format character (a terminal's escape sequences, carriage returns,
 * bidirectional overrides, line and paragraph separators) shown as \\uXXXX, but those in `keep`. What an answer
 * carries from outside (a reason someone typed, a message body, an alarm's reason) then cannot move the cursor,
 * recolour, clear or reorder a person's terminal.
 */
export function escapeUnsafe(text: string, keep = ''): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (char) =>
    keep.includes(char) ? char : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The answer: JSON in JSON mode, else what `human` makes of it (lines for a person, nothing else raw). */
export function printAnswer(value: unknown, human: (value: unknown) => string): void {
  if (mode.json) printJson(value);
  else printLine(escapeUnsafe(human(value), '\n'));
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`runbook: ${message}\n`);
  process.exit(code);
}
