// The offline supply-chain gate, run as a new user would: `npm run audit:supply-chain` on this tree, and the
// secret scan on a directory where a key was planted.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { secretScan, workflowPins } from '../../scripts/supply-chain/checks.js';

const run = promisify(execFile);

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
  it('passes on this tree and writes a CycloneDX SBOM to dist/sbom.json', async () => {
    // Act
    const { stdout } = await run('npm', ['run', '--silent', 'audit:supply-chain'], {
      cwd: projectRoot,
      env: { ...process.env, NODE_NO_WARNINGS: '1' },
      timeout: 110_000,
    });

    // Assess
    expect(stdout).toMatch(/^ok {3}sbom/m);
    expect(stdout).toMatch(/^ok {3}secrets/m);
    expect(stdout).toMatch(/^ok {3}iac/m);
    expect(stdout).toMatch(/^ok {3}pins/m);
    // Reachable or not, the audit line says which.
    expect(stdout).toMatch(/^(ok {3}audit|n\/a {2}audit .*NOT audited)/m);
    expect(stdout).toContain('supply chain: passed');
    const bom = JSON.parse(await readFile(join(projectRoot, 'dist', 'sbom.json'), 'utf8'));
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.metadata.component.name).toBe('lambda-runbook');
    expect(bom.components.some((c: { name: string }) => c.name === 'client-lambda')).toBe(true);
  }, 120_000);
});
