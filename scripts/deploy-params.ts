// Prints the --parameter-overrides for `sam deploy --config-env ENV` with this build's identity filled in.
// `--parameter-overrides` on the command line replaces samconfig.toml's list instead of merging with it, so
// the pipeline starts from the environment's own list and swaps in GitSha, BuildId and DeployTime: the
// per-environment settings stay in one place, samconfig.toml.
// Usage: tsx scripts/deploy-params.ts --config-env prod --git-sha SHA --build-id ID [--deploy-time ISO]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../local/template.js';

/** `parameter_overrides` of `[ENV.deploy.parameters]` in samconfig.toml, as ordered key/value pairs. */
export function samconfigOverrides(toml: string, configEnv: string): [string, string][] {
  const header = `[${configEnv}.deploy.parameters]`;
  const lines = toml.split('\n');
  const start = lines.findIndex((line) => line.trim() === header);
  if (start < 0) throw new Error(`samconfig.toml has no ${header} table`);
  for (const line of lines.slice(start + 1)) {
    if (line.trim().startsWith('[')) break;
    const match = /^\s*parameter_overrides\s*=\s*"(.*)"\s*$/.exec(line);
    if (!match) continue;
    return (match[1] as string)
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new Error(`samconfig.toml ${header}: "${pair}" is not Key=Value`);
        return [pair.slice(0, eq), pair.slice(eq + 1)];
      });
  }
  throw new Error(`samconfig.toml ${header} has no parameter_overrides`);
}

const SHA = /^[0-9a-f]{40}$/;
const BUILD_ID = /^[\w.-]{1,64}$/;

export function deployOverrides(
  toml: string,
  build: { configEnv: string; gitSha: string; buildId: string; deployTime: string },
): string {
  if (!SHA.test(build.gitSha))
    throw new Error(`--git-sha must be a full 40-hex commit sha, got "${build.gitSha}"`);
  if (!BUILD_ID.test(build.buildId))
    throw new Error(`--build-id must match ${BUILD_ID}, got "${build.buildId}"`);
  if (Number.isNaN(Date.parse(build.deployTime)))
    throw new Error(`--deploy-time must be an ISO-8601 time, got "${build.deployTime}"`);
  const values = new Map(samconfigOverrides(toml, build.configEnv));
  values.set('GitSha', build.gitSha);
  values.set('BuildId', build.buildId);
  values.set('DeployTime', build.deployTime);
  return [...values].map(([key, value]) => `${key}=${value}`).join(' ');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      'config-env': { type: 'string' },
      'git-sha': { type: 'string' },
      'build-id': { type: 'string' },
      'deploy-time': { type: 'string', default: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') },
    },
  });
  try {
    if (!values['config-env']) throw new Error('--config-env is required');
    console.log(
      deployOverrides(readFileSync(join(projectRoot, 'samconfig.toml'), 'utf8'), {
        configEnv: values['config-env'],
        gitSha: values['git-sha'] ?? '',
        buildId: values['build-id'] ?? '',
        deployTime: values['deploy-time'],
      }),
    );
  } catch (error) {
    console.error(`deploy-params: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
