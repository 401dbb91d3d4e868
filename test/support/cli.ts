// Runs `runbook <command> …` as an operator would: a child process whose stdin is not a terminal.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../local/template.js';

export function runCli(
  command: string,
  args: string[],
): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(
    process.execPath,
    [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), 'cli/main.ts', command, ...args],
    {
      cwd: projectRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      encoding: 'utf8',
      input: '',
      timeout: 120_000,
    },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
