// The bundles the sections measure, built once per `npm run bench` and shared between sections.
// Both live under dist/ so that the unbundled build's bare imports resolve to the project's node_modules.
import { type BuiltFunction, buildFunctions } from '../scripts/build.js';

let bundledBuild: Promise<BuiltFunction[]> | undefined;
let unbundledBuild: Promise<BuiltFunction[]> | undefined;

/** What `npm run build` ships: dependencies bundled, minified. */
export function bundled(): Promise<BuiltFunction[]> {
  bundledBuild ??= buildFunctions({ outDir: 'dist/.bench/bundled' });
  return bundledBuild;
}

/** The same source with every package left to node_modules, unminified: the "no bundler" baseline. */
export function unbundled(): Promise<BuiltFunction[]> {
  unbundledBuild ??= buildFunctions({
    outDir: 'dist/.bench/unbundled',
    minify: false,
    bundleDependencies: false,
  });
  return unbundledBuild;
}
