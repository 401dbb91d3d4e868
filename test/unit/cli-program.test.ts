// The `runbook` command line itself: help and version, the sentences it refuses with, the prompts it asks,
// and what a person reads on a terminal. No emulator: nothing here reaches a function.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { drainQuestion } from '../../cli/dlq.js';
import { buildProgram, runCli } from '../../cli/program.js';
import { killSwitchSummary, rollbackSummary } from '../../cli/render.js';
import { rollbackQuestion } from '../../cli/rollback.js';
import { describePlan } from '../../cli/schedules.js';
import { runningEmulator } from '../../cli/target.js';
import { undoThrough } from '../../cli/transport.js';
import { readExportsFile } from '../../local/emulator/exports.js';
import { emulatorHome } from '../../local/emulator/provision.js';
import { projectRoot } from '../../local/template.js';
import pkg from '../../package.json' with { type: 'json' };
import { cliBin } from '../../scripts/build-cli.js';

function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((sub) => [
    [...prefix, sub.name()],
    ...commandPaths(sub, [...prefix, sub.name()]),
  ]);
}
const paths = commandPaths(buildProgram(() => undefined));

describe('runbook help', () => {
  let stdout: ReturnType<typeof vi.spyOn>;
  let stderr: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => vi.restoreAllMocks());

  it('knows every command and subcommand', () => {
    // Assess
    expect(paths.map((path) => path.join(' '))).toEqual(
      expect.arrayContaining([
        'invoke',
        'emulator',
        'health',
        'rollback',
        'secret status',
        'secret rotate',
        'secret revoke-previous',
        'deploy-sim',
        'schedules disable',
        'schedules enable',
        'schedules status',
        'dlq peek',
        'dlq drain',
        'freeze status',
      ]),
    );
  });

  it.each(paths)('`%s … --help` prints its usage on stdout and exits 0', async (...path) => {
    // Act
    const code = await runCli([...path, '--help']);

    // Assess
    expect(code).toBe(0);
    const printed = stdout.mock.calls.map((call: unknown[]) => String(call[0])).join('');
    expect(printed).toContain(`Usage: runbook ${path.join(' ')}`);
    expect(stderr).not.toHaveBeenCalled();
  });

  it.each(paths.filter((path) => path.length === 1))('`help %s` is the same help', async (name) => {
    // Act
    const code = await runCli(['help', name]);

    // Assess
    expect(code).toBe(0);
    expect(stdout.mock.calls.map((call: unknown[]) => String(call[0])).join('')).toContain(
      `Usage: runbook ${name}`,
    );
  });

  it('prints the version, and refuses an unknown option with exit 1 on stderr', async () => {
    // Act
    const version = await runCli(['--version']);
    const unknown = await runCli(['rollback', '--to-verison', '2']);

    // Assess
    expect(version).toBe(0);
    expect(stdout).toHaveBeenCalledWith(`${pkg.version}\n`);
    expect(unknown).toBe(1);
    expect(stderr.mock.calls.map((call: unknown[]) => String(call[0])).join('')).toContain(
      "unknown option '--to-verison'",
    );
  });
});

