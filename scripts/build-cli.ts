// Compiles the `runbook` command into dist/cli/runbook.mjs (the package's `bin`), so it starts without a
// TypeScript loader: `npm ci` runs it (the `prepare` script), and `npm link` or `npm install -g .` in a
// clone puts `runbook` on the PATH.
//
// Every handler of template.yaml is bundled in, keyed by its entry point (local/bundled-handlers.ts), because
// the CLI runs them in-process; so is template.yaml as parsed at build time (local/prebuilt-template.ts), used
// while the file is unchanged. Each command and each handler is its own chunk (code splitting), loaded when
// used: `runbook --help` reads commander and the help, not the AWS SDK.
// Usage: npm run build:cli
import { readFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import {
  listFunctions,
  parseTemplate,
  projectRoot,
  templatePath,
  templateSha256,
} from '../local/template.js';

export const cliOutDir = join(projectRoot, 'dist', 'cli');
export const cliBin = join(cliOutDir, 'runbook.mjs');

/**
 * The bundle's entry: register the handlers and template.yaml as parsed now (local/prebuilt-template.ts),
 * then run cli/main.ts.
 */
export function cliEntry(): string {
  const text = readFileSync(templatePath, 'utf8');
  const template = parseTemplate(text);
  const functions = listFunctions(template).filter((spec) => spec.entryPoint.endsWith('.ts'));
  const lines = functions.map(
    (spec) =>
      `  ${JSON.stringify(spec.entryPoint)}: () => import(${JSON.stringify(`./${spec.entryPoint}`)}),`,
  );
  const prebuilt = { sha256: templateSha256(text), json: JSON.stringify(template) };
  return [
    "import { useBundledHandlers } from './local/bundled-handlers.ts';",
    "import { usePrebuiltTemplate } from './local/prebuilt-template.ts';",
    `useBundledHandlers({\n${lines.join('\n')}\n});`,
    `usePrebuiltTemplate(${JSON.stringify(prebuilt)});`,
    "await import('./cli/main.ts');",
  ].join('\n');
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

/** `outDir` must stay inside the project: the bundle finds template.yaml by walking up from itself. */
export async function buildCli(outDir = cliOutDir): Promise<string> {
  await rm(outDir, { recursive: true, force: true });
  await build({
    stdin: { contents: cliEntry(), resolveDir: projectRoot, sourcefile: 'runbook.ts', loader: 'ts' },
    absWorkingDir: projectRoot,
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: ['es2023', 'node20'],
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
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [tracerOff],
  });
  const bin = join(outDir, 'runbook.mjs');
  await chmod(bin, 0o755);
  return bin;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = await buildCli();
  process.stderr.write(`runbook CLI built: ${relative(projectRoot, out)}\n`);
}
