// The pre-traffic (BeforeAllowTraffic) hook: smoke-test the exact version CodeDeploy is about to shift traffic
// to, and report Succeeded only when every case passed. Anything else — an error, a timeout, an unexpected
// answer, an invalid suite, a version whose build is not the one its description records — reports Failed.
//
// On the hook skeleton (shared/lifecycle-hook.ts runHook): check (which version, which suite; the cases run
// concurrently within the time budget) → report → record.
// A plain async function over injected clients: tests drive it with aws-sdk-client-mock, the drill with the
// local CodeDeploy simulator (local/codedeploy/).

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy';
import type { Metric, Receipt } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { describe } from '../../shared/errors.js';
import { FrozenError, refuseDuringFreeze } from '../../shared/freeze/guard.js';
import { freezeStatus } from '../../shared/freeze/status.js';
import {
  type HookEvent,
  type HookStatus,
  type Verdict as HookVerdict,
  parseHookEvent,
  runHook,
  verdictOf,
} from '../../shared/lifecycle-hook.js';
import { buildMetadataCase, type PlannedCase, runCases, smokeCase } from './cases.js';
import { type Invoker, lambdaInvoker } from './invoker.js';
import { type SmokeSuite, smokeSuiteSchema } from './schema.js';
import { expectedGitSha, findTarget } from './target.js';
import {
  type CaseResult,
  NotSure,
  type PreTrafficDeps,
  type PreTrafficResult,
  type Target,
} from './types.js';

export { containsSubset } from './cases.js';
export { recordedGitSha, sameCommit } from './target.js';
export type { CaseResult, PreTrafficDeps, PreTrafficResult, Verdict } from './types.js';
export { BUILD_METADATA_CASE } from './types.js';

