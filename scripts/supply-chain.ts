// npm run audit:supply-chain [-- --only sbom|audit|secrets|iac|pins …] [--allow-offline] [--root DIR]
//                            [--report FILE]
// The pipeline's supply-chain gate: an SBOM (dist/sbom.json), the dependency audit, a secret scan, IaC lint
// and the workflow pin check. Exits 1 if any check fails — and a check that could not run (the registry's
// audit endpoint unreachable) fails too, unless --allow-offline says it may be skipped; then it is reported
// as SKIPPED, by name, and never as passed. The results are also written to dist/supply-chain.json (or
// --report FILE), where .ci/run reads what was skipped. docs/SECURITY.md maps each check to the audit row it answers.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
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

export interface SupplyChainReport {
  results: Record<string, CheckResult>;
  /** The checks that could not run and were let through by allowOffline. */
  skipped: string[];
  failed: boolean;
}

export async function supplyChain(options: {
  root: string;
  only?: CheckName[];
  /** A check that cannot run here (offline, an audit endpoint that refuses) is skipped, not failed. */
  allowOffline?: boolean;
}): Promise<SupplyChainReport> {
  const selected = options.only ?? [...CHECKS];
  const run: Record<CheckName, () => Promise<CheckResult>> = {
    sbom: () => sbom(options.root, join(options.root, 'dist', 'sbom.json')),
    audit: () => dependencyAudit(options.root),
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
  const unavailable = entries.filter(([, result]) => result.status === 'unavailable').map(([name]) => name);
  return {
    results,
    skipped: options.allowOffline ? unavailable : [],
    failed:
      entries.some(([, result]) => result.status === 'failed') ||
      (!options.allowOffline && unavailable.length > 0),
  };
}

/** What a person reads: one line per check, then the verdict, which names every check that did not run. */
export function formatReport(report: SupplyChainReport): string[] {
  const lines: string[] = [];
  for (const [name, result] of Object.entries(report.results)) {
    const skipped = report.skipped.includes(name);
    if (result.status === 'unavailable') {
      const verdict = skipped
        ? 'skipped, as --allow-offline allows'
        : 'a check that cannot run fails the gate; --allow-offline skips it knowingly';
      lines.push(
        `${skipped ? 'SKIP' : 'FAIL'} ${name.padEnd(8)} could not run: ${result.summary} — ${verdict}`,
      );
    } else {
      lines.push(`${result.status === 'passed' ? 'ok  ' : 'FAIL'} ${name.padEnd(8)} ${result.summary}`);
    }
    for (const line of result.details ?? []) lines.push(`       ${line}`);
  }
  lines.push('');
  const notRun = Object.entries(report.results)
    .filter(([name, result]) => result.status === 'unavailable' && !report.skipped.includes(name))
    .map(([name]) => name);
  if (report.failed)
    lines.push(`supply chain: FAILED${notRun.length > 0 ? `; could not run: ${notRun.join(', ')}` : ''}`);
  else if (report.skipped.length > 0)
    lines.push(
      `supply chain: passed the checks that ran; NOT run: ${report.skipped.join(', ')} (skipped with --allow-offline)`,
    );
  else lines.push('supply chain: passed');
  return lines;
}

export const reportPath = (root: string) => join(root, 'dist', 'supply-chain.json');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      only: { type: 'string', multiple: true },
      'allow-offline': { type: 'boolean', default: false },
      report: { type: 'string' },
      root: { type: 'string', default: projectRoot },
    },
  });
  const unknown = (values.only ?? []).filter((name) => !CHECKS.includes(name as CheckName));
  if (unknown.length > 0)
    throw new Error(`unknown check ${unknown.join(', ')} (checks: ${CHECKS.join(', ')})`);
  const root = resolve(values.root);
  const report = await supplyChain({
    root,
    ...(values.only ? { only: values.only as CheckName[] } : {}),
    allowOffline: values['allow-offline'],
  });
  for (const line of formatReport(report)) console.log(line);
  const out = resolve(values.report ?? reportPath(root));
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), ...report }, null, 2)}\n`);
  process.exitCode = report.failed ? 1 : 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(`audit:supply-chain: ${(error as Error).message}`);
    process.exitCode = 2;
  });
}
