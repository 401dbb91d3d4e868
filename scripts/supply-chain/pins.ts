// Workflow hygiene the audits grade: every `uses:` pinned to a full commit SHA (a tag such as `@v4` can be
// moved to other code by whoever controls the action's repository), and no workflow or job granted
// `write-all`. https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions
import { parse } from 'yaml';
import { isObject } from '../../shared/validate.js';

export interface Finding {
  file: string;
  message: string;
}

const SHA_PINNED = /^[\w.-]+\/[\w.-]+(\/[^@\s]+)?@[0-9a-f]{40}$/;
const DIGEST_PINNED = /^docker:\/\/[^@\s]+@sha256:[0-9a-f]{64}$/;

/** Why a `uses:` reference is not pinned, or undefined when it is (or is a local path). */
export function unpinned(uses: string): string | undefined {
  if (uses.startsWith('./')) return undefined;
  if (uses.startsWith('docker://'))
    return DIGEST_PINNED.test(uses) ? undefined : 'a container image must be pinned by sha256 digest';
  if (SHA_PINNED.test(uses)) return undefined;
  return 'must be pinned to a full 40-character commit SHA (keep the version in a comment)';
}

function checkPermissions(file: string, where: string, permissions: unknown, findings: Finding[]) {
  if (permissions === 'write-all') findings.push({ file, message: `${where} grants write-all` });
  if (isObject(permissions)) {
    for (const [scope, level] of Object.entries(permissions)) {
      if (scope === 'write-all' || level === 'write-all')
        findings.push({ file, message: `${where} grants write-all (${scope})` });
    }
  }
}

/** Every finding of one workflow file; an empty list means it passes. */
export function checkWorkflow(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    return [{ file, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` }];
  }
  if (!isObject(doc)) return [{ file, message: 'not a workflow (no mapping at the top)' }];
  if (!('permissions' in doc))
    findings.push({ file, message: 'no top-level permissions: the token would get the repository default' });
  checkPermissions(file, 'the workflow', doc.permissions, findings);
  const jobs = isObject(doc.jobs) ? doc.jobs : {};
  for (const [jobId, job] of Object.entries(jobs)) {
    if (!isObject(job)) continue;
    checkPermissions(file, `job ${jobId}`, job.permissions, findings);
    if (typeof job.uses === 'string') {
      const why = unpinned(job.uses);
      if (why) findings.push({ file, message: `job ${jobId}: uses ${job.uses} ${why}` });
    }
    const steps = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((step, index) => {
      if (!isObject(step) || typeof step.uses !== 'string') return;
      const why = unpinned(step.uses);
      if (why) findings.push({ file, message: `job ${jobId} step ${index + 1}: uses ${step.uses} ${why}` });
    });
  }
  return findings;
}