describe('the compiled runbook', () => {
  it('starts without a TypeScript loader and prints its help on stdout', () => {
    // Act
    const result = spawnSync(process.execPath, [cliBin, '--help'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });

    // Assess
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('Usage: runbook');
    expect(result.stderr).toBe('');
  });

  it('answers help and version from its help bundle, word for word as the whole CLI does, without the ES module loader', () => {
    // Prepare: node's list of its own modules and the CommonJS files a process loaded, written at exit.
    const dir = mkdtempSync(join(tmpdir(), 'runbook-help-'));
    const preload = join(dir, 'loaded.cjs');
    writeFileSync(
      preload,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(dir, 'loaded.json'))}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })));`,
    );
    const lines = [
      [],
      ['--help'],
      ['help', 'rollback'],
      ['fleet', 'undo', '--help'],
      ['-V'],
      ['help', 'nosuch'],
    ];
    const run = (entry: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      spawnSync(process.execPath, [entry, ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH, ...env },
      });

    for (const args of lines) {
      // Act
      const compiled = run(cliBin, args, { NODE_OPTIONS: `--require ${preload}` });
      const whole = run(cliBin.replace(/runbook\.cjs$/, 'runbook.mjs'), args);

      // Assess
      expect({ args, code: compiled.status, stdout: compiled.stdout, stderr: compiled.stderr }).toEqual({
        args,
        code: whole.status,
        stdout: whole.stdout,
        stderr: whole.stderr,
      });
      const loaded = JSON.parse(readFileSync(join(dir, 'loaded.json'), 'utf8')) as {
        builtins: string[];
        files: string[];
      };
      expect(loaded.files.some((file) => file.endsWith('runbook-help.cjs'))).toBe(true);
      expect(loaded.builtins).not.toContain('NativeModule internal/modules/esm/loader');
    }
  });

  it('exits quietly when its reader stops reading (runbook … | head), with no EPIPE trace', () => {
    // Act: `true` closes the pipe at once, before the CLI has written its help
    const result = spawnSync(
      'bash',
      [
        '-c',
        `"${process.execPath}" "${cliBin}" help rollback 2>/tmp/runbook-epipe.err | true; echo "\${PIPESTATUS[0]}"; cat /tmp/runbook-epipe.err`,
      ],
      { encoding: 'utf8', env: { PATH: process.env.PATH } },
    );

    // Assess
    const [status, ...stderr] = result.stdout.split('\n');
    expect(status).toBe('0');
    expect(stderr.join('\n')).not.toContain('EPIPE');
  });
});

describe('where runbook acts', () => {
  const saved = { ...process.env };
  afterEach(() => {
    // In place: replacing process.env with a plain object would leave it so for the files after this one in
    // the worker (test/setup-shared-worker.ts), and vitest's stubEnv would then write to the old one.
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  });

  it('refuses in a sentence when AWS_ENDPOINT_URL names an emulator that does not answer', async () => {
    // Prepare: a port that was free a moment ago
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${port}`;

    // Act
    const error = await runningEmulator().catch((caught: Error) => caught);

    // Assess (a running `npm run emulator` of this checkout adds, in the middle, where it is)
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message.startsWith(`no emulator at 127.0.0.1:${port} (from AWS_ENDPOINT_URL)`), message).toBe(
      true,
    );
    expect(message.endsWith(': start `npm run emulator`, or pass --stack NAME to use AWS'), message).toBe(
      true,
    );
  });

  it('keeps the emulator’s description in the checkout, or in the user’s state folder for an installed package', () => {
    // Act: a clone (with or without .git: a downloaded archive), and packages npm installed
    const clone = emulatorHome('/home/ana/src/lambda-runbook', { XDG_STATE_HOME: '/x' }, '/home/ana');
    const global = emulatorHome('/usr/lib/node_modules/lambda-runbook', {}, '/home/ana');
    const local = emulatorHome('/srv/ops/node_modules/lambda-runbook', { XDG_STATE_HOME: '/x/state' }, '/h');

    // Assess
    expect(clone).toEqual({
      stateDir: '/home/ana/src/lambda-runbook/.runbook',
      startCommand: 'npm run emulator',
    });
    expect(global).toEqual({
      stateDir: '/home/ana/.local/state/lambda-runbook',
      startCommand: 'runbook emulator',
    });
    expect(local).toEqual({ stateDir: '/x/state/lambda-runbook', startCommand: 'runbook emulator' });
  });

  it('installed from a package, says to start `runbook emulator` (no npm scripts there) when it has no target', () => {
    // Prepare: what `npm install -g` of the packed tarball puts in place, under a node_modules
    const root = join(
      mkdtempSync(join(tmpdir(), 'runbook-prefix-')),
      'lib',
      'node_modules',
      'lambda-runbook',
    );
    cpSync(dirname(cliBin), join(root, 'dist', 'cli'), { recursive: true });
    for (const file of ['template.yaml', 'package.json']) cpSync(join(projectRoot, file), join(root, file));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: root, NODE_NO_WARNINGS: '1' };

    // Act
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'dist', 'cli', 'runbook.cjs'),
        'rollback',
        '--function',
        'f',
        '--reason',
        'bad deploy',
        '--dry-run',
      ],
      { cwd: root, encoding: 'utf8', env },
    );

    // Assess
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'runbook: no target: AWS_ENDPOINT_URL is not set and no emulator is running: start `runbook emulator` in another shell, pass --emulator for a throwaway one, or pass --stack NAME to use AWS\n',
    );
  });

  it('points the SDK at the emulator it found, whatever region and keys the shell had', async () => {
    // Prepare: something answering on loopback, described as a runbook emulator in a state dir of its own
    const server = createHttpServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const dir = mkdtempSync(join(tmpdir(), 'runbook-state-'));
    writeFileSync(
      join(dir, 'emulator.json'),
      JSON.stringify({ endpoint, region: 'eu-central-1', stackName: 's', resources: {} }),
    );
    Object.assign(process.env, {
      RUNBOOK_STATE_DIR: dir,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-west-2',
      AWS_ACCESS_KEY_ID: 'AKIAREALKEY',
    });

    try {
      // Act
      const target = await runningEmulator();

      // Assess
      expect(target?.state?.stackName).toBe('s');
      expect(process.env.AWS_REGION).toBe('eu-central-1');
      expect(process.env.AWS_DEFAULT_REGION).toBe('eu-central-1');
      expect(process.env.AWS_ACCESS_KEY_ID).toBe('testing');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reads back the exports the emulator writes, quoted for a shell', () => {
    // Prepare
    const path = join(mkdtempSync(join(tmpdir(), 'runbook-env-')), 'emulator.env');

    // Act
    // As the emulator writes it, and as a person may write a line by hand (no `export`, spaces around).
    writeFileSync(
      path,
      "# the emulator's exports\nexport AWS_ENDPOINT_URL=http://127.0.0.1:4566\n  AWS_DEFAULT_REGION=us-east-1 \nexport ODD='it'\\''s'\n",
    );

    // Assess
    expect(readExportsFile(path)).toEqual({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_DEFAULT_REGION: 'us-east-1',
      ODD: "it's",
    });
    const sourced = spawnSync('sh', ['-c', `. ${path} && echo "$ODD $AWS_DEFAULT_REGION"`], {
      encoding: 'utf8',
    });
    expect(sourced.stdout).toBe("it's us-east-1\n");
  });

  it("gives a remote answer's undo the door it came through, and leaves others alone", () => {
    // Act
    const remote = undoThrough(
      { ok: true, undo: "runbook rollback --function f --to-version 3 --reason 'x' --force" },
      ['--stack', 'lambda-runbook-prod'],
    );
    const none = undoThrough({ ok: true, undo: null }, ['--stack', 's']);

    // Assess
    expect(remote).toEqual({
      ok: true,
      undo: "runbook rollback --function f --to-version 3 --reason 'x' --force --stack lambda-runbook-prod",
    });
    expect(none).toEqual({ ok: true, undo: null });
  });
});

