// Compiles the `runbook` CLI once before any test file runs: the CLI tests spawn dist/cli/runbook.mjs, as an
// operator's shell would, and must test the sources as they are now, not the last `npm ci`'s build.
import { buildCli } from '../scripts/build-cli.js';

export default async function setup(): Promise<void> {
  await buildCli();
}
