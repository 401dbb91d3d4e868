// Runs `runbook <command> …` as an operator would: the compiled CLI (dist/cli/runbook.cjs, built by
// test/build-cli-setup.ts) in a child process whose stdin and stdout are not terminals.
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';

export function runCli(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cliBin, command, ...args], {
    cwd: projectRoot,
    env: { ...env, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
    input: '',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
