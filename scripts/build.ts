// Builds every `BuildMethod: esbuild` function of template.yaml into dist/<LogicalId>/handler.mjs,
// with the options `sam build` passes to esbuild (aws-lambda-builders' NodejsNpmEsbuildBuilder turns each
// `Metadata.BuildProperties` entry into one esbuild flag), so the bundles can be built, sized and
// benchmarked without the sam CLI.
// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-build-typescript.html
//
// The AWS SDK is bundled, not left to the runtime's copy: the version we test is the version we ship.
// Usage: npm run build [-- --only HealthFunction]
import { execFileSync } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type BuildOptions, build, type Format, type Loader, type Metafile } from 'esbuild';
import {
  type FunctionSpec,
  type JsonObject,
  listFunctions,
  loadTemplate,
  projectRoot,
} from '../local/template.js';

/** The project's bundle size target, per function. */
export const BUNDLE_LIMIT_BYTES = 1.5 * 1024 * 1024;

export interface BuildFunctionsOptions {
  /** Directory receiving `<LogicalId>/handler.mjs`; relative paths are from the project root. Default `dist`. */
  outDir?: string;
  /** Logical ids to build; default every esbuild function in template.yaml. */
  only?: string[];
  /** Overrides `BuildProperties.Minify`. */
  minify?: boolean;
  /** `false` leaves every package import to node_modules (esbuild `packages: 'external'`). Default true. */
  bundleDependencies?: boolean;
}

export interface BuiltFunction {
  logicalId: string;
  /** Absolute path of the bundle; its metafile is `meta.json` beside it. */
  outFile: string;
  bytes: number;
  /** Size of the linked source map, 0 without `Sourcemap`. */
  mapBytes: number;
}

/** Build metadata compiled into the bundle; shared/build-info.ts reads it. */
export interface BundleInfo {
  gitSha: string;
  buildId: string;
  builtAt: string;
}

// The BuildProperties SAM's esbuild builder understands (aws-lambda-builders, nodejs_npm_esbuild/esbuild.py).
// Any other one fails the build: a silently dropped property would make these bundles differ from sam's.
const supportedProperties = new Set([
  'Format',
  'Minify',
  'Sourcemap',
  'Target',
  'OutExtension',
  'EntryPoints',
  'Banner',
  'External',
  'MainFields',
  'Loader',
  'SourcesContent',
]);

export class BuildConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BuildConfigError';
  }
}

function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: projectRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // Not a checkout, or no commit yet.
    return 'unknown';
  }
}

/** GIT_SHA and BUILD_ID from the environment (CI sets them), else the checkout and the clock. */
export function bundleInfo(now = new Date(), env: NodeJS.ProcessEnv = process.env): BundleInfo {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return {
    gitSha: env.GIT_SHA || gitSha(),
    buildId: env.BUILD_ID || `local-${stamp}`,
    builtAt: now.toISOString(),
  };
}

/** SAM writes list properties as `["key=value"]` (OutExtension, Banner); the value may contain `=`. */
function keyValues(name: string, value: unknown): Record<string, string> {
  const entries = value === undefined ? [] : Array.isArray(value) ? value : [value];
  return Object.fromEntries(
    entries.map((entry) => {
      const text = String(entry);
      const at = text.indexOf('=');
      if (at < 1) throw new BuildConfigError(`${name}: expected "key=value", got ${JSON.stringify(text)}`);
      return [text.slice(0, at), text.slice(at + 1)];
    }),
  );
}

/** SAM accepts a list or a comma-separated string (`MainFields: module,main`). */
function list(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
  return items.map((item) => item.trim()).filter(Boolean);
}

function flag(value: unknown, fallback: boolean): boolean {
  return value === undefined ? fallback : value === true || value === 'true';
}

