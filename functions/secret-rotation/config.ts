import { AuditLedger, auditLedgerFromEnv } from '../../shared/audit.js';
import { dynamoDocumentClient, secretsManagerClient, snsClient } from '../../shared/clients.js';
import { parseSettings, requireEnv } from '../../shared/env.js';
import { lenientFreezeGuard } from '../../shared/freeze/guard.js';
import type { Log } from '../../shared/log.js';
import { rotationConfigSchema } from './schema.js';
import type { RotationConfig, RotationDeps } from './types.js';

export function rotationConfig(env: NodeJS.ProcessEnv = process.env): RotationConfig {
  return { graceHours: parseSettings(rotationConfigSchema, 'secret rotation', env).PREVIOUS_KEY_GRACE_HOURS };
}

/** The deployed function's dependencies, from its environment. */
export function rotationDeps(
  logger: RotationDeps['logger'] & Pick<Log, 'warn'>,
  remainingMs?: () => number,
): RotationDeps {
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
    // Lenient: a malformed window refuses new rotations and revocations, never the steps that finish one.
    freeze: lenientFreezeGuard(),
    ...(remainingMs ? { remainingMs } : {}),
  };
}
