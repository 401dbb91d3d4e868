// Compiles the `runbook` command into dist/cli/ (the package's `bin` is dist/cli/runbook.cjs), so it starts
// without a TypeScript loader: `npm ci` runs it (the `prepare` script), and `npm link` or `npm install -g .` in
// a clone puts `runbook` on the PATH.
//
// The `bin` is a small CommonJS launcher: a command line goes to the code-cached bundle (below), help and
// version to the help bundle, dist/cli/runbook-help.cjs (the CLI's program and commander, no command: see
// handOverCommands), and to the ES module build, dist/cli/runbook.mjs (which alone does it all), where there is
// none. CommonJS because node starts a CommonJS file without its ES module loader: ~9 ms less at every
// command, and a third of `runbook --help`'s own time (bench/cli-startup.ts).
//
// Every handler of template.yaml is bundled in, keyed by its entry point (local/bundled-handlers.ts), because
// the CLI runs them in-process; so is template.yaml as parsed at build time (local/prebuilt-template.ts), used
// while the file is unchanged. Each command and each handler is its own chunk (code splitting), loaded when
// used: `runbook --help` reads commander and the help, not the AWS SDK. Every other command line runs from a
// second build of the same CLI, one CommonJS file with V8's code cache made here (cli/code-cache.ts), because
// parsing and compiling the SDK, Powertools and zod was most of a local command's start-up.
// Usage: npm run build:cli
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { chmod, readFile, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { bundleFiles, type CodeCacheMeta, sha256, WRAPPER } from '../cli/code-cache.js';
import {
  listFunctions,
  parseTemplate,
  projectRoot,
  templatePath,
  templateSha256,
} from '../local/template.js';

export const cliOutDir = join(projectRoot, 'dist', 'cli');
export const cliBin = join(cliOutDir, 'runbook.cjs');

/**
 * The handlers, registered by entry point, and template.yaml as parsed now (local/prebuilt-template.ts). `only`:
 * a command's bundle carries the handlers of those logical ids, and any other is refused by name.
 */
function registrations(only?: readonly string[]): string[] {
  const text = readFileSync(templatePath, 'utf8');
  const template = parseTemplate(text);
  const functions = listFunctions(template).filter((spec) => spec.entryPoint.endsWith('.ts'));
  const carried = (logicalId: string) => !only || only.includes(logicalId);
  const lines = functions.map(
    (spec) =>
      `  ${JSON.stringify(spec.entryPoint)}: () => ${
        carried(spec.logicalId)
          ? `import(${JSON.stringify(`./${spec.entryPoint}`)})`
          : `Promise.reject(new Error(${JSON.stringify(`internal: this command's bundle has no ${spec.logicalId}`)}))`
      },`,
  );
  const prebuilt = { sha256: templateSha256(text), json: JSON.stringify(template) };
  return [
    "import { useBundledHandlers } from './local/bundled-handlers.ts';",
    "import { usePrebuiltTemplate } from './local/prebuilt-template.ts';",
    `useBundledHandlers({\n${lines.join('\n')}\n});`,
    `usePrebuiltTemplate(${JSON.stringify(prebuilt)});`,
  ];
}

/**
 * The ES module build's entry (dist/cli/runbook.mjs, which the `bin` loads for help and version): help and
 * version from here; any other command line from the code-cached bundle beside it (cli/code-cache.ts), else
 * from here too.
 */
export function cliEntry(): string {
  return [
    "import { dirname } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    "import { answeredByHelp } from './cli/help-args.ts';",
    ...registrations(),
    'const cached = !answeredByHelp(process.argv.slice(2)) &&',
    "  (await import('./cli/code-cache.ts')).startCached(dirname(fileURLToPath(import.meta.url)));",
    "if (!cached) await import('./cli/main.ts');",
  ].join('\n');
}

/**
 * The `bin`'s entry (dist/cli/runbook.cjs): the code-cached bundle, else the ES module build beside it; a local
 * command's probe of the emulator is started first (cli/probe.ts). Help and version: the help bundle, which
 * hands the command line back here (WHOLE_CLI) if it turns out to run a command after all.
 */
export function launcherEntry(): string {
  return [
    "import { existsSync } from 'node:fs';",
    "import { join } from 'node:path';",
    "import { answeredByHelp } from './cli/help-args.ts';",
    'const argv = process.argv.slice(2);',
    'const wholeCli = () => {',
    // Before the bundle loads: the emulator answers the command's probe meanwhile (cli/probe.ts).
    "  require('./cli/probe.ts').probeEarly(argv);",
    "  if (!require('./cli/code-cache.ts').startCached(__dirname, argv)) void import('./runbook.mjs');",
    '};',
    // Help and version load neither the probe (node:http and node:https) nor the code cache's modules.
    'if (!answeredByHelp(argv)) wholeCli();',
    `else if (existsSync(join(__dirname, ${JSON.stringify(HELP_BUNDLE)}))) {`,
    `  (globalThis as Record<symbol, unknown>)[Symbol.for(${JSON.stringify(WHOLE_CLI)})] = wholeCli;`,
    `  require(${JSON.stringify(`./${HELP_BUNDLE}`)});`,
    "} else void import('./runbook.mjs');",
  ].join('\n');
}

/** The help bundle, beside the `bin`: the CLI's program for help and version (handOverCommands). */
export const HELP_BUNDLE = 'runbook-help.cjs';
/** The global slot through which the help bundle hands a command line that runs a command to the whole CLI. */
export const WHOLE_CLI = 'lambda-runbook.whole-cli';

/**
 * In the help bundle, each command's module (cli/program.ts's `(await import('./x.js')).runX`) is a stand-in:
 * commander answers help and version from the program's definitions alone, and a command line the launcher took
 * for help that runs a command after all (`--reason --help` gives --reason the value "--help") hands itself,
 * unparsed, to the whole CLI (the launcher's WHOLE_CLI) and leaves the help bundle waiting on nothing. Help's own
 * start then reads commander and the program (~250 KB, most of it yaml's source, never run), not the ES
 * module loader and the build's chunks.
 */
function handOverCommands(): Plugin {
  const program = join(projectRoot, 'cli', 'program.ts');
  const uses = new Map<string, Set<string>>();
  for (const [, module, name] of readFileSync(program, 'utf8').matchAll(
    /\(await import\('\.\/([\w-]+)\.js'\)\)\.(\w+)/g,
  )) {
    const names = uses.get(module as string) ?? new Set<string>();
    uses.set(module as string, names.add(name as string));
  }
  return {
    name: 'runbook-hand-over-commands',
    setup(build) {
      build.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
        args.importer === program && uses.has(args.path.slice(2, -3))
          ? { path: args.path.slice(2, -3), namespace: 'runbook-hand-over' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'runbook-hand-over' }, (args) => ({
        contents: [
          'const handOver = () => {',
          `  const wholeCli = globalThis[Symbol.for(${JSON.stringify(WHOLE_CLI)})];`,
          `  if (typeof wholeCli !== 'function') throw new Error('internal: the help bundle runs no command (${args.path}); start dist/cli/runbook.cjs');`,
          '  wholeCli();',
          '  return new Promise(() => {});',
          '};',
          ...[...(uses.get(args.path) ?? [])].map((name) => `export const ${name} = handOver;`),
        ].join('\n'),
        loader: 'js',
      }));
    },
  };
}

