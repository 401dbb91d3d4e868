// stdout carries only a tool's answer (a timeline, a scorecard, JSON a script can pipe); logs and progress go
// to stderr, as `sam local invoke` does. Powertools writes its log lines to stdout, so while a handler runs,
// stdout is pointed at stderr and the answer is written through the saved original.
const realStdoutWrite = process.stdout.write.bind(process.stdout);

export async function withStdoutOnStderr<T>(run: () => Promise<T>): Promise<T> {
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    return await run();
  } finally {
    process.stdout.write = realStdoutWrite;
  }
}

export function printLine(text = ''): void {
  realStdoutWrite(`${text}\n`);
}
