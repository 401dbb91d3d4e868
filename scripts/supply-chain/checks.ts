// The offline supply-chain gate, one function per check. Each answers passed, failed (the build must stop)
// or unavailable (could not be run here, said plainly; the gate fails on it unless --allow-offline).
// scripts/supply-chain.ts runs them all.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { projectRoot } from '../../local/template.js';
import { readAudit } from './npm-audit.js';
import { checkWorkflow } from './pins.js';
import { run } from './run.js';

export interface CheckResult {
  status: 'passed' | 'failed' | 'unavailable';
  summary: string;
  details?: string[];
}

const bin = (name: string) => join(projectRoot, 'node_modules', '.bin', name);

/** CycloneDX JSON of every installed package (from the lockfile's tree), written to `out`. */
export async function sbom(root: string, out: string): Promise<CheckResult> {
  await mkdir(dirname(out), { recursive: true });
  const ran = await run(
    bin('cyclonedx-npm'),
    ['--output-file', out, '--output-format', 'JSON', '--spec-version', '1.6', '--output-reproducible'],
    { cwd: root },
  );
  if (ran.exitCode !== 0)
    return { status: 'failed', summary: 'cyclonedx-npm failed', details: [ran.stderr.trim()] };
  const bom = JSON.parse(await readFile(out, 'utf8')) as {
    bomFormat?: string;
    specVersion?: string;
    components?: unknown[];
  };
  if (bom.bomFormat !== 'CycloneDX' || !Array.isArray(bom.components) || bom.components.length === 0)
    return { status: 'failed', summary: `${out} is not a CycloneDX SBOM with components` };
  return {
    status: 'passed',
    summary: `CycloneDX ${bom.specVersion} with ${bom.components.length} components → ${relative(root, out)}`,
  };
}

/** `npm audit` at the high level; an endpoint that cannot be reached is `unavailable`, said plainly. */
export async function dependencyAudit(root: string): Promise<CheckResult> {
  // No retries and a short timeout: an offline machine should hear "unreachable" in seconds, not minutes.
  const ran = await run(
    'npm',
    ['audit', '--json', '--audit-level=high', '--fetch-retries=0', '--fetch-timeout=15000'],
    { cwd: root, env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const verdict = readAudit(ran.stdout);
  if (verdict.status === 'unavailable') {
    return {
      status: 'unavailable',
      summary: `the registry's audit endpoint could not be reached, so dependencies were NOT audited (${verdict.reason})`,
    };
  }
  const counts = Object.entries(verdict.counts)
    .filter(([, n]) => n > 0)
    .map(([level, n]) => `${n} ${level}`)
    .join(', ');
  return verdict.status === 'failed'
    ? { status: 'failed', summary: `high or critical advisories: ${counts}`, details: verdict.packages }
    : { status: 'passed', summary: counts ? `nothing high or critical (${counts})` : 'no known advisories' };
}

/** The files a secret scan covers: tracked plus untracked-but-not-ignored in a git tree, else every file. */
export async function filesToScan(root: string): Promise<string[] | undefined> {
  const ran = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
  }).catch(() => undefined);
  if (ran?.exitCode !== 0) return undefined;
  return ran.stdout.split('\0').filter(Boolean);
}

/** secretlint with its recommended rules (AWS keys, private keys, tokens of common services…). */
export async function secretScan(root: string): Promise<CheckResult> {
  const files = (await filesToScan(root)) ?? ['**/*'];
  const ran = await run(
    bin('secretlint'),
    [
      '--secretlintrc',
      join(projectRoot, '.secretlintrc.json'),
      '--maskSecrets',
      '--format',
      'unix',
      ...files,
    ],
    { cwd: root },
  );
  const findings = ran.stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\d+ problems?/.test(line));
  if (ran.exitCode === 0)
    return {
      status: 'passed',
      summary: `no secrets in ${files.length === 1 ? 'the tree' : `${files.length} files`}`,
    };
  return {
    status: 'failed',
    summary: `secretlint found ${findings.length} secret${findings.length === 1 ? '' : 's'}`,
    details: findings.length > 0 ? findings : [ran.stderr.trim()],
  };
}

export async function iacLint(root: string): Promise<CheckResult> {
  const ran = await run('cfn-lint', ['template.yaml'], {
    cwd: root,
    install: 'pip install cfn-lint (it bundles the SAM translator and runs offline)',
  });
  const output = `${ran.stdout}${ran.stderr}`.trim();
  return ran.exitCode === 0
    ? { status: 'passed', summary: 'cfn-lint template.yaml: no findings' }
    : { status: 'failed', summary: 'cfn-lint template.yaml has findings', details: output.split('\n') };
}

/** Every workflow under .github/workflows pinned by SHA and without write-all. */
export async function workflowPins(root: string): Promise<CheckResult> {
  const dir = join(root, '.github', 'workflows');
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /\.ya?ml$/.test(n)).sort();
  if (names.length === 0)
    return { status: 'failed', summary: `no workflows in ${relative(root, dir) || dir}` };
  const findings = (
    await Promise.all(names.map(async (name) => checkWorkflow(name, await readFile(join(dir, name), 'utf8'))))
  ).flat();
  return findings.length === 0
    ? { status: 'passed', summary: `${names.length} workflows: every uses: pinned by SHA, no write-all` }
    : {
        status: 'failed',
        summary: `${findings.length} workflow finding${findings.length === 1 ? '' : 's'}`,
        details: findings.map((f) => `${f.file}: ${f.message}`),
      };
}
