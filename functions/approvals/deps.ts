// The approvals function's dependencies, per invocation: the store, the ledger, the executors of approved plans
// (executors.ts) and the approved-run queue (later.ts). Kept apart from handler.ts so the doors stay thin.
import type { Context } from 'aws-lambda';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { sqsClient } from '../../shared/clients.js';
import type { ApprovalsDeps } from './approve.js';
import { executors } from './executors.js';
import { approvedRunSender, CARRIED_OUT_LATER } from './later.js';

/**
 * `context`'s remaining time is what every executor reads (directly, or through the fleet's deps): from the
 * queue, the invocation's own; through the API, the API call's (runbookHandler bounds it, shared/api-budget.ts),
 * so an approved drain or revocation carried out inside the call stops, and answers, in time.
 */
export function deps(context: Context): ApprovalsDeps {
  const queueUrl = process.env.APPROVED_RUN_QUEUE_URL;
  return {
    approvals: approvalStoreFromEnv(),
    ledger: auditLedgerFromEnv(),
    now: () => new Date(),
    executors: executors(() => context.getRemainingTimeInMillis(), context),
    later: {
      actions: CARRIED_OUT_LATER,
      ...(queueUrl ? { send: approvedRunSender(sqsClient(), queueUrl) } : {}),
    },
  };
}
