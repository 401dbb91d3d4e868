// The pre-traffic (BeforeAllowTraffic) hook: smoke-test the exact version CodeDeploy is about to shift traffic
// to, and report Succeeded only when every case passed. Anything else — an error, a timeout, an unexpected
// answer, an invalid suite, a version whose build is not the one its description records — reports Failed.
//
// On the hook skeleton (shared/lifecycle-hook.ts runHook): check (which version, which suite; the cases run
// concurrently within the time budget) → report → record.
// A plain async function over injected clients: tests drive it with aws-sdk-client-mock, the drill with the
// local CodeDeploy simulator (local/codedeploy/).

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type CodeDeployClient,
  GetApplicationRevisionCommand,
  GetDeploymentCommand,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy';
import {
  GetFunctionConfigurationCommand,
  type LambdaClient,
  ListVersionsByFunctionCommand,
} from '@aws-sdk/client-lambda';
import type { ActionDeps, Metric, Receipt } from '../../shared/action.js';
import { type AppSpecTarget, parseAppSpec } from '../../shared/appspec.js';
import type { AuditEntry, AuditLedger } from '../../shared/audit.js';
import { describe } from '../../shared/errors.js';
import {
  type HookEvent,
  type HookStatus,
  type Verdict as HookVerdict,
  parseHookEvent,
  runHook,
  type TimeBudget,
  verdictOf,
} from '../../shared/lifecycle-hook.js';
import type { Log } from '../../shared/log.js';
import { type Clock, mapSettled, systemClock } from '../../shared/rate.js';
import { type InvokeAnswer, type Invoker, lambdaInvoker, SMOKE_CLIENT_CONTEXT } from './invoker.js';
import { type SmokeCase, type SmokeSuite, smokeSuiteSchema } from './schema.js';

type Logger = Log;

export interface PreTrafficDeps extends ActionDeps {
  lambda: LambdaClient;
  codedeploy: CodeDeployClient;
  ledger: Pick<AuditLedger, 'record'>;
  logger: Logger;
  budget: TimeBudget;
  /** Runs one invocation of the version under test; default: Lambda Invoke through `lambda`. */
  invoke?: Invoker;
  clock?: Clock;
  correlationId: string;
  config: {
    /** The workload, only for a deployment without AppSpec content. */
    targetFunction?: string;
    skip: boolean;
    /** The suite as given (JSON text or an already parsed value); validated here, never trusted. */
    suite: unknown;
    /** A configuration that could not be read: the hook reports Failed and runs nothing. */
    problem?: string;
  };
}

export type Verdict = 'pass' | 'fail';

export interface CaseResult {
  name: string;
  verdict: Verdict;
  durationMs: number;
  /** Why it failed, for the operator reading the log or the notification. */
  reason?: string;
}

export interface PreTrafficResult {
  deploymentId: string;
  status: HookStatus;
  reported: true;
  functionName?: string;
  version?: string;
  skipped: boolean;
  cases: CaseResult[];
  /** Why the status is Failed, in one sentence. */
  reason?: string;
  auditId?: string;
}

/** The version under test and what its build should be. */
interface Target {
  name: string;
  version: string;
  alias?: string;
  currentVersion?: string;
  /** How it was found: the deployment's AppSpec, the application revision, or the template's variable. */
  source: 'deployment' | 'application-revision' | 'environment';
}

/** A reason to report Failed before any case ran. */
class NotSure extends Error {}

export const BUILD_METADATA_CASE = 'build-metadata';

// ------------------------------------------------------------------------------------------- the target

function appSpecContent(revision: RevisionLocation | undefined): string | undefined {
  return revision?.appSpecContent?.content ?? revision?.string?.content;
}

function onlyTarget(targets: AppSpecTarget[], where: string): AppSpecTarget {
  if (targets.length !== 1) {
    throw new NotSure(`the ${where} AppSpec names ${targets.length} Lambda targets; expected exactly one`);
  }
  return targets[0] as AppSpecTarget;
}

