// The offline supply-chain gate, run as a new user would: `npm run audit:supply-chain` on this tree, and the
// secret scan on a directory where a key was planted.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { secretScan, workflowPins } from '../../scripts/supply-chain/checks.js';

const run = promisify(execFile);
// npm audit reaches the registry, through whatever proxy the machine's CA certificates trust (test/setup.ts
// takes them from the other tests' child processes).
const extraCaCerts = inject('extraCaCerts');
const registryEnv = () => ({
  ...process.env,
  NODE_NO_WARNINGS: '1',
  ...(extraCaCerts ? { NODE_EXTRA_CA_CERTS: extraCaCerts } : {}),
});

// Built from parts so this file itself holds no key for the scan of the tree to find.
const plantedSecret = ['wJalrXUtnFEMI', 'K7MDENG', 'bPxRfiCYzqkq3Lm9Zt'].join('/');
const plantedKeyId = ['AKIA', '4HK2OQ7M3XYZPL2B'].join('');

describe('secret scan', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runbook-secrets-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fails on an AWS key pair planted in a file, without printing the key', async () => {
    // Prepare
    await writeFile(
      join(dir, 'settings.env'),
      `aws_access_key_id = ${plantedKeyId}\naws_secret_access_key = "${plantedSecret}"\n`,
    );

    // Act
    const result = await secretScan(dir);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.details?.join('\n')).toMatch(/settings\.env.*AWSSecretAccessKey/);
    expect(JSON.stringify(result)).not.toContain(plantedSecret);
  }, 60_000);

  it('passes a directory with nothing secret in it', async () => {
    // Prepare
    const clean = await mkdtemp(join(tmpdir(), 'runbook-clean-'));
    await writeFile(join(clean, 'notes.md'), '# nothing to see\nregion = us-east-1\n');

    // Act
    const result = await secretScan(clean);
    await rm(clean, { recursive: true, force: true });

    // Assess
    expect(result).toMatchObject({ status: 'passed' });
  }, 60_000);
});

describe('workflow pins', () => {
  it("passes this repository's workflows", async () => {
    expect(await workflowPins(projectRoot)).toMatchObject({ status: 'passed' });
  });
});

describe('npm run audit:supply-chain', () => {
  it('passes on this tree, names any check it could only skip, and writes a CycloneDX SBOM to dist/sbom.json', async () => {
    // Act: as .ci/run relies on it — allowed to skip what cannot run here (this mirror refuses npm audit).
    const { stdout } = await run('npm', ['run', '--silent', 'audit:supply-chain', '--', '--allow-offline'], {
      cwd: projectRoot,
      env: registryEnv(),
      timeout: 110_000,
    });

    // Assess
    expect(stdout).toMatch(/^ok {3}sbom/m);
    expect(stdout).toMatch(/^ok {3}secrets/m);
    expect(stdout).toMatch(/^ok {3}iac/m);
    expect(stdout).toMatch(/^ok {3}pins/m);
    // Reachable or not, the audit line says which, and the verdict never calls a skipped check passed.
    expect(stdout).toMatch(/^(ok {3}audit|SKIP audit {4}could not run: .*NOT audited)/m);
    expect(stdout).toMatch(
      /^supply chain: (passed|passed the checks that ran; NOT run: audit \(skipped with --allow-offline\))$/m,
    );
    const report = JSON.parse(await readFile(join(projectRoot, 'dist', 'supply-chain.json'), 'utf8'));
    expect(report.failed).toBe(false);
    expect(report.skipped).toEqual(/^SKIP audit/m.test(stdout) ? ['audit'] : []);
    const bom = JSON.parse(await readFile(join(projectRoot, 'dist', 'sbom.json'), 'utf8'));
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.metadata.component.name).toBe('lambda-runbook');
    expect(bom.components.some((c: { name: string }) => c.name === 'client-lambda')).toBe(true);
  }, 120_000);

  it('fails, saying so plainly, when a check cannot run and --allow-offline was not given', async () => {
    // Prepare: a registry nobody listens on, so npm audit cannot reach any advisory endpoint.
    const dir = await mkdtemp(join(tmpdir(), 'runbook-offline-'));
    const env = { ...registryEnv(), npm_config_registry: 'http://127.0.0.1:9/' };

    // Act
    const refused = await run(
      'npm',
      ['run', '--silent', 'audit:supply-chain', '--', '--only', 'audit', '--report', join(dir, 'r.json')],
      { cwd: projectRoot, env, timeout: 110_000 },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

    // Assess
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^FAIL audit {4}could not run: .*NOT audited.*--allow-offline/m);
    expect(refused.stdout).toMatch(/^supply chain: FAILED; could not run: audit$/m);
    expect(JSON.parse(await readFile(join(dir, 'r.json'), 'utf8'))).toMatchObject({
      failed: true,
      skipped: [],
    });
    await rm(dir, { recursive: true, force: true });
  }, 120_000);
});
