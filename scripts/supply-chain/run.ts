// Runs a tool and keeps what it said; a tool that is not installed is named with how to install it.
import { spawn } from 'node:child_process';

export interface Ran {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs?: number; install?: string; env?: NodeJS.ProcessEnv },
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const missing = `${command} is not installed or not on PATH${options.install ? `: ${options.install}` : ''}`;
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(missing, { cause: error }) : error);
    });
    child.on('close', (exitCode) => {
      if (exitCode === 127) reject(new Error(`${missing}\n${stderr}`));
      else resolve({ exitCode, stdout, stderr });
    });
  });
}