/** The code-cached bundle's entry (cli/code-cache.ts): `main` runs cli/main.ts. */
export function cachedEntry(handlers?: readonly string[]): string {
  return [...registrations(handlers), "export const main = () => import('./cli/main.ts');"].join('\n');
}

/**
 * Commands with a bundle of their own (runbook-cached-<command>.cjs): the CLI with that command alone and the
 * handlers it sends to, so that its start reads, hashes and deserialises a third of the whole CLI (cli/code-cache.ts
 * chooses by the command line's first word; other commands run from the whole CLI's bundle). `module`: its file in
 * cli/ as cli/program.ts imports it; `handlers`: the logical ids its requests name (cli/transport.ts's Action),
 * whichever door they take. A handler left out is refused by name (`this command's bundle has no …`), never
 * loaded from elsewhere: test/integration/cli-rollback.test.ts runs each door of rollback's.
 */
export const COMMAND_BUNDLES: Record<string, { module: string; handlers: readonly string[] }> = {
  rollback: { module: 'rollback', handlers: ['RollbackFunction'] },
};

/** The modules of cli/program.ts's commands, as it loads each when its command runs (`(await import('./x.js')).runX`). */
function commandModules(): string[] {
  const program = readFileSync(join(projectRoot, 'cli', 'program.ts'), 'utf8');
  return [...program.matchAll(/\(await import\('\.\/([\w-]+)\.js'\)\)\.run/g)].map(
    (match) => match[1] as string,
  );
}

