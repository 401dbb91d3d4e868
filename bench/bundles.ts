// The bundles the sections measure, built once per `npm run bench` and shared between sections.
// Both live under dist/ so that the unbundled build's bare imports resolve to the project's node_modules.
import { type BuiltFunction, buildFunctions } from '../scripts/build.js';

/** What `--small` builds: two functions, enough for every step of the sections that read bundles. */
const SMALL_SET = ['HealthFunction', 'RollbackFunction'];

const builds = new Map<string, Promise<BuiltFunction[]>>();

function once(key: string, build: () => Promise<BuiltFunction[]>): Promise<BuiltFunction[]> {
  let built = builds.get(key);
  if (!built) {
    built = build();
    builds.set(key, built);
  }
  return built;
}

/** What `npm run build` ships: dependencies bundled, minified. */
export function bundled(small = false): Promise<BuiltFunction[]> {
  return once(`bundled${small}`, () =>
    buildFunctions({ outDir: 'dist/.bench/bundled', ...(small ? { only: SMALL_SET } : {}) }),
  );
}

/** The same source with every package left to node_modules, unminified: the "no bundler" baseline. */
export function unbundled(small = false): Promise<BuiltFunction[]> {
  return once(`unbundled${small}`, () =>
    buildFunctions({
      outDir: 'dist/.bench/unbundled',
      minify: false,
      bundleDependencies: false,
      ...(small ? { only: SMALL_SET } : {}),
    }),
  );
}
