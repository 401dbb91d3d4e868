// What the pre-traffic hook's steps share: its deps, the version under test, the results.
import type { CodeDeployClient } from '@aws-sdk/client-codedeploy';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { ActionDeps } from '../../shared/action.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { FreezeGuard } from '../../shared/freeze/guard.js';
import type { HookStatus, TimeBudget } from '../../shared/lifecycle-hook.js';
import type { Log } from '../../shared/log.js';
import type { Clock } from '../../shared/rate.js';
import type { Invoker } from './invoker.js';

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
    /**
     * The change freezes (FREEZE_WINDOWS): during one, the deployment fails here unless an approval overrides
     * it. Absent only where a test exercises the smoke suite alone; the handler always sets it.
     */
    freeze?: FreezeGuard;
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
export interface Target {
  name: string;
  version: string;
  alias?: string;
  currentVersion?: string;
  /** How it was found: the deployment's AppSpec, the application revision, or the template's variable. */
  source: 'deployment' | 'application-revision' | 'environment';
}

/** A reason to report Failed before any case ran. */
export class NotSure extends Error {}

export const BUILD_METADATA_CASE = 'build-metadata';
