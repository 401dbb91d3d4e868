import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../local/template.js';
import { deployOverrides, samconfigOverrides } from '../../scripts/deploy-params.js';
import { readAudit } from '../../scripts/supply-chain/npm-audit.js';
import { checkWorkflow, unpinned } from '../../scripts/supply-chain/pins.js';
import { formatReport } from '../../scripts/supply-chain.js';

const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683';

function workflow(body: string, permissions = 'permissions: {}'): string {
  return `name: t\non: push\n${permissions}\njobs:\n  build:\n    runs-on: ubuntu-24.04\n${body}`;
}

describe('workflow pin check', () => {
  it('fails on actions/checkout@v4, a tag anyone with push rights to the action can move', () => {
    // Act
    const findings = checkWorkflow('ci.yml', workflow('    steps:\n      - uses: actions/checkout@v4\n'));

    // Assess
    expect(findings).toEqual([
      {
        file: 'ci.yml',
        message:
          'job build step 1: uses actions/checkout@v4 must be pinned to a full 40-character commit SHA (keep the version in a comment)',
      },
    ]);
  });

  it('passes an action pinned to a full SHA, a local action and a digest-pinned container', () => {
    const findings = checkWorkflow(
      'ci.yml',
      workflow(
        `    steps:\n      - uses: actions/checkout@${SHA} # v4.2.2\n      - uses: ./.github/actions/setup\n      - uses: docker://alpine@sha256:${'a'.repeat(64)}\n`,
      ),
    );
    expect(findings).toEqual([]);
  });

  it.each([
    ['a branch', 'actions/checkout@main'],
    ['a short sha', 'actions/checkout@11bd719'],
    ['no ref at all', 'actions/checkout'],
    ['an upper-case sha lookalike', `actions/checkout@${SHA.toUpperCase()}`],
    ['a container by tag', 'docker://alpine:3.20'],
  ])('fails on %s', (_, uses) => {
    expect(unpinned(uses)).toBeDefined();
  });

  it('fails on a reusable workflow from another repository called by tag', () => {
    const text =
      'on: push\npermissions: {}\njobs:\n  call:\n    uses: octo/shared/.github/workflows/x.yml@v1\n';
    expect(checkWorkflow('w.yml', text).map((f) => f.message)).toEqual([
      expect.stringContaining('job call: uses octo/shared/.github/workflows/x.yml@v1 must be pinned'),
    ]);
  });

  it('fails on write-all, for the workflow or a job, and on a workflow without top-level permissions', () => {
    expect(checkWorkflow('a.yml', workflow('    steps: []\n', 'permissions: write-all'))).toEqual([
      { file: 'a.yml', message: 'the workflow grants write-all' },
    ]);
    expect(
      checkWorkflow('b.yml', workflow('    permissions: write-all\n    steps: []\n')).map((f) => f.message),
    ).toEqual(['job build grants write-all']);
    expect(checkWorkflow('c.yml', workflow('    steps: []\n', '')).map((f) => f.message)).toEqual([
      'no top-level permissions: the token would get the repository default',
    ]);
  });
});

describe('npm audit verdict', () => {
  it('fails on high or critical advisories and names the packages', () => {
    const report = {
      vulnerabilities: { tar: { severity: 'high' }, debug: { severity: 'low' } },
      metadata: { vulnerabilities: { info: 0, low: 1, moderate: 0, high: 1, critical: 0, total: 2 } },
    };
    expect(readAudit(JSON.stringify(report))).toEqual({
      status: 'failed',
      counts: report.metadata.vulnerabilities,
      packages: ['tar (high)'],
    });
  });

  it('passes low and moderate advisories', () => {
    const report = {
      vulnerabilities: {},
      metadata: { vulnerabilities: { low: 2, moderate: 1, high: 0, critical: 0 } },
    };
    expect(readAudit(JSON.stringify(report)).status).toBe('passed');
  });

  it('says the endpoint was unreachable rather than passing silently', () => {
    // What npm 10 prints when the bulk advisory endpoint answers 405, as this machine's registry does.
    const answer = {
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
      error: { summary: '', detail: '' },
    };
    expect(readAudit(JSON.stringify(answer))).toEqual({ status: 'unavailable', reason: answer.message });
    expect(readAudit('npm ERR! network').status).toBe('unavailable');
  });
});

