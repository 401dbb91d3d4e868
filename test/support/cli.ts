// Runs `runbook <command> …` as an operator would: the compiled CLI (dist/cli/runbook.cjs, built by
// test/build-cli-setup.ts) in a child process whose stdin and stdout are not terminals.
import { spawn, spawnSync } from 'node:child_process';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';
import { shellWord } from '../../shared/undo.js';

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

/** What a child process run to its end printed, and its exit code. */
export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args` to its end without blocking this process, stdin closed, as the compiled CLI's tests do. */
export function runAsync(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
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

/**
 * runCli, without blocking this process: for a command that waits on something the test itself must do
 * meanwhile (deliver a queued run, as Lambda's event source mapping would: test/support/deliver.ts).
 */
export const runCliAsync = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  runAsync(process.execPath, [cliBin, command, ...args], env);

/**
 * Runs `runbook <command> …` on a pseudo-terminal (util-linux `script`: stdin and stdout are terminals, as at
 * 3 a.m.), typing `answer` to whatever it asks. Returns what the terminal showed, carriage returns removed.
 */
export function runCliOnTerminal(
  command: string,
  args: string[],
  answer: string,
): { code: number | null; screen: string } {
  const line = [process.execPath, cliBin, command, ...args].map(shellWord).join(' ');
  const result = spawnSync('script', ['-qec', line, '/dev/null'], {
    cwd: projectRoot,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    encoding: 'utf8',
    input: `${answer}\n`,
    timeout: 120_000,
  });
  return { code: result.status, screen: result.stdout.replace(/\r/g, '') };
}
