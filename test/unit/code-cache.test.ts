// The compiled CLI starts its commands from V8's code cache (cli/code-cache.ts). A cache is an optimisation:
// these tests hold it to "never wrong, at worst slower".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  bundleFiles,
  CACHED_BUNDLE,
  CODE_CACHE,
  CODE_CACHE_META,
  commandCacheFile,
  commandOf,
  loadCachedBundle,
  sha256,
  WRAPPER,
  writeCommandCache,
} from '../../cli/code-cache.js';
import { answeredByHelp } from '../../cli/help-args.js';
import { COMMAND_BUNDLES, cliOutDir } from '../../scripts/build-cli.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A bundle as the build writes one: the source, V8's cache of `cachedFrom` (made in another process, as the
 * build does: in this one, V8 would answer from its own in-memory compilation cache instead) and its SHA-256.
 */
function bundleDir(source: string, cachedFrom = source, cache?: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'runbook-code-cache-'));
  dirs.push(dir);
  const made = join(dir, 'made-from.cjs');
  writeFileSync(made, cachedFrom);
  const script = `
    const { readFileSync, writeFileSync } = require('node:fs');
    const { Script } = require('node:vm');
    const [file, out] = process.argv.slice(1);
    const script = new Script(${JSON.stringify(WRAPPER[0])} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAPPER[1])}, { filename: file });
    const module = { exports: {} };
    script.runInThisContext().call(module.exports, module.exports, require, module, file, '');
    module.exports.main();
    writeFileSync(out, script.createCachedData());`;
  const child = spawnSync(process.execPath, ['-e', script, made, join(dir, CODE_CACHE)], {
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(child.stderr);
  if (cache) writeFileSync(join(dir, CODE_CACHE), cache);
  writeFileSync(join(dir, CACHED_BUNDLE), source);
  writeFileSync(join(dir, CODE_CACHE_META), JSON.stringify({ bundleSha256: sha256(cachedFrom) }));
  return dir;
}

const answering = (word: string) => `module.exports.main = () => '${word}';`;

describe('the code-cached bundle (cli/code-cache.ts)', () => {
  it('runs the bundle with the cache made from it', () => {
    // Prepare
    const dir = bundleDir(answering('one'));

    // Act
    const loaded = loadCachedBundle(dir);

    // Assess
    expect(loaded?.script.cachedDataRejected).toBe(false);
    expect(loaded?.bundle.main()).toBe('one');
  });

  it('ignores the cache of another text of the same length, which V8 alone would take', () => {
    // Prepare: V8 checks a cache against the length of the source only.
    const dir = bundleDir(answering('new'), answering('old'));

    // Act
    const loaded = loadCachedBundle(dir);

    // Assess: compiled from the source, without the cache.
    expect(loaded?.script.cachedDataRejected).toBeUndefined();
    expect(loaded?.bundle.main()).toBe('new');
  });

  it('runs the source when V8 refuses a damaged cache', () => {
    // Prepare
    const dir = bundleDir(answering('one'), answering('one'), Buffer.from('not a V8 code cache'));

    // Act
    const loaded = loadCachedBundle(dir);

    // Assess
    expect(loaded?.script.cachedDataRejected).toBe(true);
    expect(loaded?.bundle.main()).toBe('one');
  });

  it('answers nothing where there is no bundle, so that the ES module build runs', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'runbook-code-cache-'));
    dirs.push(dir);

    // Act / Assess
    expect(loadCachedBundle(dir)).toBeUndefined();
  });

  it.each<[string, string | undefined]>([
    ['the whole CLI', undefined],
    ...Object.keys(COMMAND_BUNDLES).map((command): [string, string] => [`${command}'s own`, command]),
  ])('is built with the compiled CLI, and V8 takes it: %s', (_name, command) => {
    // Prepare: dist/cli as test/build-cli-setup.ts built it.
    const files = bundleFiles(command);
    const meta = JSON.parse(readFileSync(join(cliOutDir, files.meta), 'utf8')) as {
      bundleSha256: string;
    };

    // Act
    const loaded = loadCachedBundle(cliOutDir, command);

    // Assess
    expect(meta.bundleSha256).toBe(sha256(readFileSync(join(cliOutDir, files.bundle))));
    expect(loaded?.bundleSha256).toBe(meta.bundleSha256);
    expect(loaded?.script.cachedDataRejected).toBe(false);
    expect(typeof loaded?.bundle.main).toBe('function');
  });
});