describe('deploy parameter overrides', () => {
  const toml = readFileSync(join(projectRoot, 'samconfig.toml'), 'utf8');

  it("keeps the environment's own settings and fills in the build's identity", () => {
    // Act
    const overrides = deployOverrides(toml, {
      configEnv: 'prod',
      gitSha: SHA,
      buildId: '42-1',
      deployTime: '2026-11-22T16:00:00Z',
    });

    // Assess
    const prod = new Map(samconfigOverrides(toml, 'prod'));
    expect(prod.get('LogRetentionDays')).toBe('90');
    expect(overrides).toContain('LogRetentionDays=90');
    expect(overrides).toContain('Environment=prod');
    expect(overrides).toContain(`GitSha=${SHA}`);
    expect(overrides).toContain('BuildId=42-1');
    expect(overrides).toContain('DeployTime=2026-11-22T16:00:00Z');
    expect(overrides).not.toContain('unknown');
  });

  it.each([
    [{ gitSha: 'abc123' }, /--git-sha/],
    [{ buildId: 'a b' }, /--build-id/],
    [{ deployTime: 'yesterday' }, /--deploy-time/],
    [{ configEnv: 'staging' }, /no \[staging\.deploy\.parameters\]/],
  ])('refuses %o', (change, message) => {
    const build = {
      configEnv: 'dev',
      gitSha: SHA,
      buildId: '1',
      deployTime: '2026-11-22T16:00:00Z',
      ...change,
    };
    expect(() => deployOverrides(toml, build)).toThrow(message);
  });
});

describe('docs/SECURITY.md', () => {
  it('names only files that exist, so the map of audit rows cannot rot silently', () => {
    // Prepare: every backticked path with a folder or a file extension, e.g. `scripts/supply-chain/pins.ts`.
    const text = readFileSync(join(projectRoot, 'docs', 'SECURITY.md'), 'utf8');
    const paths = [...text.matchAll(/`([\w./-]+\/[\w.-]*|[\w-]+\.(?:ts|yml|yaml|json|md|toml))`/g)]
      .map((m) => m[1] as string)
      // Not files: a route, an action's name, a status word.
      .filter(
        (p) =>
          (!p.startsWith('../') &&
            !p.startsWith('/') &&
            !p.includes('<') &&
            !/^(n\/a|[\w-]+\/[\w-]+)$/.test(p)) ||
          /\.\w+$/.test(p),
      );
    const known = new Set(['deploy.yml', 'sam-deploy.yml', 'checks.ts', 'npm-audit.ts', 'dist/sbom.json']);

    // Act
    const missing = paths.filter((p) => !known.has(p) && !existsSync(join(projectRoot, p)));

    // Assess
    expect(paths.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});

describe('supply-chain report', () => {
  const passed = { status: 'passed', summary: 'fine' } as const;
  const offline = { status: 'unavailable', summary: 'the audit endpoint could not be reached' } as const;

  it('fails a check that could not run, and says so, unless it may be skipped', () => {
    const lines = formatReport({ results: { sbom: passed, audit: offline }, skipped: [], failed: true });

    expect(lines).toContain(
      'FAIL audit    could not run: the audit endpoint could not be reached — a check that cannot run fails the gate; --allow-offline skips it knowingly',
    );
    expect(lines.at(-1)).toBe('supply chain: FAILED; could not run: audit');
  });

  it('names a skipped check as skipped, never as passed', () => {
    const lines = formatReport({
      results: { sbom: passed, audit: offline },
      skipped: ['audit'],
      failed: false,
    });

    expect(lines[0]).toBe('ok   sbom     fine');
    expect(lines[1]).toMatch(/^SKIP audit {4}could not run: .* — skipped, as --allow-offline allows$/);
    expect(lines.at(-1)).toBe(
      'supply chain: passed the checks that ran; NOT run: audit (skipped with --allow-offline)',
    );
  });

  it('passes plainly only when every check ran and passed', () => {
    expect(formatReport({ results: { sbom: passed }, skipped: [], failed: false }).at(-1)).toBe(
      'supply chain: passed',
    );
  });
});
