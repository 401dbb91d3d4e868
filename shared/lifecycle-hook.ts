// What the two CodeDeploy lifecycle hooks (pre-traffic smoke, post-traffic alarm check) share: the event they
// receive, the one call that ends them (PutLifecycleEventHookExecutionStatus), the time budget that keeps a
// reserve for that call, and their middy wiring.
//
// A hook that never reports stalls the deployment until CodeDeploy's one-hour hook timeout, the failure most
// reported with these hooks (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-section-structure-lambda-sample-function).
// So a hook always reports, reports `Failed` whenever it is not sure, and throws when it cannot report at all
// (CodeDeploy invokes hooks asynchronously: a thrown error is visible in the Errors metric and Lambda retries).

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import {
  type CodeDeployClient,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type Action, type ActionDeps, type Metric, type Receipt, runAction } from './action.js';
import { type AuditEntry, type AuditLedger, auditLedgerFromEnv, newAuditId } from './audit.js';
import { numberSetting } from './env.js';
import { DependencyError } from './errors.js';
import type { Log } from './log.js';
import { logger, metrics, tracer } from './powertools.js';
import { type Clock, retryThrottled } from './rate.js';
import { parseInput } from './validate.js';

/** The only two statuses CodeDeploy accepts from a hook. */
export type HookStatus = 'Succeeded' | 'Failed';

// https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html
export const hookEventSchema = z.object({
  DeploymentId: z
    .string({ error: 'DeploymentId is required' })
    .regex(/^d-[A-Z0-9]{9}$/, 'expected a CodeDeploy deployment id such as "d-A1B2C3D4E"'),
  LifecycleEventHookExecutionId: z
    .string({ error: 'LifecycleEventHookExecutionId is required' })
    .min(1, 'LifecycleEventHookExecutionId is required')
    .max(2048, 'LifecycleEventHookExecutionId is longer than CodeDeploy issues'),
});

export type HookEvent = z.infer<typeof hookEventSchema>;

/**
 * Validates a lifecycle event. A malformed one leaves nothing to report to (no deployment, no execution id):
 * the ValidationError is thrown so the invocation fails visibly, and nothing else is called.
 */
export function parseHookEvent(event: unknown): HookEvent {
  return parseInput(hookEventSchema, event);
}

/** The status could not be reported: the deployment will wait for CodeDeploy's timeout. */
export class ReportError extends DependencyError {
  constructor(message: string, cause?: unknown) {
    super(message, cause, 'ReportFailed');
  }
}

/**
 * The time a hook may spend on its checks: the invocation's remaining time less a reserve kept for reporting.
 * `remainingMs()` reads the Lambda context each time, so it is exact however long the checks took.
 */
export interface TimeBudget {
  /** Milliseconds left for checks (0 when the reserve is reached). */
  checksMs(): number;
  /** Milliseconds left before Lambda stops the invocation. */
  remainingMs(): number;
}

export function timeBudget(remainingMs: () => number, reserveMs: number): TimeBudget {
  return {
    checksMs: () => Math.max(0, remainingMs() - reserveMs),
    remainingMs,
  };
}

type Logger = Log;

export interface ReportDeps {
  codedeploy: CodeDeployClient;
  logger: Logger;
  budget: TimeBudget;
  clock?: Clock;
}

// Below this, another attempt could not finish before Lambda stops the invocation.
const LAST_ATTEMPT_MS = 1_000;
// Time left for logging the failure and throwing after an attempt is abandoned.
const ABANDON_BEFORE_END_MS = 300;

/**
 * Sends the hook's status, retrying throttling with backoff for as long as the invocation has time. Any other
 * error, or throttling to the end, throws ReportError: the caller lets the invocation fail.
 */
export async function reportStatus(deps: ReportDeps, event: HookEvent, status: HookStatus): Promise<number> {
  let attempts = 0;
  try {
    await retryThrottled(
      (attempt) => {
        attempts = attempt;
        return deps.codedeploy.send(
          new PutLifecycleEventHookExecutionStatusCommand({
            deploymentId: event.DeploymentId,
            lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
            status,
          }),
          // An attempt that hangs is abandoned just before Lambda would stop the invocation, so the failure to
          // report is raised (and seen) rather than lost with a timed-out invocation.
          {
            abortSignal: AbortSignal.timeout(Math.max(1, deps.budget.remainingMs() - ABANDON_BEFORE_END_MS)),
          },
        );
      },
      {
        attempts: 6,
        baseDelayMs: 200,
        maxDelayMs: 4_000,
        ...(deps.clock ? { clock: deps.clock } : {}),
        shouldStop: () => deps.budget.remainingMs() < LAST_ATTEMPT_MS,
      },
    );
  } catch (error) {
    deps.logger.error('could not report the hook status to CodeDeploy', {
      deploymentId: event.DeploymentId,
      status,
      attempts,
      error,
    });
    throw new ReportError(
      `PutLifecycleEventHookExecutionStatus ${status} for ${event.DeploymentId} failed after ${attempts} attempt(s)`,
      error,
    );
  }
  deps.logger.info(`reported ${status} to CodeDeploy`, { deploymentId: event.DeploymentId, attempts });
  return attempts;
}

