// Build metadata: deploy parameters (GIT_SHA, BUILD_ID, DEPLOYED_AT from `sam deploy --parameter-overrides`)
// win; values defined at bundle time by scripts/build.ts fill in; `unknown` otherwise.
import pkg from '../package.json' with { type: 'json' };

declare const __BUNDLE_GIT_SHA__: string | undefined;
declare const __BUNDLE_BUILD_ID__: string | undefined;
declare const __BUNDLE_BUILT_AT__: string | undefined;

export interface BuildInfo {
  service: string;
  version: string;
  gitSha: string;
  buildId: string;
  builtAt: string;
  deployedAt: string;
  environment: string;
}

const known = (value: string | undefined): string | undefined =>
  value === undefined || value === '' || value === 'unknown' ? undefined : value;

export function buildInfo(env: NodeJS.ProcessEnv = process.env): BuildInfo {
  const bundleSha = typeof __BUNDLE_GIT_SHA__ === 'string' ? __BUNDLE_GIT_SHA__ : undefined;
  const bundleId = typeof __BUNDLE_BUILD_ID__ === 'string' ? __BUNDLE_BUILD_ID__ : undefined;
  const builtAt = typeof __BUNDLE_BUILT_AT__ === 'string' ? __BUNDLE_BUILT_AT__ : undefined;
  return {
    service: env.POWERTOOLS_SERVICE_NAME ?? pkg.name,
    version: pkg.version,
    gitSha: known(env.GIT_SHA) ?? known(bundleSha) ?? 'unknown',
    buildId: known(env.BUILD_ID) ?? known(bundleId) ?? 'unknown',
    builtAt: builtAt ?? 'unknown',
    deployedAt: known(env.DEPLOYED_AT) ?? 'unknown',
    environment: env.RUNBOOK_ENV ?? 'unknown',
  };
}
