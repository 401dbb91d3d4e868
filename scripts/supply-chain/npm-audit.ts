// Reading `npm audit --json`: findings at or above `high` fail the build; an audit endpoint that cannot be
// reached is said plainly and, unless required, does not fail it (this machine's registry mirror answers
// the bulk advisory endpoint with 405; GitHub's runners reach the real one, and CI requires it there).
export type AuditVerdict =
  | { status: 'passed'; counts: Record<string, number> }
  | { status: 'failed'; counts: Record<string, number>; packages: string[] }
  | { status: 'unavailable'; reason: string };

interface AuditJson {
  error?: { code?: string; summary?: string; detail?: string };
  // What npm prints instead of a report when the endpoint answers with an HTTP error.
  message?: string;
  statusCode?: number;
  metadata?: { vulnerabilities?: Record<string, number> };
  vulnerabilities?: Record<string, { severity?: string }>;
}

const BLOCKING = new Set(['high', 'critical']);

export function readAudit(stdout: string): AuditVerdict {
  let json: AuditJson;
  try {
    json = JSON.parse(stdout) as AuditJson;
  } catch {
    return {
      status: 'unavailable',
      reason: `npm audit printed no JSON report: ${stdout.trim().slice(0, 200)}`,
    };
  }
  if (json.error || !json.metadata) {
    const reason = [json.error?.code, json.error?.summary, json.error?.detail, json.message]
      .filter(Boolean)
      .join(': ');
    return {
      status: 'unavailable',
      reason: reason.split('\n')[0] || `no report in npm audit's answer (HTTP ${json.statusCode ?? '?'})`,
    };
  }
  const counts = json.metadata.vulnerabilities ?? {};
  const packages = Object.entries(json.vulnerabilities ?? {})
    .filter(([, v]) => BLOCKING.has(v.severity ?? ''))
    .map(([name, v]) => `${name} (${v.severity})`);
  return packages.length > 0 || (counts.high ?? 0) + (counts.critical ?? 0) > 0
    ? { status: 'failed', counts, packages }
    : { status: 'passed', counts };
}
