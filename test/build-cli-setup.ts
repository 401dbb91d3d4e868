// Compiles the `runbook` CLI once before any test file runs: the CLI tests spawn dist/cli/runbook.cjs, as an
// operator's shell would, and must test the sources as they are now, not the last `npm ci`'s build. A build
// whose every input is older than it (buildIsFresh: what `npm ci` has just built, on a clean clone) is kept.
import { buildCli, buildIsFresh } from '../scripts/build-cli.js';

export default async function setup(): Promise<void> {
  if (!buildIsFresh()) await buildCli();
}
