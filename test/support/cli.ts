// Runs `runbook <command> …` as an operator would: the compiled CLI (dist/cli/runbook.cjs, built by
// test/build-cli-setup.ts) in a child process whose stdin and stdout are not terminals.
import { spawn, spawnSync } from 'node:child_process';
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

/**
 * runCli, without blocking this process: for a command that waits on something the test itself must do
 * meanwhile (deliver a queued run, as Lambda's event source mapping would: test/support/deliver.ts).
 */
export function runCliAsync(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliBin, command, ...args], {
      cwd: projectRoot,
      env: { ...env, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