function parseSuite(raw: unknown): SmokeSuite {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new NotSure('the smoke suite is not valid JSON');
    }
  }
  const parsed = smokeSuiteSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new NotSure(`the smoke suite is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return parsed.data;
}

function noTimeLeft(deps: PreTrafficDeps): void {
  if (deps.budget.checksMs() <= 0) {
    throw new NotSure(
      `no time left for the suite: ${deps.budget.remainingMs()} ms remain, all kept for reporting`,
    );
  }
}

/** `work`, or NotSure once the checks' budget is spent: a read that hangs cannot hold the report back. */
async function withinChecksBudget<T>(deps: PreTrafficDeps, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const spent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new NotSure(`the time budget ran out while ${what} (the reserve is kept for reporting)`)),
      deps.budget.checksMs(),
    );
  });
  try {
    return await Promise.race([work, spent]);
  } finally {
    clearTimeout(timer);
  }
}

// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_DeploymentInfo.html (creator)
const ROLLBACK_CREATORS = new Set(['codeDeployRollback', 'CloudFormationRollback']);

/**
 * During a change freeze a deployment fails here, before any traffic and before the suite (SKIP_SMOKE included:
 * it skips a test, not a freeze), unless an approval (deps.config.freeze.override) lets it through — or it is a
 * rollback: CodeDeploy's own, or CloudFormation's redeploy of the previous version when a stack update fails,
 * which a freeze must never turn into UPDATE_ROLLBACK_FAILED. Only during a freeze is the deployment read for it.
 */
async function notDuringFreeze(deps: PreTrafficDeps, event: HookEvent): Promise<void> {
  const guard = deps.config.freeze;
  if (!guard) return;
  const now = new Date();
  if (!guard.problem && !guard.override && freezeStatus(guard.windows, now).frozen) {
    const { deploymentInfo } = await withinChecksBudget(
      deps,
      'reading the deployment',
      deps.codedeploy.send(new GetDeploymentCommand({ deploymentId: event.DeploymentId })),
    );
    const creator = deploymentInfo?.creator;
    if (creator && ROLLBACK_CREATORS.has(creator)) {
      deps.logger.warn(`change freeze: deployment ${event.DeploymentId} is a rollback (${creator}): allowed`);
      return;
    }
  }
  refuseDuringFreeze(guard, now, `deployment ${event.DeploymentId}`, deps);
}

/** The smoke suite's verdict: the status to report, and what it rests on. */
interface SmokeVerdict extends HookVerdict {
  correlationId: string;
  target?: Target;
  skipped: boolean;
  cases: CaseResult[];
  /** Why the status is Failed, in one sentence. */
  reason?: string;
}

/** Runs the suite against the version under test. Never throws: any doubt is a Failed verdict. */
async function check(deps: PreTrafficDeps, event: HookEvent): Promise<SmokeVerdict> {
  const invoke = deps.invoke ?? lambdaInvoker(deps.lambda);
  const skipped = deps.config.skip && !deps.config.problem;
  const found: { target?: Target; cases: CaseResult[] } = { cases: [] };
  let status: HookStatus = 'Failed';
  let reason: string | undefined;
  try {
    if (deps.config.problem) throw new NotSure(deps.config.problem);
    await notDuringFreeze(deps, event);
    if (skipped) {
      // Disaster recovery only: a deploy that must go out while the smoke suite cannot pass.
      deps.logger.warn(
        'SKIP_SMOKE=true: reporting Succeeded WITHOUT running the smoke suite. Remove SKIP_SMOKE as soon as the emergency is over.',
        { deploymentId: event.DeploymentId },
      );
      status = 'Succeeded';
    } else {
      found.cases = await runSuite(deps, event, invoke, found);
      const failed = found.cases.filter((item) => item.verdict === 'fail');
      status = failed.length === 0 ? 'Succeeded' : 'Failed';
      if (failed.length > 0) {
        reason = `${failed.length} of ${found.cases.length} smoke case(s) failed: ${failed.map((item) => `${item.name} (${item.reason})`).join('; ')}`;
      }
    }
  } catch (error) {
    // Fail closed: whatever went wrong, the version has not been shown to work.
    status = 'Failed';
    reason =
      error instanceof NotSure || error instanceof FrozenError
        ? error.message
        : `could not run the smoke suite: ${describe(error)}`;
  }
  for (const item of found.cases) {
    const log = item.verdict === 'pass' ? deps.logger.info : deps.logger.warn;
    log.call(deps.logger, `smoke case ${item.name}: ${item.verdict}`, item);
  }
  if (status === 'Failed')
    deps.logger.warn(`smoke suite Failed: ${reason}`, { deploymentId: event.DeploymentId });
  return {
    ...verdictOf(event, status),
    correlationId: deps.correlationId,
    ...(found.target ? { target: found.target } : {}),
    skipped,
    cases: found.cases,
    ...(reason ? { reason } : {}),
  };
}

/** Finds the version under test (into `found.target`), plans the cases and runs them. */
async function runSuite(
  deps: PreTrafficDeps,
  event: HookEvent,
  invoke: Invoker,
  found: { target?: Target },
): Promise<CaseResult[]> {
  const suite = parseSuite(deps.config.suite);
  noTimeLeft(deps);
  const target = await withinChecksBudget(deps, 'reading the deployment', findTarget(deps, event));
  found.target = target;
  const planned: PlannedCase[] = [];
  if (suite.checkBuildMetadata) {
    const sha = await withinChecksBudget(deps, 'reading the version', expectedGitSha(deps, target));
    planned.push(buildMetadataCase(suite, sha));
  }
  planned.push(...suite.cases.map((item) => smokeCase(item, suite, target.version)));
  if (planned.length === 0) throw new NotSure('the smoke suite checks nothing (no case, no build check)');
  noTimeLeft(deps);
  deps.logger.info('running the smoke suite', {
    deploymentId: event.DeploymentId,
    functionName: target.name,
    version: target.version,
    source: target.source,
    cases: planned.length,
    budgetMs: deps.budget.checksMs(),
  });
  return runCases(deps, invoke, target, planned, suite.concurrency);
}

function entry(verdict: SmokeVerdict, reported: boolean): AuditEntry {
  const { event, target } = verdict;
  return {
    action: 'deploy.pre-traffic',
    actor: `codedeploy:${event.DeploymentId}`,
    reason: verdict.skipped
      ? 'SKIP_SMOKE=true: smoke suite skipped for an emergency deploy'
      : `pre-traffic smoke test of deployment ${event.DeploymentId}`,
    target: target ? `function:${target.name}:${target.version}` : `deployment:${event.DeploymentId}`,
    request: event,
    before: target?.alias ? { alias: target.alias, version: target.currentVersion } : null,
    after: { status: verdict.status, reported },
    dryRun: false,
    outcome: verdict.status === 'Succeeded' && reported ? 'succeeded' : 'failed',
    correlationId: verdict.correlationId,
    details: {
      deploymentId: event.DeploymentId,
      ...(target ? { version: target.version, source: target.source } : {}),
      skipped: verdict.skipped,
      cases: verdict.cases,
      ...(verdict.reason ? { reason: verdict.reason } : {}),
    },
  };
}

function result(verdict: SmokeVerdict, receipt: Receipt): PreTrafficResult {
  return {
    deploymentId: verdict.event.DeploymentId,
    status: verdict.status,
    reported: true,
    ...(verdict.target ? { functionName: verdict.target.name, version: verdict.target.version } : {}),
    skipped: verdict.skipped,
    cases: verdict.cases,
    ...(verdict.reason ? { reason: verdict.reason } : {}),
    // The status is what CodeDeploy needs; a record that could not be written leaves no id to point at.
    ...(receipt.unrecorded ? {} : { auditId: verdict.auditId }),
  };
}

const metrics = (verdict: SmokeVerdict): Metric[] => [
  { name: 'SmokeFailures', unit: MetricUnit.Count, value: verdict.status === 'Failed' ? 1 : 0 },
  ...(verdict.skipped ? [{ name: 'SmokeSkipped', unit: MetricUnit.Count, value: 1 }] : []),
];

/** Tests the version a deployment is about to shift traffic to, reports the status, then records it. */
export async function preTraffic(deps: PreTrafficDeps, rawEvent: unknown): Promise<PreTrafficResult> {
  // Nothing to report to without a deployment and an execution id: this throws, and nothing is invoked.
  const event = parseHookEvent(rawEvent);
  return runHook({ check, entry, result, metrics }, deps, event);
}
