// Cold start, the part we control: how long importing a function's module takes in a fresh node process,
// for the shipped bundle and for the same code loaded from node_modules. Each figure is the median over
// `runs` processes; bundled and unbundled runs alternate so drift in machine load hits both alike.
// Figures are printed, never asserted: timing belongs to benchmarks, not tests.
import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import {
  type FunctionSpec,
  findFunction,
  loadTemplate,
  parameterValues,
  type ResolveContext,
  resolveEnvironment,
  type Template,
} from '../local/template.js';
import { BUNDLE_LIMIT_BYTES, type BuiltFunction, kib, printTable } from '../scripts/build.js';
import { bundled, unbundled } from './bundles.js';
import { type BenchSection, median } from './section.js';

const run = promisify(execFile);

/** How much faster the bundle must initialise than node_modules to hold the project target. */
const TARGET_SPEEDUP = 2;

// Imports the module as the Lambda Node.js runtime does (a dynamic import of the handler file) and
// reports the time taken, or the error that made the import throw.
const probe = `
const [url, exportName] = process.argv.slice(1);
const t0 = performance.now();
let mod;
try {
  mod = await import(url);
} catch (error) {
  console.error(error?.stack ?? String(error));
  process.exit(2);
}
const ms = performance.now() - t0;
if (typeof mod[exportName] !== 'function') {
  console.error(\`export \${exportName} is \${typeof mod[exportName]}, not a function\`);
  process.exit(3);
}
console.log(\`init_ms=\${ms}\`);
`;

const region = 'us-east-1';

/**
 * The environment a function's module initialises in on Lambda: the variables template.yaml gives it
 * (references stand in for physical ids; none is read at load), and those the runtime defines
 * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
 * AWS_EXECUTION_ENV matters: without it Powertools Tracer disables itself and skips the work it does at
 * init in Lambda (patching http, https and fetch). No credentials and no AWS_ENDPOINT_URL: loading a
 * module must not call anything. NODE_OPTIONS is left to the caller.
 */
