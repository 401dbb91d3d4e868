// The compiled CLI's commands, started from V8's code cache. A local command loads the AWS SDK, Powertools,
// zod and a handler: about 2 MB of JavaScript that node would parse and compile anew at every start (Node 20
// has no module.enableCompileCache). scripts/build-cli.ts also builds the whole CLI as one CommonJS file
// (runbook-cached.cjs) and, by running it once at build time, V8's code cache for it; a command then runs that
// file through vm.Script with the cache, skipping most of the parsing and compiling. `--help`, `--version` and
// a bare `runbook` stay on the ES module build (dist/cli/runbook.mjs), which loads only commander
// (cli/help-args.ts decides).
//
// Never wrong, at worst slower: the cache is used only with the exact bundle it was made from (its SHA-256,
// recorded at build time), and V8 itself refuses a cache from another V8 version or other flags, compiling the
// source instead. Without the cached bundle (an older build), the ES module build runs every command.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';

export const CACHED_BUNDLE = 'runbook-cached.cjs';
export const CODE_CACHE = 'runbook-cached.cjs.v8-cache';
export const CODE_CACHE_META = 'runbook-cached.json';

export interface CodeCacheMeta {
  /** SHA-256 (hex) of the bundle the cache was made from. */
  bundleSha256: string;
}

/** The CommonJS wrapper, the same at build time and at run time: V8's cache belongs to the exact text compiled. */
export const WRAPPER = ['(function (exports, require, module, __filename, __dirname) {', '\n})'] as const;
const wrapBundle = (source: string) => `${WRAPPER[0]}${source}${WRAPPER[1]}`;

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** What the bundle exports: the CLI, and the warm-up that loads every command and handler for the cache. */
export interface CachedBundle {
  main(): Promise<unknown>;
  warm(): Promise<unknown>;
}

/** The code cache made from exactly this bundle, if there is one. */
function cacheFor(dir: string, bundle: Buffer): Buffer | undefined {
  try {
    const meta = JSON.parse(readFileSync(join(dir, CODE_CACHE_META), 'utf8')) as CodeCacheMeta;
    if (meta.bundleSha256 !== sha256(bundle)) return undefined;
    return readFileSync(join(dir, CODE_CACHE));
  } catch {
    return undefined;
  }
}

/**
 * Compiles the cached bundle of `dir` (with its code cache when that cache is the bundle's) and evaluates it.
 * Undefined when `dir` holds no cached bundle.
 */
export function loadCachedBundle(at: string): { bundle: CachedBundle; script: Script } | undefined {
  const dir = resolve(at);
  const file = join(dir, CACHED_BUNDLE);
  let source: Buffer;
  try {
    source = readFileSync(file);
  } catch {
    return undefined;
  }
  const cachedData = cacheFor(dir, source);
  // The build writes ASCII only (esbuild escapes the rest): read as latin1, a quarter of utf8's decoding time.
  const text = isAscii(source) ? source.toString('latin1') : source.toString('utf8');
  const script = new Script(wrapBundle(text), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} as CachedBundle };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dir);
  return { bundle: module.exports, script };
}

/**
 * Runs the command line from the cached bundle of `dir`. False when `dir` has none: the caller then runs the
 * ES module build.
 */
export function startCached(dir: string): boolean {
  const loaded = loadCachedBundle(dir);
  if (!loaded) return false;
  void loaded.bundle.main();
  return true;
}
