// `runbook rollback`, run as an operator would: a child process with stdin that is not a terminal, against a
// running emulator (one stack for this file, test/support/emulator.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { cliBin } from '../../scripts/build-cli.js';
import { runCli } from '../support/cli.js';
import { type CliEmulator, cliEmulator } from '../support/emulator.js';

const run = (args: string[]) => runCli('rollback', args);

describe('runbook rollback', () => {
  let emulator: CliEmulator;
  let target: string[];

  const lambda = new LambdaClient({});
  const serving = async () =>
    (await lambda.send(new GetAliasCommand({ FunctionName: emulator.ref('WorkloadFunction'), Name: 'live' })))
      .FunctionVersion;

  beforeAll(async () => {
    emulator = await cliEmulator('cli-rb');
    target = ['--function', emulator.ref('WorkloadFunction'), '--reason', 'version 3 fails every order'];
  });

  it('refuses to act without --yes when stdin is not a terminal, before touching anything', () => {
    // Act
    const { code, stdout, stderr } = run(target);

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('pass --yes');
  });

  it('without a terminal, names the function’s refusal of an incomplete request first (exit 2), sending nothing', () => {
    // Act: no --function
    const { code, stdout, stderr } = run(['--reason', 'version 3 fails every order']);

    // Assess: the answer --yes would have got, without reaching the emulator (no target was even stated)
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      error: {
        code: 'ValidationError',
        message: 'functionName: functionName is required',
        field: 'functionName',
      },
    });
    expect(stderr).not.toContain('pass --yes');
    expect(stderr).not.toContain('runbook: target:');
  });

  it('refuses an ARN pasted for --function, naming the name in it and where its alias goes', () => {
    // Act
    const arn = `arn:aws:lambda:us-east-1:123456789012:function:${emulator.ref('WorkloadFunction')}:live`;
    const { code, stdout } = run(['--function', arn, '--reason', 'version 3 fails', '--dry-run']);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout).error).toEqual({
      code: 'ValidationError',
      message: `functionName: expected the function's name, not its ARN: ${emulator.ref('WorkloadFunction')} (the alias live is its own field)`,
      field: 'functionName',
    });
  });

  it.each([
    ['Ctrl-C', '\\x03'],
    ['Ctrl-D', '\\x04'],
  ])(
    'takes %s at the question as a no: says nothing changed, and live stays where it was',
    async (_, keys) => {
      // Prepare
      const before = await serving();

      // Act: on a terminal, the key pressed once the question is shown
      const result = spawnSync(
        'python3',
        [
          join(projectRoot, 'test/support/keys-at-question.py'),
          keys,
          process.execPath,
          cliBin,
          'rollback',
          ...target,
        ],
        {
          cwd: projectRoot,
          env: { ...process.env, NODE_NO_WARNINGS: '1' },
          encoding: 'utf8',
          timeout: 90_000,
        },
      );

      // Assess
      expect(result.stdout).toMatch(/Roll back .+\? \[y\/N\]/);
      expect(result.stdout).toContain('runbook: not confirmed; nothing changed');
      expect(result.stdout).not.toContain('Aborted');
      expect(result.stdout).toMatch(/\nexit 1\n$/);
      expect(await serving()).toBe(before);
    },
  );

  it('with --yes rolls live back in-process in the running emulator and prints the undo command', () => {
    // Act
    const { code, stdout, stderr } = run([...target, '--yes', '--json']);

    // Assess
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ ok: true, fromVersion: '3', toVersion: '2', changed: true });
    expect(result.undo).toMatch(
      new RegExp(
        `^runbook rollback --function ${emulator.ref('WorkloadFunction')} --alias live --to-version 3 `,
      ),
    );
  });

  it("plans through the emulator's API door as a signed person (--as), from the compiled rollback bundle", () => {
    // Act: the door that loads STS and the API Gateway event, not only the direct invocation.
    const { code, stdout, stderr } = run([...target, '--dry-run', '--json', '--as', 'alice']);

    // Assess
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, dryRun: true });
  });

  it('loads child_process and node:stream/web only on use: a dry run, which uses neither, loads neither', () => {
    // Prepare: node's own list of the built-ins a process loaded, written at exit (scripts/build-cli.ts's
    // LAZY_BUILTINS make commander's, middy's and local/moto.ts's imports of them lazy).
    const dir = mkdtempSync(join(tmpdir(), 'runbook-builtins-'));
    const preload = join(dir, 'loaded.cjs');
    const listed = join(dir, 'loaded.json');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(listed)}, JSON.stringify(process.moduleLoadList)));`,
    );
    try {
      // Act
      const { code, stderr } = runCli('rollback', [...target, '--dry-run', '--json'], {
        ...process.env,
        NODE_OPTIONS: `--require ${preload}`,
      });

      // Assess
      expect(code, stderr).toBe(0);
      const loaded = JSON.parse(readFileSync(listed, 'utf8')) as string[];
      expect(loaded).toContain('NativeModule http');
      expect(loaded).not.toContain('NativeModule child_process');
      expect(loaded).not.toContain('NativeModule dgram');
      expect(loaded).not.toContain('NativeModule stream/web');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a command line that only looks like help (--reason --help): the help bundle hands it to the whole CLI', () => {
    // Act: --reason takes "--help" as its value, so commander runs the rollback rather than printing help.
    const { code, stdout, stderr } = runCli('rollback', [
      '--function',
      emulator.ref('WorkloadFunction'),
      '--reason',
      '--help',
      '--dry-run',
      '--json',
    ]);

    // Assess
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: true,
      dryRun: true,
      functionName: emulator.ref('WorkloadFunction'),
    });
  });

  it('exits 2 with the field named when the function refuses the request', () => {
    // Act
    const { code, stdout } = run([...target, '--to-version', '$LATEST', '--dry-run', '--json']);

    // Assess
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ ok: false, error: { field: 'toVersion' } });
  });
});