/**
 * The version under test, from the deployment itself: its revision's AppSpec content, or the application
 * revision it points to. Only a deployment with no AppSpec content at all falls back to TARGET_FUNCTION and
 * its newest published version (SAM publishes the version before it starts the deployment).
 */
async function findTarget(deps: PreTrafficDeps, event: HookEvent): Promise<Target> {
  const { deploymentInfo } = await deps.codedeploy.send(
    new GetDeploymentCommand({ deploymentId: event.DeploymentId }),
  );
  const revision = deploymentInfo?.revision;
  let content = appSpecContent(revision);
  let source: Target['source'] = 'deployment';
  if (!content && revision && deploymentInfo?.applicationName) {
    const answer = await deps.codedeploy.send(
      new GetApplicationRevisionCommand({ applicationName: deploymentInfo.applicationName, revision }),
    );
    content = appSpecContent(answer.revision);
    source = 'application-revision';
  }
  if (content) {
    const targets = parseAppSpec(content);
    if (!targets) throw new NotSure(`the deployment's AppSpec content is not a Lambda AppSpec we can read`);
    const target = onlyTarget(targets, source === 'deployment' ? "deployment's" : "application revision's");
    return {
      name: target.name,
      version: target.targetVersion,
      alias: target.alias,
      currentVersion: target.currentVersion,
      source,
    };
  }
  const name = deps.config.targetFunction;
  if (!name) {
    throw new NotSure('the deployment has no AppSpec content and TARGET_FUNCTION is not set');
  }
  deps.logger.warn('the deployment has no AppSpec content: testing the newest version of TARGET_FUNCTION', {
    functionName: name,
  });
  let newest = 0;
  let Marker: string | undefined;
  do {
    const page = await deps.lambda.send(
      new ListVersionsByFunctionCommand({ FunctionName: name, Marker, MaxItems: 50 }),
    );
    for (const item of page.Versions ?? []) {
      const number = Number(item.Version);
      if (Number.isInteger(number) && number > newest) newest = number;
    }
    Marker = page.NextMarker;
  } while (Marker);
  if (newest === 0) throw new NotSure(`${name} has no published version to test`);
  return { name, version: String(newest), source: 'environment' };
}

/** The git sha a version's description records (`gitSha=<sha> buildId=…`, the template's VersionDescription). */
export function recordedGitSha(description: string | undefined): string | undefined {
  return /(?:^|\s)gitSha=([0-9a-f]{7,40})(?:\s|$)/.exec(description ?? '')?.[1];
}

/** Two shas name the same commit when one is a prefix of the other (short and full forms), 7 hex at least. */
export function sameCommit(a: unknown, b: string): boolean {
  if (typeof a !== 'string' || !/^[0-9a-f]{7,40}$/.test(a)) return false;
  return a.startsWith(b) || b.startsWith(a);
}

// ------------------------------------------------------------------------------------------- the cases

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether `actual` contains `expected`: objects key by key (recursively), anything else by equal JSON. */
export function containsSubset(expected: unknown, actual: unknown): boolean {
  if (isObject(expected)) {
    return (
      isObject(actual) && Object.entries(expected).every(([key, value]) => containsSubset(value, actual[key]))
    );
  }
  return JSON.stringify(expected) === JSON.stringify(actual);
}

interface PlannedCase {
  name: string;
  payload: unknown;
  timeoutMs: number;
  check(answer: InvokeAnswer, durationMs: number): string | undefined;
}

function smokeCase(item: SmokeCase, suite: SmokeSuite, version: string): PlannedCase {
  return {
    name: item.name,
    payload: item.payload,
    timeoutMs: item.timeoutMs ?? suite.defaultTimeoutMs,
    check(answer, durationMs) {
      const expect = item.expect;
      if (answer.executedVersion !== undefined && answer.executedVersion !== version) {
        return `version ${answer.executedVersion} answered, not ${version}`;
      }
      if (Boolean(answer.functionError) !== expect.functionError) {
        return expect.functionError
          ? 'expected a function error, the invocation succeeded'
          : `function error ${answer.functionError}: ${describe(JSON.stringify(answer.payload))}`;
      }
      if (expect.jsonSubset && !containsSubset(expect.jsonSubset, answer.payload)) {
        return `answer ${describe(JSON.stringify(answer.payload))} does not contain ${describe(JSON.stringify(expect.jsonSubset))}`;
      }
      if (expect.maxDurationMs !== undefined && durationMs > expect.maxDurationMs) {
        return `took ${durationMs} ms, more than ${expect.maxDurationMs} ms`;
      }
      return undefined;
    },
  };
}