/** A hook's checks done: the status to report, and the audit id its record will carry. */
export interface Verdict {
  event: HookEvent;
  status: HookStatus;
  auditId: string;
  /** Hooks have no dry run: CodeDeploy is waiting for an answer. */
  dryRun: false;
}

/** The verdict fields every hook starts from, before its own findings. */
export const verdictOf = (event: HookEvent, status: HookStatus, now = new Date()): Verdict => ({
  event,
  status,
  auditId: newAuditId(now),
  dryRun: false,
});

export interface HookSteps<D, V extends Verdict, R> {
  /** The checks. Never throws for a check that fails: any doubt is a `Failed` verdict (fail closed). */
  check(deps: D, event: HookEvent): Promise<V>;
  /** The audit record, knowing whether CodeDeploy got the status. */
  entry(verdict: V, reported: boolean): AuditEntry;
  /** The answer, once reported. */
  result(verdict: V, receipt: Receipt): R;
  metrics?(verdict: V): Metric[];
}

/**
 * A hook on the action skeleton: check → report (the act: the one call CodeDeploy waits for) → record.
 * Reporting comes before the record; a record that fails after reporting is logged, never allowed to turn a
 * reported status into an error. A report that fails is recorded (`reported: false`), then thrown.
 */
export function runHook<D extends ReportDeps & ActionDeps, V extends Verdict, R>(
  steps: HookSteps<D, V, R>,
  deps: D,
  event: HookEvent,
): Promise<R> {
  const action: Action<D, HookEvent, V, true, R> = {
    plan: steps.check,
    dryRun: () => true,
    act: async (actDeps, verdict) => {
      await reportStatus(actDeps, verdict.event, verdict.status);
      return true;
    },
    entry: (step) => steps.entry(step.plan, step.stage !== 'failed'),
    result: (step, receipt) => steps.result(step.plan, receipt),
    ...(steps.metrics ? { metrics: (step) => steps.metrics?.(step.plan) ?? [] } : {}),
  };
  return runAction(action, deps, event);
}

/**
 * The least time a hook keeps for reporting. One PutLifecycleEventHookExecutionStatus takes well under a
 * second, but reportStatus retries throttling with backoff (200 ms, 400 ms, … while at least LAST_ATTEMPT_MS
 * remain) and gives up ABANDON_BEFORE_END_MS before the end: 5 s leaves room for a few attempts. With less
 * (SMOKE_RESERVE_MS=0 was accepted), a hanging check used the whole invocation and nothing was reported, so
 * CodeDeploy waited out its hour.
 */
export const REPORT_RESERVE_FLOOR_MS = 5_000;

/**
 * A hook's reporting reserve in ms. A setting below the floor is refused, not raised: the hook then reports
 * Failed with this message (and the default reserve), so the mistake is seen in the deployment, not hidden.
 */
export const reserveSetting = (fallback: number) =>
  numberSetting(
    fallback,
    z
      .number({ error: 'expected a whole number of milliseconds' })
      .int('expected a whole number of milliseconds')
      .min(
        REPORT_RESERVE_FLOOR_MS,
        `must be at least ${REPORT_RESERVE_FLOOR_MS} ms, the time a hook keeps to report its status to CodeDeploy`,
      )
      .max(900_000, 'must be at most 900000 ms (the longest Lambda timeout)'),
  );

/**
 * The audit ledger from the environment or, when it is misconfigured, one whose every record fails with that
 * error: a hook logs a failed audit record, but a missing AUDIT_TABLE must never stop it from reporting.
 */
export function hookLedger(env: NodeJS.ProcessEnv = process.env): Pick<AuditLedger, 'record'> {
  try {
    return auditLedgerFromEnv(env);
  } catch (error) {
    return {
      record: () => Promise.reject(error),
    };
  }
}

/**
 * A lifecycle hook's wiring: the usual logger, metrics and tracer middlewares, without the runbook's doors.
 * A hook has no caller waiting for an answer (CodeDeploy reads only the reported status), and its failure
 * must not be turned into an `ok:false` answer that looks like success to Lambda: an error is thrown.
 */
export function lifecycleHookHandler<R extends object>(
  action: (event: unknown, context: Context) => Promise<R>,
) {
  return middy<unknown, R, Error, Context>()
    .use(injectLambdaContext(logger, { clearState: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }))
    .use(captureLambdaHandler(tracer))
    .handler(action);
}
