// Runs cfn-lint (which bundles the SAM translator and runs offline) on one of the project's templates. Fails
// loudly when it is missing: the template tests never skip.
import { spawn } from 'node:child_process';
import { projectRoot } from '../../local/template.js';

const notInstalled =
  'cfn-lint is not installed (or not on PATH): install it with `pip install cfn-lint`. ' +
  'It bundles the SAM translator and runs offline; this test does not skip without it.';

/** Runs `cfn-lint [options] -- <file>` from the project root; resolves with its exit code and combined output. */
export function cfnLint(
  options: string[] = [],
  file = 'template.yaml',
): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('cfn-lint', [...options, '--', file], {
      cwd: projectRoot,
      timeout: 55_000,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new Error(notInstalled, { cause: error }) : error);
    });
    child.on('close', (exitCode) => {
      // 127 is a shell's (or a pyenv shim's) "command not found".
      if (exitCode === 127) reject(new Error(`${notInstalled}\n${output}`));
      else resolve({ exitCode, output });
    });
  });
}