/** The esbuild options `sam build` would use for one function, plus our defines and metafile. */
export function esbuildOptions(
  spec: FunctionSpec,
  outdir: string,
  info: BundleInfo,
  options: Pick<BuildFunctionsOptions, 'minify' | 'bundleDependencies'> = {},
): BuildOptions {
  const props: JsonObject = spec.buildProperties;
  const unsupported = Object.keys(props).filter((key) => !supportedProperties.has(key));
  if (unsupported.length > 0) {
    throw new BuildConfigError(`${spec.logicalId}: unsupported BuildProperties ${unsupported.join(', ')}`);
  }
  const runtime = /^nodejs(\d+)/.exec(spec.runtime);
  return {
    absWorkingDir: projectRoot,
    entryPoints: [resolve(projectRoot, spec.entryPoint)],
    bundle: true,
    platform: 'node',
    // Defaults are sam's (es2020, cjs, minified). `Target` is a language level; the runtime's Node
    // version is added so esbuild also knows the node: built-ins and syntax of the deploy runtime.
    target: [String(props.Target ?? 'es2020'), ...(runtime ? [`node${runtime[1]}`] : [])],
    format: String(props.Format ?? 'cjs') as Format,
    minify: options.minify ?? flag(props.Minify, true),
    sourcemap: flag(props.Sourcemap, false),
    sourcesContent: flag(props.SourcesContent, true),
    outExtension: keyValues('OutExtension', props.OutExtension),
    banner: keyValues('Banner', props.Banner),
    loader: keyValues('Loader', props.Loader) as Record<string, Loader>,
    outdir,
    metafile: true,
    legalComments: 'none',
    // For platform 'node' esbuild prefers `main`, which is the SDK clients' CommonJS dist-cjs; `module`
    // first picks their ES modules, which esbuild can tree-shake (HealthFunction: 1.32 MB -> 1.05 MB).
    // Packages with an `exports` map (@smithy/*, @aws-sdk/core) are resolved by conditions instead, and
    // esbuild's default conditions already include `module` (dropped only when custom conditions are
    // set), so none are set here. sam uses esbuild's default unless the template says
    // `MainFields: module,main`, which it should, for `sam build` to match this build.
    // https://esbuild.github.io/api/#main-fields, https://esbuild.github.io/api/#conditions
    mainFields: list(props.MainFields) ?? ['module', 'main'],
    external: list(props.External) ?? [],
    ...(options.bundleDependencies === false ? { packages: 'external' as const } : {}),
    define: {
      __BUNDLE_GIT_SHA__: JSON.stringify(info.gitSha),
      __BUNDLE_BUILD_ID__: JSON.stringify(info.buildId),
      __BUNDLE_BUILT_AT__: JSON.stringify(info.builtAt),
    },
    logLevel: 'warning',
  };
}

async function buildOne(
  spec: FunctionSpec,
  outRoot: string,
  info: BundleInfo,
  options: BuildFunctionsOptions,
): Promise<BuiltFunction> {
  const outdir = join(outRoot, spec.logicalId);
  // A fresh directory, as `sam build` gives each function: no stale chunk or map survives a rebuild.
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build(esbuildOptions(spec, outdir, info, options));
  const metafile = result.metafile as Metafile;
  await writeFile(join(outdir, 'meta.json'), JSON.stringify(metafile));

  const entry = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint !== undefined);
  if (!entry) throw new BuildConfigError(`${spec.logicalId}: esbuild produced no entry point output`);
  const outFile = resolve(projectRoot, entry[0]);
  const bytes = (await stat(outFile)).size;
  const mapBytes = await stat(`${outFile}.map`).then(
    (map) => map.size,
    () => 0,
  );
  return { logicalId: spec.logicalId, outFile, bytes, mapBytes };
}

/** The functions of template.yaml that `sam build` bundles with esbuild. */
export function esbuildFunctions(only?: string[]): FunctionSpec[] {
  const template = loadTemplate();
  const functions = listFunctions(template).filter(
    (spec) => template.Resources[spec.logicalId]?.Metadata?.BuildMethod === 'esbuild',
  );
  const unknown = (only ?? []).filter((id) => !functions.some((spec) => spec.logicalId === id));
  if (unknown.length > 0) {
    const known = functions.map((spec) => spec.logicalId).join(', ');
    throw new BuildConfigError(
      `no esbuild function ${unknown.join(', ')} in template.yaml (functions: ${known})`,
    );
  }
  return only ? functions.filter((spec) => only.includes(spec.logicalId)) : functions;
}

/** Bundles the template's esbuild functions as `sam build` would, into `<outDir>/<LogicalId>/`. */
export async function buildFunctions(options: BuildFunctionsOptions = {}): Promise<BuiltFunction[]> {
  const outRoot = resolve(projectRoot, options.outDir ?? 'dist');
  const info = bundleInfo();
  return Promise.all(esbuildFunctions(options.only).map((spec) => buildOne(spec, outRoot, info, options)));
}

export const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

/** Prints aligned columns; `align` holds one `l` or `r` per column. */
export function printTable(header: string[], rows: string[][], align = ''): void {
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, i) =>
      align[i] === 'r' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0),
    );
    console.log(cells.join('  ').trimEnd());
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string', multiple: true } } });
  const built = await buildFunctions({ ...(values.only ? { only: values.only } : {}) });

  printTable(
    ['function', 'bundle KB', 'map KB', 'file'],
    built.map((fn) => [fn.logicalId, kib(fn.bytes), kib(fn.mapBytes), relative(projectRoot, fn.outFile)]),
    'lrrl',
  );

  const over = built.filter((fn) => fn.bytes > BUNDLE_LIMIT_BYTES);
  if (over.length > 0) {
    for (const fn of over) {
      console.error(
        `${fn.logicalId}: bundle is ${kib(fn.bytes)} KB, over the project's ${BUNDLE_LIMIT_BYTES / 1024 / 1024} MB target ` +
          `(see ${join(dirname(fn.outFile), 'meta.json')}, e.g. in https://esbuild.github.io/analyze/)`,
      );
    }
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
