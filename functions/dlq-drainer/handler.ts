// DLQ drainer by direct invocation (CLI, `sam local invoke`, the schedule), `POST /dlq/drain` and
// `POST /dlq/peek` (AWS_IAM). Each door becomes one DrainRequest; drain.ts does the rest.
import type { Context } from 'aws-lambda';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, sqsClient } from '../../shared/clients.js';
import { lenientFreezeGuard } from '../../shared/freeze/guard.js';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { refuseDirectUnlessAllowed } from '../../shared/require-api.js';
import type { Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { drainConfig } from './config.js';
import type { Mode } from './drain.js';
import { governedDrain } from './governed.js';
import { progressListener } from './progress.js';
import { directPayload, drainRequestSchema } from './schema.js';

function run(invocation: Invocation, context: Context, payload: unknown, mode: Mode) {
  const request = parseInput(drainRequestSchema, payload);
  if (mode === 'drain' && !request.dryRun) refuseDirectUnlessAllowed(invocation.door, 'dlq.drain');
  const clients = { sqs: sqsClient(), lambda: lambdaClient(), ledger: auditLedgerFromEnv() };
  // Lenient: a malformed FREEZE_WINDOWS refuses every drain with the setting's error (fail closed), while a peek
  // and a dry run, which change nothing, may still look.
  const settings = { config: drainConfig(), freeze: lenientFreezeGuard() };
  const deps = { ...clients, ...settings, logger, metrics, now: () => new Date() };
  const live = { remainingMs: () => context.getRemainingTimeInMillis(), onProgress: progressListener() };
  const approvals = { approvals: approvalStoreFromEnv(), policy: approvalPolicy() };
  return governedDrain({ ...deps, ...live, ...approvals }, request, originOf(invocation), mode);
}

const api = (mode: Mode) => (invocation: Invocation, context: Context) =>
  run(invocation, context, invocation.payload ?? {}, mode);

const routes: RouteTable<object> = {
  api: { 'POST /dlq/drain': api('drain'), 'POST /dlq/peek': api('peek') },
  direct: (invocation, context) => {
    const { mode, payload } = directPayload(invocation.payload);
    return run(invocation, context, payload, mode);
  },
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