function buildMetadataCase(suite: SmokeSuite, expectedSha: string): PlannedCase {
  return {
    name: BUILD_METADATA_CASE,
    payload: { runbook: 'health' },
    timeoutMs: suite.defaultTimeoutMs,
    check(answer) {
      if (answer.functionError) return `function error ${answer.functionError} answering the health probe`;
      const gitSha = isObject(answer.payload) ? answer.payload.gitSha : undefined;
      if (!sameCommit(gitSha, expectedSha)) {
        return `the version runs build ${JSON.stringify(gitSha ?? null)}, its description records gitSha=${expectedSha}`;
      }
      return undefined;
    },
  };
}

async function runCase(
  deps: PreTrafficDeps,
  invoke: Invoker,
  target: Target,
  planned: PlannedCase,
  clock: Clock,
): Promise<CaseResult> {
  // A case never outlives the suite's budget: the reserve for reporting is not for cases.
  const timeoutMs = Math.min(planned.timeoutMs, deps.budget.checksMs());
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
  });
  const started = clock.now();
  try {
    const answer = await Promise.race([
      invoke({
        functionName: target.name,
        qualifier: target.version,
        payload: planned.payload,
        clientContext: SMOKE_CLIENT_CONTEXT,
        signal: controller.signal,
      }),
      timeout,
    ]);
    const durationMs = Math.round(clock.now() - started);
    const reason = planned.check(answer, durationMs);
    return reason === undefined
      ? { name: planned.name, verdict: 'pass', durationMs }
      : { name: planned.name, verdict: 'fail', durationMs, reason };
  } catch (error) {
    return {
      name: planned.name,
      verdict: 'fail',
      durationMs: Math.round(clock.now() - started),
      reason: describe(error),
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs every case, at most `concurrency` at once, and returns one result per case in order. The whole run is
 * raced against the budget: an invoker that ignores its abort signal cannot hold the report back.
 */
async function runCases(
  deps: PreTrafficDeps,
  invoke: Invoker,
  target: Target,
  cases: PlannedCase[],
  concurrency: number,
): Promise<CaseResult[]> {
  const clock = deps.clock ?? systemClock;
  const results: (CaseResult | undefined)[] = cases.map(() => undefined);
  const started = clock.now();
  let budgetTimer: NodeJS.Timeout | undefined;
  const budgetSpent = new Promise<'budget'>((resolve) => {
    budgetTimer = setTimeout(() => resolve('budget'), deps.budget.checksMs());
  });
  try {
    await Promise.race([
      mapSettled(
        cases,
        { concurrency, shouldStop: () => deps.budget.checksMs() <= 0 },
        async (item, index) => {
          results[index] = await runCase(deps, invoke, target, item, clock);
        },
      ),
      budgetSpent,
    ]);
  } finally {
    clearTimeout(budgetTimer);
  }
  const spent = Math.round(clock.now() - started);
  return cases.map(
    (item, index) =>
      results[index] ?? {
        name: item.name,
        verdict: 'fail',
        durationMs: spent,
        reason: 'not finished when the time budget ran out (the reserve is kept for reporting)',
      },
  );
}

// ------------------------------------------------------------------------------------------- the action

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

async function expectedGitSha(deps: PreTrafficDeps, target: Target): Promise<string> {
  const config = await deps.lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: target.name, Qualifier: target.version }),
  );
  const sha = recordedGitSha(config.Description);
  if (!sha) {
    throw new NotSure(
      `version ${target.version} of ${target.name} records no git sha in its description (${JSON.stringify(config.Description ?? '')})`,
    );
  }
  return sha;
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
    reason = error instanceof NotSure ? error.message : `could not run the smoke suite: ${describe(error)}`;
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