describe('the prompts name the numbers of the dry run', () => {
  it('rollback: function, alias, current and target version', async () => {
    // Act
    const question = await rollbackQuestion({
      functionName: 'trading',
      alias: 'live',
      fromVersion: '8',
      toVersion: '7',
      chosenBy: 'previous-published',
    });

    // Assess
    expect(question).toBe(
      'Roll back trading:live from version 8 to version 7 (chosen by previous-published)?',
    );
  });

  it('drain: the queue, its depth, what goes back, the rate and how long', () => {
    // Act
    const question = drainQuestion(
      // A dry run's answer: it received every message, held them all, and redrove none.
      {
        dryRun: true,
        queue: 'orders-dlq',
        atStartApprox: 320,
        received: 320,
        redriven: 0,
        skipped: { stale: 20, filtered: 0 },
      },
      10,
    );

    // Assess
    expect(question).toBe(
      'Redrive 300 of the 320 message(s) in orders-dlq (20 stale kept back) at 10/s, about 30 s? Redriven events run again.',
    );
  });

  it('drain: a dry run’s failures are not counted as redriven, and the question says why they stay', () => {
    // Act
    const question = drainQuestion(
      {
        dryRun: true,
        queue: 'orders-dlq',
        atStartApprox: 12,
        received: 12,
        redriven: 0,
        failed: 5,
        failures: [{ key: 'k1', error: 'no source queue names this DLQ in its redrive policy' }],
        skipped: { stale: 2, filtered: 0 },
      },
      10,
    );

    // Assess
    expect(question).toBe(
      'Redrive 5 of the 12 message(s) in orders-dlq (2 stale kept back; 5 would fail and stay: no source queue names this DLQ in its redrive policy) at 10/s, about 1 s? Redriven events run again.',
    );
  });

  it('kill switch: how many schedules, of which group', () => {
    // Act
    const question = describePlan('disable', {
      counts: { selected: 3, 'would-disable': 2, 'already-disabled': 1 },
      schedules: [
        { group: 'trading', name: 'a' },
        { group: 'trading', name: 'b' },
        { group: 'trading', name: 'c' },
      ],
    });

    // Assess
    expect(question).toBe('Disable 2 schedule(s) of 3 selected in group trading?');
  });
});

describe('what a person reads', () => {
  it('a rollback: before → after and the undo', () => {
    // Act
    const text = rollbackSummary({
      ok: true,
      functionName: 'trading',
      alias: 'live',
      fromVersion: '8',
      toVersion: '7',
      chosenBy: 'previous-published',
      why: 'version 7 is the highest published below 8',
      clearedWeights: {},
      changed: true,
      dryRun: false,
      auditId: 'a1',
      undo: 'runbook rollback --function trading --to-version 8',
    });

    // Assess
    expect(text).toContain('Rolled back trading:live: version 8 → 7.');
    expect(text).toContain('undo:  runbook rollback --function trading --to-version 8');
  });

  it('a kill switch of 301 schedules: counts, the rows only with --verbose', () => {
    // Prepare
    const schedules = Array.from({ length: 301 }, (_, i) => ({
      group: 'g',
      name: `s${i}`,
      outcome: 'disabled',
    }));
    const answer = {
      ok: true,
      action: 'disable',
      counts: { selected: 301, disabled: 301 },
      schedules,
      warnings: [],
    };

    // Act
    const short = killSwitchSummary(answer);
    const long = killSwitchSummary(answer, true);

    // Assess
    expect(short.split('\n').length).toBeLessThan(6);
    expect(short).toContain('301 disabled');
    expect(long).toContain('s300');
  });
});
