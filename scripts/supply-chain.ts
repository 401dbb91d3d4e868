// npm run audit:supply-chain [-- --only sbom|audit|secrets|iac|pins …] [--require-audit] [--root DIR]
// The pipeline's supply-chain gate, runnable offline: an SBOM (dist/sbom.json), the dependency audit, a
// secret scan, IaC lint and the workflow pin check. Exits 1 if any check fails; a check that cannot run
// here (the registry's audit endpoint unreachable) is reported as such and fails only with --require-audit,
// which CI sets. docs/SECURITY.md maps each check to the audit row it answers.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../local/template.js';
import {
  type CheckResult,
  dependencyAudit,
  iacLint,
  sbom,
  secretScan,
  workflowPins,
} from './supply-chain/checks.js';

export const CHECKS = ['sbom', 'audit', 'secrets', 'iac', 'pins'] as const;
export type CheckName = (typeof CHECKS)[number];

export async function supplyChain(options: {
  root: string;
  only?: CheckName[];
  requireAudit?: boolean;
}): Promise<{ results: Record<string, CheckResult>; failed: boolean }> {
  const selected = options.only ?? [...CHECKS];
  const run: Record<CheckName, () => Promise<CheckResult>> = {
    sbom: () => sbom(options.root, join(options.root, 'dist', 'sbom.json')),
    audit: () => dependencyAudit(options.root, options.requireAudit ?? false),
    secrets: () => secretScan(options.root),
    iac: () => iacLint(options.root),
    pins: () => workflowPins(options.root),
  };
  const entries = await Promise.all(
    selected.map(async (name) => {
      try {
        return [name, await run[name]()] as const;
      } catch (error) {
        return [name, { status: 'failed', summary: (error as Error).message } satisfies CheckResult] as const;
      }
    }),
  );
  const results = Object.fromEntries(entries);
  return { results, failed: entries.some(([, result]) => result.status === 'failed') };
}

const MARK = { passed: 'ok  ', failed: 'FAIL', unavailable: 'n/a ' } as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'require-audit': { type: 'boolean', default: false },
      root: { type: 'string', default: projectRoot },
    },
  });
  const unknown = (values.only ?? []).filter((name) => !CHECKS.includes(name as CheckName));
  if (unknown.length > 0)
    throw new Error(`unknown check ${unknown.join(', ')} (checks: ${CHECKS.join(', ')})`);
  const { results, failed } = await supplyChain({
    root: resolve(values.root),
    ...(values.only ? { only: values.only as CheckName[] } : {}),
    requireAudit: values['require-audit'],
  });
  for (const [name, result] of Object.entries(results)) {
    console.log(`${MARK[result.status]} ${name.padEnd(8)} ${result.summary}`);
    for (const line of result.details ?? []) console.log(`       ${line}`);
  }
  console.log(failed ? '\nsupply chain: FAILED' : '\nsupply chain: passed');
  process.exitCode = failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`audit:supply-chain: ${(error as Error).message}`);
    process.exitCode = 2;
  });
}
