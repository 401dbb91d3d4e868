// What a CLI command printed as its answer. cli/output.ts writes through the process.stdout.write it saved when
// it was loaded, so a spy set later never sees it: capture from before any import, inside vi.hoisted:
//   const answers = await vi.hoisted(async () => (await import('../support/stdout.js')).captureStdout());
// (test/setup-shared-worker.ts gives the next file its own stdout back.)

/** Replaces process.stdout.write with a recorder; the chunks written, in order (empty it between tests). */
export function captureStdout(): string[] {
  const chunks: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  return chunks;
}
