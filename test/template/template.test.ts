import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadTemplate, projectRoot } from '../../local/template.js';
import { resourcesOfType } from './intrinsics.js';

const notInstalled =
  'cfn-lint is not installed (or not on PATH): install it with `pip install cfn-lint`. ' +
  'It bundles the SAM translator and runs offline; this test does not skip without it.';

/** Runs `cfn-lint [options] template.yaml` from the project root; resolves with its exit code and combined output. */
function cfnLint(options: string[] = []): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('cfn-lint', [...options, '--', 'template.yaml'], {
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

describe('template.yaml', () => {
  const template = loadTemplate();

  // One run with the informational checks added to the default ones (`--include-checks` adds, it does not
  // replace): its findings hold every finding of a default run, so an empty output proves both. Measured with
  // cfn-lint 1.51: a default run reports only the E3012 of a template that also lacks a DeletionPolicy; the
  // run with I reports that E3012 and the two I3011. One cfn-lint run less: ~4 CPU-s.
  it('passes cfn-lint with no findings, its informational checks included (I3011: what a delete does to stateful resources)', async () => {
    // Act
    const result = await cfnLint(['--include-checks', 'I']);

    // Assess: one comparison, so a failure prints every finding.
    expect(result).toEqual({ exitCode: 0, output: '' });
  }, 60_000);

  it('gives every log group a retention, so no log is kept (and billed) forever', () => {
    // Prepare
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');

    // Act
    const withoutRetention = logGroups
      .filter(([, resource]) => resource.Properties?.RetentionInDays === undefined)
      .map(([logicalId]) => logicalId);

    // Assess
    expect(logGroups.length).toBeGreaterThan(0);
    expect(withoutRetention).toEqual([]);
  });
});
