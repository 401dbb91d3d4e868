// What an approved request is carried out by: each approvable action that is wired to the approval gate, run
// here with this function's own clients and the action's configuration. The approvals function carries the plan
// out itself rather than invoking the owning function: an invocation saying "approved" would be a claim any
// principal allowed to invoke could make; here the approval was counted in the same process.

import type { Context } from 'aws-lambda';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, schedulerClient, sqsClient } from '../../shared/clients.js';
import { freezeGuard } from '../../shared/freeze/guard.js';
import type { Origin } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { parseInput } from '../../shared/validate.js';
import { drainConfig } from '../dlq-drainer/config.js';
import { governedDrain } from '../dlq-drainer/governed.js';
import { drainRequestSchema } from '../dlq-drainer/schema.js';
import { killSwitchConfig } from '../killswitch/config.js';
import { governedKillSwitch } from '../killswitch/governed.js';
import { killSwitchRequestSchema } from '../killswitch/schema.js';
import { rotationDeps } from '../secret-rotation/config.js';
import { governedRevoke } from '../secret-rotation/governed.js';
import { revokePreviousRequestSchema } from '../secret-rotation/schema.js';
import type { Executor } from './approve.js';
import { fleetExecutors } from './fleet.js';

/** The executors of this deployment; `remainingMs` is the invocation's time left. */
export function executors(remainingMs: () => number, context: Context): Record<string, Executor> {
  // What every executor's action needs besides its own clients and settings.
  const shared = () => ({
    ledger: auditLedgerFromEnv(),
    approvals: approvalStoreFromEnv(),
    policy: approvalPolicy(),
    logger,
    metrics,
    now: () => new Date(),
    remainingMs,
  });
  return {
    'schedules.disable': (request: unknown, origin: Origin) =>
      governedKillSwitch(
        {
          scheduler: schedulerClient(),
          lambda: lambdaClient(),
          ...shared(),
          config: killSwitchConfig(),
        },
        parseInput(killSwitchRequestSchema, request, 'request'),
        origin,
      ),
    'dlq.drain': (request: unknown, origin: Origin) =>
      governedDrain(
        {
          sqs: sqsClient(),
          lambda: lambdaClient(),
          ...shared(),
          config: drainConfig(),
          freeze: freezeGuard(),
        },
        // Stored by the gate from a request that passed this schema; parsed again, as any input is.
        parseInput(drainRequestSchema, request, 'request'),
        origin,
        'drain',
      ),
    // The secret is read and the vendor reached as SecretRotationFunction does (its settings, read-only grants).
    'secret.revoke': (request: unknown, origin: Origin) =>
      governedRevoke(
        { ...rotationDeps(logger, remainingMs), ...shared() },
        parseInput(revokePreviousRequestSchema, request, 'request'),
        origin,
      ),
    // A fleet run held as one request (functions/fleet/governed.ts), with the fleet role's credentials.
    ...fleetExecutors(context),
  };
}