describe("a command's own bundle (scripts/build-cli.ts's COMMAND_BUNDLES)", () => {
  it('runs that command; every other command runs from the whole CLI', () => {
    // Prepare
    const dir = bundleDir(answering('whole'));
    writeFileSync(join(dir, bundleFiles('rollback').bundle), answering('rollback only'));

    // Act
    const rollback = loadCachedBundle(dir, 'rollback');
    const fleet = loadCachedBundle(dir, 'fleet');

    // Assess
    expect(rollback?.bundle.main()).toBe('rollback only');
    expect(fleet?.bundle.main()).toBe('whole');
    expect(fleet?.cacheUsed).toBe('build');
  });

  it.each(Object.keys(COMMAND_BUNDLES))(
    "%s's bundle refuses any other command by name, loading none from elsewhere",
    (command) => {
      // Prepare: the bundle as the CLI runs it, given another command's line (which the CLI never does).
      const file = join(cliOutDir, bundleFiles(command).bundle);
      const script = `
        const { readFileSync } = require('node:fs');
        const { createRequire } = require('node:module');
        const { Script } = require('node:vm');
        const file = process.argv[1];
        process.argv = [process.argv[0], file, 'health'];
        const run = new Script(${JSON.stringify(WRAPPER[0])} + readFileSync(file, 'latin1') + ${JSON.stringify(WRAPPER[1])}).runInThisContext();
        const module = { exports: {} };
        run.call(module.exports, module.exports, createRequire(file), module, file, require('node:path').dirname(file));
        module.exports.main();`;

      // Act
      const child = spawnSync(process.execPath, ['-e', script, file], {
        encoding: 'utf8',
        env: { ...process.env, NODE_NO_WARNINGS: '1' },
      });

      // Assess
      expect(child.status).toBe(1);
      expect(child.stderr).toContain(`internal: the ${command} command's bundle has no ./health.js`);
    },
  );
});

describe("a command's own code cache, written by its first run (cli/code-cache.ts)", () => {
  it('is taken by the next run of that command, and not by another command', () => {
    // Prepare: a first run, from the build's cache.
    const dir = bundleDir(answering('first'));
    const first = loadCachedBundle(dir, 'rollback');
    if (!first) throw new Error('no bundle');

    // Act
    writeCommandCache(dir, first, 'rollback');
    const next = loadCachedBundle(dir, 'rollback');
    const other = loadCachedBundle(dir, 'fleet');

    // Assess
    expect(first.cacheUsed).toBe('build');
    expect(existsSync(join(dir, commandCacheFile(first.bundleSha256, 'rollback')))).toBe(true);
    expect(next?.cacheUsed).toBe('command');
    expect(next?.bundle.main()).toBe('first');
    expect(other?.cacheUsed).toBe('build');
  });

  it('is not taken by a rebuilt bundle: its name holds the SHA-256 of the bundle it was made from', () => {
    // Prepare: a command cache of the old bundle beside a new bundle of the same length.
    const dir = bundleDir(answering('old'));
    const old = loadCachedBundle(dir, 'rollback');
    if (!old) throw new Error('no bundle');
    writeCommandCache(dir, old, 'rollback');
    writeFileSync(join(dir, CACHED_BUNDLE), answering('new'));

    // Act
    const loaded = loadCachedBundle(dir, 'rollback');

    // Assess
    expect(loaded?.cacheUsed).toBe('none');
    expect(loaded?.bundle.main()).toBe('new');
  });

  it("goes to the user's cache directory when the bundle's own is not writable", () => {
    // Prepare
    const dir = bundleDir(answering('global'));
    const loaded = loadCachedBundle(dir, 'rollback');
    if (!loaded) throw new Error('no bundle');
    const home = mkdtempSync(join(tmpdir(), 'runbook-xdg-'));
    dirs.push(home);
    const cacheHome = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = home;
    try {
      // Act: a directory that does not exist stands for one that cannot be written (the tests run as root).
      writeCommandCache(join(dir, 'not-there'), loaded, 'rollback');

      // Assess
      expect(readdirSync(join(home, 'lambda-runbook'))).toEqual([
        commandCacheFile(loaded.bundleSha256, 'rollback'),
      ]);
      expect(loadCachedBundle(dir, 'rollback')?.cacheUsed).toBe('command');
    } finally {
      if (cacheHome === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = cacheHome;
    }
  });

  it.each([
    [['rollback', '--function', 'fn', '--dry-run'], 'rollback'],
    [['--json', 'fleet', 'status'], 'fleet'],
    [['-v', 'dlq', 'peek'], 'dlq'],
    [['--json'], undefined],
    [['Rollback'], undefined],
    [['../../etc/passwd'], undefined],
  ])('names the cache of %j: %s', (argv, expected) => {
    expect(commandOf(argv)).toBe(expected);
  });
});

describe('answeredByHelp: the command lines the help bundle answers (commander alone)', () => {
  it.each([
    [[], true],
    [['--help'], true],
    [['rollback', '-h'], true],
    [['help', 'rollback'], true],
    [['--version'], true],
    [['-V'], true],
    [['rollback', '--function', 'fn', '--dry-run'], false],
    [['dlq', 'peek', '--queue', 'help'], false],
  ])('%j → %s', (argv, expected) => {
    expect(answeredByHelp(argv)).toBe(expected);
  });
});