export function lambdaEnvironment(
  template: Template,
  spec: FunctionSpec,
  bundleFile: string,
): NodeJS.ProcessEnv {
  const stackName = 'bench';
  const ctx: ResolveContext = {
    template,
    parameters: parameterValues(template),
    stackName,
    region,
    accountId: '123456789012',
    resources: Object.fromEntries(
      Object.keys(template.Resources).map((logicalId) => [logicalId, { ref: `${stackName}-${logicalId}` }]),
    ),
  };
  const { NODE_OPTIONS: _nodeOptions, ...variables } = resolveEnvironment(ctx, spec).variables;
  return {
    ...variables,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${spec.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: `${stackName}-${spec.logicalId}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: dirname(bundleFile),
    _HANDLER: spec.handler,
    TZ: ':UTC',
    NODE_NO_WARNINGS: '1',
  };
}

type Sample = { ms: number } | { error: string };

async function importOnce(file: string, exportName: string, env: NodeJS.ProcessEnv): Promise<Sample> {
  try {
    const { stdout } = await run(
      process.execPath,
      ['--input-type=module', '-e', probe, pathToFileURL(file).href, exportName],
      { env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const match = /^init_ms=([\d.]+)$/m.exec(stdout);
    return match ? { ms: Number(match[1]) } : { error: `no timing in output: ${stdout.slice(0, 500)}` };
  } catch (error) {
    const failed = error as { stderr?: string; message?: string };
    return { error: (failed.stderr || failed.message || String(error)).trim() };
  }
}

interface Variant {
  label: string;
  build: BuiltFunction;
  nodeOptions?: string;
  samples: number[];
  error?: string;
}

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '-' : value.toFixed(1);

export const coldStart: BenchSection = {
  name: 'cold-start',
  description: 'bundle size and module initialisation time: bundled vs loaded from node_modules',
  async run({ runs, small }) {
    const template = loadTemplate();
    const [shipped, baseline] = await Promise.all([bundled(small), unbundled(small)]);
    const results = [];

    for (const build of shipped) {
      const spec = findFunction(template, build.logicalId);
      const plain = baseline.find((fn) => fn.logicalId === build.logicalId) as BuiltFunction;
      const variants: Variant[] = [
        { label: 'bundled', build, samples: [] },
        { label: 'unbundled', build: plain, samples: [] },
        // What Lambda runs: the template sets NODE_OPTIONS=--enable-source-maps, which makes node read
        // the bundle's source map as the module loads.
        { label: 'bundled+maps', build, nodeOptions: '--enable-source-maps', samples: [] },
      ];
      for (let i = 0; i < runs; i += 1) {
        for (const variant of variants) {
          if (variant.error) continue;
          const env = {
            ...lambdaEnvironment(template, spec, variant.build.outFile),
            ...(variant.nodeOptions ? { NODE_OPTIONS: variant.nodeOptions } : {}),
          };
          const sample = await importOnce(variant.build.outFile, spec.exportName, env);
          if ('error' in sample) variant.error = sample.error;
          else variant.samples.push(sample.ms);
        }
      }

      const [bundledRun, unbundledRun, mapsRun] = variants as [Variant, Variant, Variant];
      for (const variant of variants) {
        if (variant.error)
          console.error(`\n${build.logicalId} (${variant.label}) threw at load:\n${variant.error}\n`);
      }
      const bundledMs = bundledRun.error ? Number.NaN : median(bundledRun.samples);
      const unbundledMs = unbundledRun.error ? Number.NaN : median(unbundledRun.samples);
      const mapsMs = mapsRun.error ? Number.NaN : median(mapsRun.samples);
      const speedup = unbundledMs / bundledMs;
      results.push({
        logicalId: build.logicalId,
        bundleBytes: build.bytes,
        mapBytes: build.mapBytes,
        unbundledBytes: plain.bytes,
        initMs: {
          bundled: bundledMs,
          unbundled: unbundledMs,
          bundledWithSourceMaps: mapsMs,
        },
        minMs: {
          bundled: Math.min(...bundledRun.samples),
          unbundled: Math.min(...unbundledRun.samples),
          bundledWithSourceMaps: Math.min(...mapsRun.samples),
        },
        speedup,
        errors: Object.fromEntries(variants.filter((v) => v.error).map((v) => [v.label, v.error as string])),
        targets: {
          bundleUnderLimit: build.bytes < BUNDLE_LIMIT_BYTES,
          initAtLeastTwiceFaster: speedup >= TARGET_SPEEDUP,
        },
      });
    }

    console.log(`median module init over ${runs} fresh node ${process.version} processes (ms)\n`);
    const yesNo = (ok: boolean, known = true): string => (!known ? '?' : ok ? 'yes' : 'NO');
    printTable(
      ['function', 'bundle KB', 'map KB', 'bundled', 'unbundled', 'ratio', '+maps', '<1.5MB', '>=2x'],
      results.map((r) => [
        r.logicalId,
        kib(r.bundleBytes),
        kib(r.mapBytes),
        ms(r.initMs.bundled),
        ms(r.initMs.unbundled),
        Number.isNaN(r.speedup) ? '-' : `${r.speedup.toFixed(2)}x`,
        ms(r.initMs.bundledWithSourceMaps),
        yesNo(r.targets.bundleUnderLimit),
        yesNo(r.targets.initAtLeastTwiceFaster, !Number.isNaN(r.speedup)),
      ]),
      'lrrrrrrll',
    );
    console.log(
      '\nratio = unbundled / bundled; +maps = bundled with NODE_OPTIONS=--enable-source-maps, as deployed.',
    );
    // Times to 0.01 ms; NaN (a variant that threw) is not JSON, so null says "not measured".
    const tidy = (_key: string, value: unknown) =>
      typeof value === 'number' ? (Number.isFinite(value) ? Math.round(value * 100) / 100 : null) : value;
    return JSON.parse(JSON.stringify(results, tidy));
  },
};
