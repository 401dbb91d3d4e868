// The hard stop: the function's reserved concurrency to 0 and back to exactly what it was, with the throttle
// window recorded for the DLQ drainer (shared/throttle-windows.ts).
import {
  DeleteFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  PutFunctionConcurrencyCommand,
} from '@aws-sdk/client-lambda';
import type { AuditRecord } from '../../shared/audit.js';
import {
  DependencyError,
  describe,
  isAwsError,
  NotFoundError,
  RunbookError,
  ValidationError,
} from '../../shared/errors.js';
import type { Pacer } from '../../shared/rate.js';
import { THROTTLE_ACTION, throttleTarget, UNTHROTTLE_ACTION } from '../../shared/throttle-windows.js';
import type { BaseEntry, KillSwitchDeps, ThrottleResult } from './types.js';
import { undoKillSwitch } from './undo.js';

export function checkFunction(deps: KillSwitchDeps, functionName: string) {
  const watched = deps.config.watchedFunction;
  if (watched && functionName !== watched) {
    throw new ValidationError(
      `functionName: this runbook throttles ${watched} only, not ${functionName}`,
      'functionName',
    );
  }
}

export async function reservedConcurrency(
  deps: KillSwitchDeps,
  pacer: Pacer,
  functionName: string,
): Promise<number | null> {
  try {
    const answer = await pacer.send(() =>
      deps.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })),
    );
    return answer.ReservedConcurrentExecutions ?? null;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) {
      throw new NotFoundError(`no function ${functionName}`, 'functionName', error);
    }
    throw error;
  }
}

/**
 * The reserved concurrency a request cannot go on without (to plan a throttle, or before applying one): a
 * failure other than a missing function is a DependencyError naming the call.
 */
export async function concurrencyNow(
  deps: KillSwitchDeps,
  pacer: Pacer,
  functionName: string,
): Promise<number | null> {
  try {
    return await reservedConcurrency(deps, pacer, functionName);
  } catch (error) {
    if (error instanceof RunbookError) throw error;
    throw new DependencyError(
      `Lambda GetFunctionConcurrency ${functionName} failed: ${describe(error)}`,
      error,
    );
  }
}

export const THROTTLE_WARNING =
  'while the function is throttled (reserved concurrency 0), asynchronous events (the schedules’ own included) go straight to its dead-letter queue or on-failure destination without retries; the DLQ drainer treats events from this window as stale (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html)';

export async function applyThrottle(
  deps: KillSwitchDeps,
  pacer: Pacer,
  functionName: string,
  previous: number | null,
  restoreId: string,
  base: BaseEntry,
): Promise<ThrottleResult> {
  const current = await concurrencyNow(deps, pacer, functionName);
  const window = await throttleRecords(deps, functionName, restoreId);
  if (current === 0 && (previous === 0 || window.throttled)) {
    return { functionName, recorded: previous, current, outcome: 'already-throttled' };
  }
  try {
    await pacer.send(() =>
      deps.lambda.send(
        new PutFunctionConcurrencyCommand({ FunctionName: functionName, ReservedConcurrentExecutions: 0 }),
      ),
    );
  } catch (error) {
    return { functionName, recorded: previous, current, outcome: 'failed', error: describe(error) };
  }
  // The contract with the DLQ drainer (shared/throttle-windows.ts): one succeeded record opens the window.
  await deps.ledger.record({
    ...base,
    action: THROTTLE_ACTION,
    target: throttleTarget(functionName),
    before: { reservedConcurrency: current },
    after: { reservedConcurrency: 0 },
    outcome: 'succeeded',
    undo: undoKillSwitch(restoreId, deps.config.scope),
    details: { restoreId, functionName },
  });
  return { functionName, recorded: previous, current: 0, outcome: 'throttled' };
}

export async function throttleRecords(deps: KillSwitchDeps, functionName: string, restoreId: string) {
  const records = (await deps.ledger.list({ target: throttleTarget(functionName) }, { limit: 200 })).filter(
    (r: AuditRecord) =>
      !r.dryRun &&
      r.outcome === 'succeeded' &&
      (r.details as { restoreId?: string } | undefined)?.restoreId === restoreId,
  );
  return {
    throttled: records.some((r) => r.action === THROTTLE_ACTION),
    unthrottled: records.some((r) => r.action === UNTHROTTLE_ACTION),
  };
}

export async function restoreThrottle(
  deps: KillSwitchDeps,
  pacer: Pacer,
  info: { functionName: string; reservedConcurrency: number | null },
  restoreId: string,
  base: BaseEntry,
): Promise<ThrottleResult> {
  const { functionName, reservedConcurrency: recorded } = info;
  let outcome: ThrottleResult['outcome'];
  let current: number | null;
  try {
    current = await reservedConcurrency(deps, pacer, functionName);
    if (current === recorded) {
      outcome = 'unchanged';
    } else if (current !== 0) {
      // Someone set another value during the outage: theirs stands.
      outcome = 'conflict';
    } else {
      // No reserved concurrency before: remove it, giving the function back to the unreserved pool.
      if (recorded === null) {
        await pacer.send(() =>
          deps.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: functionName })),
        );
      } else {
        await pacer.send(() =>
          deps.lambda.send(
            new PutFunctionConcurrencyCommand({
              FunctionName: functionName,
              ReservedConcurrentExecutions: recorded,
            }),
          ),
        );
      }
      outcome = 'restored';
      current = recorded;
    }
  } catch (error) {
    if (error instanceof NotFoundError) throw error;
    return { functionName, recorded, outcome: 'failed', error: describe(error) };
  }
  const window = await throttleRecords(deps, functionName, restoreId);
  if (window.throttled && !window.unthrottled && current !== 0) {
    await deps.ledger.record({
      ...base,
      action: UNTHROTTLE_ACTION,
      target: throttleTarget(functionName),
      before: { reservedConcurrency: 0 },
      after: { reservedConcurrency: current },
      outcome: 'succeeded',
      details: { restoreId, functionName },
    });
  }
  return { functionName, recorded, current, outcome };
}
