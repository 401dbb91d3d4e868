// stdout carries only the command's answer (JSON a script can pipe); logs, metrics and progress go to stderr,
// as `sam local invoke` does. Powertools writes its log lines to stdout, so while a handler runs, stdout is
// pointed at stderr and the answer is written through the saved original.
const realStdoutWrite = process.stdout.write.bind(process.stdout);

export async function withStdoutOnStderr<T>(run: () => Promise<T>): Promise<T> {
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    process.stdout.write = realStdoutWrite;
  }
}

export function printJson(value: unknown): void {
  realStdoutWrite(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  realStdoutWrite(`${text}\n`);
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`runbook: ${message}\n`);
  process.exit(code);
}
