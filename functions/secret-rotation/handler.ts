// Secret rotation: Secrets Manager invokes this function once per step (createSecret, setSecret, testSecret,
// finishSecret); an operator invokes it directly to revoke the previous key (`{"action":"revokePrevious"}`).
// rotation.ts does the work.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { AuditLedger, auditLedgerFromEnv } from '../../shared/audit.js';
import { dynamoDocumentClient, secretsManagerClient, snsClient } from '../../shared/clients.js';
import { parseSettings, requireEnv } from '../../shared/env.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger, metrics } from '../../shared/powertools.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { type RotationConfig, type RotationDeps, revokePrevious, rotateStep } from './rotation.js';
import { revokePreviousRequestSchema, rotationConfigSchema, rotationEventSchema } from './schema.js';

export function rotationConfig(env: NodeJS.ProcessEnv = process.env): RotationConfig {
  return { graceHours: parseSettings(rotationConfigSchema, 'secret rotation', env).PREVIOUS_KEY_GRACE_HOURS };
}

function deps(context?: Context): RotationDeps {
  return {
    secrets: secretsManagerClient(),
    fetch: globalThis.fetch,
    ledger: auditLedgerFromEnv(),
    // The routine steps of a rotation are recorded, not announced: the ops topic hears of failures,
    // completed rotations and revocations.
    quietLedger: new AuditLedger({
      dynamo: dynamoDocumentClient(),
      sns: snsClient(),
      tableName: requireEnv('AUDIT_TABLE'),
    }),
    logger,
    now: () => new Date(),
    config: rotationConfig(),
    ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
  };
}

/** Secrets Manager's event, or an operator's request: told apart by the operator's `action` field. */
const isOperatorRequest = (payload: unknown) =>
  typeof payload === 'object' && payload !== null && 'action' in payload;

async function direct(invocation: Invocation, context: Context) {
  const payload = invocation.payload ?? {};
  if (isOperatorRequest(payload)) {
    const request = parseInput(revokePreviousRequestSchema, payload);
    const result = await revokePrevious(deps(), request, invocation);
    if (result.changed) metrics.addMetric('PreviousKeyRevoked', MetricUnit.Count, 1);
    return result;
  }
  const event = parseInput(rotationEventSchema, payload);
  // Lambda does not say who invoked it; only Secrets Manager (and operators, through IAM) may.
  const actor = invocation.actor === 'direct-invoke' ? 'secretsmanager' : invocation.actor;
  try {
    const result = await rotateStep(deps(context), event, {
      actor,
      correlationId: invocation.correlationId,
    });
    metrics.addMetric('RotationStepSucceeded', MetricUnit.Count, 1);
    if (result.step === 'finishSecret' && result.changed) {
      metrics.addMetric('RotationCompleted', MetricUnit.Count, 1);
    }
    return result;
  } catch (error) {
    metrics.addMetric('RotationStepFailed', MetricUnit.Count, 1);
    throw error;
  }
}

const routes: RouteTable<object> = { direct };

const wrapped = runbookHandler((invocation, context) => route(invocation, routes)(invocation, context));

/** A rotation step that did not succeed: its code and message, never a value of the secret. */
export class RotationStepError extends Error {
  constructor(
    readonly step: unknown,
    readonly error: { code: string; message: string; field?: string },
  ) {
    super(`${String(step)} failed: ${error.code}: ${error.message}${error.field ? ` (${error.field})` : ''}`);
    this.name = 'RotationStepError';
  }
}

/**
 * The doors answer every failure as `{ ok: false, error }`, which Lambda reports as a success. Secrets
 * Manager reads only success or a function error, so a failed rotation step must throw: it then marks the
 * rotation failed and retries it, leaving AWSCURRENT where it was.
 * https://docs.aws.amazon.com/secretsmanager/latest/userguide/troubleshoot_rotation.html
 */
export const handler = async (event: unknown, context: Context): Promise<unknown> => {
  const result = (await wrapped(event, context)) as { ok?: boolean; error?: RotationStepError['error'] };
  if (result?.ok === false && !isOperatorRequest(event) && result.error) {
    throw new RotationStepError((event as { Step?: unknown } | null)?.Step, result.error);
  }
  return result;
};
