// The compiled CLI's commands, started from V8's code cache. A local command loads the AWS SDK, Powertools,
// zod and a handler: about 2 MB of JavaScript that node would parse and compile anew at every start (Node 20
// has no module.enableCompileCache). scripts/build-cli.ts also builds the whole CLI as one CommonJS file
// (runbook-cached.cjs) and V8's code cache of its top level; a command then runs that file through vm.Script
// with a cache, skipping most of the parsing and compiling. The `bin` (dist/cli/runbook.cjs) sends `--help`,
// `--version` and a bare `runbook` to the help bundle (dist/cli/runbook-help.cjs), which loads only commander
// and the program (cli/help-args.ts decides), and every other command line here.
//
// What a command then calls (commander's parsing, its command and handler modules, the SDK's middleware,
// signing and parsing, zod) V8 compiles as it runs; so a command's first run that succeeds also writes, at exit,
// V8's cache as that run left it (runbook-cached.<sha>.<command>.v8-cache), and its next runs start from that
// one: what Node 22's module.enableCompileCache does, by hand. It is written beside the bundle, or where that
// directory is not writable (a root-owned global install) in the user's cache directory. The build's cache
// holds the top level only, on purpose: a cache also holds everything the cache it started from held, and
// deserialising what a command never runs costs more than it saves (measured: bench/cli-startup.ts).
//
// Never wrong, at worst slower: a cache is used only with the exact bundle it was made from (its SHA-256,
// recorded at build time, and in the name of a command's cache), and V8 itself refuses a cache from another V8
// version or other flags, compiling the source instead (the run then writes a new command cache). Without the
// cached bundle (an older build), the ES module build runs every command.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';

export const CACHED_BUNDLE = 'runbook-cached.cjs';
export const CODE_CACHE = 'runbook-cached.cjs.v8-cache';
export const CODE_CACHE_META = 'runbook-cached.json';

/**
 * The files of a bundle: the whole CLI's (runbook-cached.cjs), or a command's own (runbook-cached-<command>.cjs:
 * the CLI with that command alone, and the handlers it sends to; scripts/build-cli.ts's COMMAND_BUNDLES), each
 * with the build's code cache of it and the SHA-256 that cache was made from.
 */
export function bundleFiles(command?: string): { bundle: string; cache: string; meta: string } {
  if (!command) return { bundle: CACHED_BUNDLE, cache: CODE_CACHE, meta: CODE_CACHE_META };
  const bundle = `runbook-cached-${command}.cjs`;
  return { bundle, cache: `${bundle}.v8-cache`, meta: `runbook-cached-${command}.json` };
}

export interface CodeCacheMeta {
  /** SHA-256 (hex) of the bundle the cache was made from. */
  bundleSha256: string;
}

/** The CommonJS wrapper, the same at build time and at run time: V8's cache belongs to the exact text compiled. */
export const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;
const wrapBundle = (source: string) => `${WRAPPER[0]}${source}${WRAPPER[1]}`;

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** What the bundle exports: the CLI. */
export interface CachedBundle {
  main(): Promise<unknown>;
}

/**
 * The command a command line runs, for naming its cache: the first word that is no option (the global options,
 * --json, --human and --verbose, take no value). Undefined for anything else, so a typo makes no cache file.
 */
export function commandOf(argv: readonly string[]): string | undefined {
  const word = argv.find((arg) => !arg.startsWith('-'));
  return word && /^[a-z][a-z-]{0,31}$/.test(word) ? word : undefined;
}

/** A command's own cache of the bundle with this SHA-256: written by its first run that succeeds. */
export const commandCacheFile = (bundleSha256: string, command: string) =>
  `runbook-cached.${bundleSha256.slice(0, 16)}.${command}.v8-cache`;

/** Where a command's cache goes when the bundle's own directory is not writable. */
export const userCacheDir = () =>
  join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'lambda-runbook');

/** Which code cache a start used: the command's own, the build's, or none (compiled from the source). */
export type CacheUsed = 'command' | 'build' | 'none';