/** In a command's bundle, cli/program.ts's imports of the other commands' modules: each refuses when loaded. */
function onlyCommand(module: string): Plugin {
  const program = join(projectRoot, 'cli', 'program.ts');
  const others = new Set(commandModules().filter((name) => name !== module));
  return {
    name: 'runbook-only-command',
    setup(build) {
      build.onResolve({ filter: /^\.\/[\w-]+\.js$/ }, (args) =>
        args.importer === program && others.has(args.path.slice(2, -3))
          ? { path: args.path, namespace: 'runbook-other-command' }
          : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: 'runbook-other-command' }, (args) => ({
        contents: `throw new Error(${JSON.stringify(`internal: the ${module} command's bundle has no ${args.path}`)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * Powertools Tracer, off, without aws-xray-sdk-core: the handlers the CLI runs in-process never trace (the
 * real Tracer turns itself off outside Lambda), and loading X-Ray's SDK was a sixth of a local command's
 * start-up. Why it is the same behaviour: cli/tracer-off.ts. The functions' own bundles keep the real Tracer.
 */
const tracerOff: Plugin = {
  name: 'runbook-tracer-off',
  setup(build) {
    build.onResolve({ filter: /^@aws-lambda-powertools\/tracer(\/middleware)?$/ }, () => ({
      path: join(projectRoot, 'cli', 'tracer-off.ts'),
    }));
  },
};

/**
 * The AWS SDK's clients and commands, each loaded on its first use. In the CLI's CommonJS build every module is a
 * lazily initialised part of one bundle, and importing one name from a client package initialises the whole
 * package: every command, and the aggregated client that defines a method per command. shared/clients.ts
 * imports every service's client (for the one lazily-built client per service each function bundle keeps of
 * it; esbuild drops the others there), so `runbook rollback` loaded CloudWatch, Scheduler, Secrets Manager and
 * SQS and never sent them a request, and all of Lambda's ~80 commands to send five. Here each of the project's
 * imports of clients and commands from `@aws-sdk/client-*` or lib-dynamodb (static, or an `await import()` that
 * names what it takes) is a stand-in that loads that class's own module (`dist-es/SQSClient.js`,
 * `dist-es/commands/GetAliasCommand.js`) when it is first constructed, called or read (`new SQSClient(…)`,
 * `DynamoDBDocumentClient.from(…)`): the same classes, later. Any other name is imported from the package as
 * before. No package's whole index is then in the bundle, whose every module a command's start defines and whose
 * code cache it reads (test/unit/build-cli-bundle.test.ts). The functions' own bundles (scripts/build.ts) are ES
 * modules that esbuild tree-shakes, and are built without this.
 *
 * lib-dynamodb's own imports of client-dynamodb get the same stand-ins: its document client and each of its
 * commands import their DynamoDB counterpart from the package's index, which initialised all of DynamoDB's ~60
 * commands, its waiters and paginators for the two or three an audit write or read sends.
 */
const LAZY_SDK_PACKAGE = /^@aws-sdk\/(client-[\w-]+|lib-dynamodb)$/;

/** Packages of node_modules whose imports of SDK clients are made lazy too, and the client each imports. */
const LAZY_SDK_IMPORTERS: Record<string, string> = {
  'node_modules/@aws-sdk/lib-dynamodb/': '@aws-sdk/client-dynamodb',
};

/** Whether `importer` (relative to the project) imports `pkg` through the stand-ins. */
function importsLazily(importer: string, pkg: string): boolean {
  if (importer.startsWith('..')) return false;
  if (!importer.includes('node_modules/')) return true;
  return Object.entries(LAZY_SDK_IMPORTERS).some(
    ([prefix, client]) => importer.startsWith(prefix) && pkg === client,
  );
}

/** The value names `importer` imports from `pkg` with `import { … } from` (`type` names are no values). */
function importedNames(importer: string, pkg: string): string[] {
  const statements = readFileSync(join(projectRoot, importer), 'utf8').matchAll(
    /import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g,
  );
  return [...statements]
    .filter((match) => match[2] === pkg)
    .flatMap((match) => (match[1] as string).split(','))
    .map((item) => item.trim().split(/\s+as\s+/)[0] as string)
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
}

/**
 * The names `importer` takes from `pkg` with `const { … } = await import('pkg')`; undefined when any import()
 * of `pkg` there takes it whole (`const sdk = await import(…)`), whose names cannot be known here.
 */
function dynamicallyImportedNames(importer: string, pkg: string): string[] | undefined {
  const text = readFileSync(join(projectRoot, importer), 'utf8');
  const quoted = pkg.replace(/[/.-]/g, (char) => `\\${char}`);
  const all = [...text.matchAll(new RegExp(`import\\(\\s*['"]${quoted}['"]\\s*\\)`, 'g'))].length;
  const destructured = [
    ...text.matchAll(
      new RegExp(`const\\s*\\{([^}]*)\\}\\s*=\\s*await\\s+import\\(\\s*['"]${quoted}['"]\\s*\\)`, 'g'),
    ),
  ];
  if (all === 0 || destructured.length !== all) return undefined;
  return destructured
    .flatMap((match) => (match[1] as string).split(','))
    .map((item) => item.trim().split(':')[0]?.trim() as string)
    .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
}

/** The module of the package that defines class `name`, when it has one of its own. */
function moduleOf(pkg: string, name: string): string | undefined {
  if (!/(Client|Command)$/.test(name)) return undefined;
  return [`dist-es/${name}.js`, `dist-es/commands/${name}.js`]
    .map((file) => `${pkg}/${file}`)
    .find((path) => existsSync(join(projectRoot, 'node_modules', path)));
}

const lazySdkImports: Plugin = {
  name: 'runbook-lazy-sdk-imports',
  setup(build) {
    build.onResolve({ filter: LAZY_SDK_PACKAGE }, (args) => {
      const importer = relative(projectRoot, args.importer).split(sep).join('/');
      if (!importsLazily(importer, args.path)) return undefined;
      if (args.kind === 'import-statement')
        return { path: `${args.path}?from=${importer}`, namespace: 'runbook-lazy-sdk' };
      // `const { LambdaClient } = await import('@aws-sdk/client-lambda')` (a command's rarer door): the same
      // stand-ins, else the whole package, every command of it, would be in the CLI's bundle and loaded there.
      if (args.kind === 'dynamic-import' && dynamicallyImportedNames(importer, args.path))
        return { path: `${args.path}?from=${importer}&dynamic`, namespace: 'runbook-lazy-sdk' };
      return undefined;
    });
    build.onLoad({ filter: /.*/, namespace: 'runbook-lazy-sdk' }, (args) => {
      const dynamic = args.path.endsWith('&dynamic');
      const [pkg, importer] = args.path.replace(/&dynamic$/, '').split('?from=') as [string, string];
      const names = dynamic ? (dynamicallyImportedNames(importer, pkg) ?? []) : importedNames(importer, pkg);
      const lines = names.flatMap((name) => {
        const module = moduleOf(pkg, name);
        if (!module) return [`export { ${name} } from ${JSON.stringify(pkg)};`];
        return [
          `let ${name}$loaded;`,
          `const ${name}$load = () => (${name}$loaded ??= require(${JSON.stringify(module)}).${name});`,
          `export const ${name} = new Proxy(function ${name}() {}, {`,
          // A subclass's constructor passes its own newTarget: kept, so `class X extends …` stays an X.
          `  construct: (_target, args, newTarget) => Reflect.construct(${name}$load(), args, newTarget === ${name} ? ${name}$load() : newTarget),`,
          `  apply: (_target, self, args) => Reflect.apply(${name}$load(), self, args),`,
          `  get: (_target, key) => ${name}$load()[key],`,
          '});',
        ];
      });
      return { contents: lines.join('\n'), resolveDir: projectRoot, loader: 'js' };
    });
  },
};

/**
 * Node built-ins that a module loads at its top level for a path a command rarely or never takes, each loaded
 * on its first use instead: child_process (with dgram, which it loads) for commander's executable subcommands,
 * which the CLI has none of, and for local/moto.ts's start of moto, which only `runbook emulator` and
 * `--emulator` runs take; node:stream/web for middy's streamed responses, which no handler of the project
 * gives; and readline for a confirmation question, which a run with `--yes` or `--dry-run`, or with no
 * terminal, never asks. Together ~5 ms of every local command's start-up. Keyed by built-in, the modules (paths
 * from the project's root; a folder ends in /) whose imports of it are lazy: what they use of it is unchanged,
 * only loaded later.
 */
const LAZY_BUILTINS: Record<string, readonly string[]> = {
  'node:child_process': ['node_modules/commander/', 'local/moto.ts'],
  'node:stream/web': ['node_modules/@middy/core/'],
  'node:readline/promises': ['cli/prompt.ts'],
};

const lazyBuiltins: Plugin = {
  name: 'runbook-lazy-builtins',
  setup(build) {
    const names = Object.keys(LAZY_BUILTINS).map((name) => name.replace(/[/]/g, '\\/'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => {
      const importer = relative(projectRoot, args.importer).split(sep).join('/');
      const lazy = LAZY_BUILTINS[args.path]?.some((prefix) =>
        prefix.endsWith('/') ? importer.startsWith(prefix) : importer === prefix,
      );
      if (!lazy) return undefined;
      // require() gets an object reading the built-in's members on use; import { … } a stand-in per name.
      return { path: `${args.path}?from=${importer}&kind=${args.kind}`, namespace: 'runbook-lazy-builtin' };
    });
    build.onLoad({ filter: /.*/, namespace: 'runbook-lazy-builtin' }, (args) => {
      const [builtin, query] = args.path.split('?from=') as [string, string];
      const [importer, kind] = query.split('&kind=') as [string, string];
      const load = `let loaded; const load = () => (loaded ??= require(${JSON.stringify(builtin)}));`;
      if (kind === 'require-call')
        return {
          contents: `${load}\nmodule.exports = new Proxy({}, { get: (_target, key) => load()[key] });`,
          loader: 'js',
        };
      const lines = importedNames(importer, builtin).map((name) =>
        [
          `export const ${name} = new Proxy(function ${name}() {}, {`,
          `  construct: (_target, args, newTarget) => Reflect.construct(load().${name}, args, newTarget === ${name} ? load().${name} : newTarget),`,
          `  apply: (_target, self, args) => Reflect.apply(load().${name}, self, args),`,
          `  get: (_target, key) => load().${name}[key],`,
          '});',
        ].join('\n'),
      );
      return { contents: [load, ...lines].join('\n'), loader: 'js' };
    });
  },
};

/**
 * Identifiers minified (the code-cached bundles): V8's code cache holds every name a command's code declares,
 * and deserialising the shorter ones is ~7% of a dry run's start-up (bench/cli-startup.ts). A class's `name`
 * comes from its identifier, though, and code reads it: shared/errors.ts names each RunbookError by its class,
 * the SDK tells its no-op logger by `constructor.name` and matches exceptions by their class's name, commander
 * names its errors so. esbuild's own keepNames keeps every function's name too, at a cost that undoes the gain;
 * here each class declared at the top level of a module is given back its own name at the end of that module,
 * unless it chose another (`static name = …`, a writable property). What a class's name is stays what it was.
 */
const TOP_LEVEL_CLASS = /^(?:export\s+(?:default\s+)?)?(?:abstract\s+)?class\s+([A-Za-z_$][\w$]*)/gm;

/** `source` with a line at its end giving each class declared at its top level back its own name. */
export function classNamesKept(source: string): string {
  const names = [...new Set([...source.matchAll(TOP_LEVEL_CLASS)].map((match) => match[1] as string))];
  if (names.length === 0) return source;
  const lines = names.map(
    (name) =>
      // typeof: a class at the start of a line may yet be inside a block, out of scope here.
      `if (typeof ${name} === "function" && Object.getOwnPropertyDescriptor(${name}, "name")?.writable === false) Object.defineProperty(${name}, "name", { value: ${JSON.stringify(name)} });`,
  );
  return `${source}\n;${lines.join('\n')}\n`;
}

export const keepClassNames: Plugin = {
  name: 'runbook-keep-class-names',
  setup(build) {
    build.onLoad({ filter: /\.(?:[cm]?js|ts)$/, namespace: 'file' }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const kept = classNamesKept(source);
      if (kept === source) return undefined;
      return { contents: kept, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
    });
  },
};

/** What every build of the CLI shares: one entry written here (stdin), bundled for node, quiet unless it warns. */
const COMMON = {
  metafile: true,
  absWorkingDir: projectRoot,
  bundle: true,
  platform: 'node',
  target: ['es2023', 'node20'],
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

/** A build's entry: TypeScript written by this script, resolved from the project. */
const entry = (contents: string, sourcefile: string) => ({
  contents,
  resolveDir: projectRoot,
  sourcefile,
  loader: 'ts' as const,
});

/** `outDir` must stay inside the project: the bundle finds template.yaml by walking up from itself. */
export async function buildCli(outDir = cliOutDir): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  const main = await build({
    ...COMMON,
    stdin: entry(cliEntry(), 'runbook.ts'),
    splitting: true,
    format: 'esm',
    outdir: outDir,
    entryNames: 'runbook',
    chunkNames: 'chunks/[name]-[hash]',
    outExtension: { '.js': '.mjs' },
    // The SDK's ES modules; see scripts/build.ts.
    mainFields: ['module', 'main'],
    // Some CommonJS dependencies call require(); an ES module bundle must define it. Node's own
    // "support for Node 20 ends" notice from the SDK is handled by cli/quiet.ts.
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __runbookRequire } from 'node:module'; const require = __runbookRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    plugins: [tracerOff],
  });
  const help = await build({
    ...COMMON,
    stdin: entry("import './cli/main.ts';", HELP_BUNDLE.replace(/\.cjs$/, '.ts')),
    format: 'cjs',
    outfile: join(outDir, HELP_BUNDLE),
    mainFields: ['module', 'main'],
    // As the code-cached bundle's (buildCached): one CommonJS file, import() a lazy require().
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__runbookImportMetaUrl' },
    banner: { js: "var __runbookImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    plugins: [tracerOff, lazyBuiltins, handOverCommands()],
  });
  const cachedInputs = (
    await Promise.all(
      [undefined, ...Object.keys(COMMAND_BUNDLES)].map((command) => buildCached(outDir, command)),
    )
  ).flat();
  const bin = join(outDir, 'runbook.cjs');
  const launcher = await build({
    ...COMMON,
    stdin: entry(launcherEntry(), 'runbook-launcher.ts'),
    format: 'cjs',
    outfile: bin,
    // The ES module build and the help bundle beside it, loaded as they are (a real import(), which CommonJS
    // keeps, and a require()).
    external: ['./runbook.mjs', `./${HELP_BUNDLE}`],
    banner: { js: '#!/usr/bin/env node' },
  });
  await Promise.all([chmod(bin, 0o755), chmod(join(outDir, 'runbook.mjs'), 0o755)]);
  // Last, so that it exists only for a whole build: what the build read, for buildIsFresh.
  // Less the entries, written by this script from stdin (`sourcefile`), which are no files of their own.
  const inputs = new Set(
    [
      ...Object.keys(main.metafile.inputs),
      ...Object.keys(launcher.metafile.inputs),
      ...Object.keys(help.metafile.inputs),
      ...cachedInputs,
      ...BUILD_INPUTS,
    ].filter((input) => !STDIN_ENTRIES.includes(input)),
  );
  writeFileSync(join(outDir, INPUTS_FILE), `${JSON.stringify([...inputs].sort())}\n`);
  return bin;
}

const INPUTS_FILE = 'inputs.json';
const STDIN_ENTRIES = [
  'runbook.ts',
  HELP_BUNDLE.replace(/\.cjs$/, '.ts'),
  'runbook-launcher.ts',
  ...[undefined, ...Object.keys(COMMAND_BUNDLES)].map((command) =>
    bundleFiles(command).bundle.replace(/\.cjs$/, '.ts'),
  ),
];
/** Read by the build itself rather than bundled: the build script, template.yaml (parsed into the bundle), the lockfile. */
const BUILD_INPUTS = ['scripts/build-cli.ts', 'template.yaml', 'package-lock.json'];

/**
 * Whether the CLI in `outDir` was built from the files as they are now: every file the last whole build read
 * (esbuild's inputs, and BUILD_INPUTS) exists and is older than the build's list of them. The test run uses it
 * to skip rebuilding what `npm ci` (prepare) has just built; an edited, added-to or deleted input rebuilds.
 */
export function buildIsFresh(outDir = cliOutDir, root = projectRoot): boolean {
  let builtAt: number;
  let inputs: string[];
  try {
    builtAt = statSync(join(outDir, INPUTS_FILE)).mtimeMs;
    inputs = JSON.parse(readFileSync(join(outDir, INPUTS_FILE), 'utf8')) as string[];
  } catch {
    return false;
  }
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  return inputs.every((input) => {
    try {
      return statSync(join(root, input)).mtimeMs < builtAt;
    } catch {
      return false;
    }
  });
}

/**
 * The whole CLI again as one CommonJS file, and V8's code cache for it (cli/code-cache.ts says why). One file:
 * CommonJS has no code splitting, and vm.Script, which takes a code cache in Node 20, runs scripts, not modules.
 */
async function buildCached(outDir: string, command?: string): Promise<string[]> {
  const files = bundleFiles(command);
  const file = join(outDir, files.bundle);
  const only = command ? COMMAND_BUNDLES[command] : undefined;
  const cached = await build({
    ...COMMON,
    stdin: entry(cachedEntry(only?.handlers), files.bundle.replace(/\.cjs$/, '.ts')),
    format: 'cjs',
    outfile: file,
    mainFields: ['module', 'main'],
    // import() becomes require(): V8 drops a script's dynamic-import callback when it comes from a code cache
    // ("A dynamic import callback was not specified"), and every module is in the bundle anyway.
    supported: { 'dynamic-import': false },
    // local/template.ts finds the project from its own URL.
    define: { 'import.meta.url': '__runbookImportMetaUrl' },
    banner: { js: "var __runbookImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    // ASCII only (esbuild's default, said here because cli/code-cache.ts reads it faster so).
    charset: 'ascii',
    // Less text to read, hash and deserialise at each start; identifiers minified, class names kept (keepClassNames).
    minifyWhitespace: true,
    minifySyntax: true,
    minifyIdentifiers: true,
    sourcemap: 'linked',
    plugins: [
      tracerOff,
      lazySdkImports,
      lazyBuiltins,
      ...(only ? [onlyCommand(only.module)] : []),
      keepClassNames,
    ],
  });
  // The cache is made by a plain node, as the CLI runs (no TypeScript loader, no NODE_OPTIONS), which evaluates
  // the bundle's top level and writes the code V8 compiled meanwhile. Not the commands and handlers: each
  // command's first run writes its own cache, and a cache holding every command would only make those bigger
  // (cli/code-cache.ts).
  const { NODE_OPTIONS: _options, ...env } = process.env;
  const warmed = spawnSync(process.execPath, ['-e', WARM_SCRIPT, file, join(outDir, files.cache)], {
    cwd: projectRoot,
    env: { ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (warmed.status !== 0) throw new Error(`building the CLI's code cache failed: ${warmed.stderr}`);
  const meta: CodeCacheMeta = { bundleSha256: sha256(readFileSync(file)) };
  writeFileSync(join(outDir, files.meta), `${JSON.stringify(meta)}\n`);
  return Object.keys(cached.metafile.inputs);
}

/** Run by `node -e` with the bundle and the cache file as arguments; the wrapper is cli/code-cache.ts's. */
const WARM_SCRIPT = `
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const [file, cacheFile] = process.argv.slice(1);
const script = new Script(${JSON.stringify(WRAPPER[0])} + readFileSync(file, 'utf8') + ${JSON.stringify(WRAPPER[1])}, { filename: file });
const module = { exports: {} };
script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
writeFileSync(cacheFile + '.tmp', script.createCachedData());
renameSync(cacheFile + '.tmp', cacheFile);
`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildCli();
  process.stderr.write(`runbook CLI built: ${relative(projectRoot, out)}\n`);
}