/** The code cache made from exactly this bundle, if there is one: the command's own, else the build's. */
function cacheFor(
  dir: string,
  files: ReturnType<typeof bundleFiles>,
  bundleSha256: string,
  command: string | undefined,
): { data: Buffer; used: CacheUsed } | undefined {
  if (command) {
    // The user's cache directory only when the bundle's own has none: finding it costs a look-up of the home.
    for (const where of [() => dir, userCacheDir]) {
      try {
        return {
          data: readFileSync(join(where(), commandCacheFile(bundleSha256, command))),
          used: 'command',
        };
      } catch {
        // Not yet written (this command's first run), or unreadable: the next place, then the build's cache.
      }
    }
  }
  try {
    const meta = JSON.parse(readFileSync(join(dir, files.meta), 'utf8')) as CodeCacheMeta;
    if (meta.bundleSha256 !== bundleSha256) return undefined;
    return { data: readFileSync(join(dir, files.cache)), used: 'build' };
  } catch {
    return undefined;
  }
}

export interface LoadedBundle {
  bundle: CachedBundle;
  script: Script;
  /** The cache V8 took: `none` when there was none for this bundle, or V8 refused it. */
  cacheUsed: CacheUsed;
  bundleSha256: string;
}

/** The command's own bundle when it has one, else the whole CLI's; undefined when `dir` holds neither. */
function readBundle(dir: string, command: string | undefined) {
  for (const files of command ? [bundleFiles(command), bundleFiles()] : [bundleFiles()]) {
    try {
      return { files, source: readFileSync(join(dir, files.bundle)) };
    } catch {
      // No bundle of that command (most have none): the whole CLI's.
    }
  }
  return undefined;
}

/**
 * Compiles the cached bundle of `dir` for `command` (its own, else the whole CLI's; with `command`'s code cache,
 * else the build's, when that cache is the bundle's) and evaluates it. Undefined when `dir` holds no bundle.
 */
export function loadCachedBundle(at: string, command?: string): LoadedBundle | undefined {
  const dir = resolve(at);
  const read = readBundle(dir, command);
  if (!read) return undefined;
  const { files, source } = read;
  const file = join(dir, files.bundle);
  const bundleSha256 = sha256(source);
  const cache = cacheFor(dir, files, bundleSha256, command);
  const cachedData = cache?.data;
  // The build writes ASCII only (esbuild escapes the rest): read as latin1, a quarter of utf8's decoding time.
  const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8');
  const script = new Script(wrapBundle(text), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as CachedBundle };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dir);
  const cacheUsed = !cache || script.cachedDataRejected ? 'none' : cache.used;
  return { bundle: module.exports, script, cacheUsed, bundleSha256 };
}

/**
 * Writes V8's cache of the bundle as this process left it, as `command`'s own: beside the bundle, else in the
 * user's cache directory (there replacing the command's caches of other builds). Atomically: a concurrent run
 * reads the old file or the new one, never half of one. Best effort: where nothing is writable, the next run
 * starts from the build's cache again.
 */
export function writeCommandCache(at: string, loaded: LoadedBundle, command: string): void {
  const name = commandCacheFile(loaded.bundleSha256, command);
  const data = loaded.script.createCachedData();
  if (writeAtomically(join(resolve(at), name), data)) return;
  const userDir = userCacheDir();
  try {
    mkdirSync(userDir, { recursive: true });
    for (const file of readdirSync(userDir))
      if (file !== name && file.startsWith('runbook-cached.') && file.endsWith(`.${command}.v8-cache`))
        rmSync(join(userDir, file), { force: true });
  } catch {
    // Not writable either.
  }
  writeAtomically(join(userDir, name), data);
}

function writeAtomically(target: string, data: Buffer): boolean {
  const partial = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, target);
    return true;
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Nothing was written there either.
    }
    return false;
  }
}

/**
 * Runs the command line from the cached bundle of `dir`. False when `dir` has none: the caller then runs the
 * ES module build. A command that found no cache of its own writes one when the process exits.
 */
export function startCached(dir: string, argv: readonly string[] = process.argv.slice(2)): boolean {
  const command = commandOf(argv);
  const loaded = loadCachedBundle(dir, command);
  if (!loaded) return false;
  // Only after a run that succeeded: a failure stops early, and its cache would hold too little of the command.
  if (command && loaded.cacheUsed !== 'command')
    process.once('exit', (code) => {
      if (code === 0) writeCommandCache(dir, loaded, command);
    });
  void loaded.bundle.main();
  return true;
}
