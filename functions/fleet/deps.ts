// The fleet function's dependencies, built once per container: the watch list (file, stack, tags), clients per
// account, the ledger. Kept apart from handler.ts so the doors stay thin and tests build their own.
import type { Context } from 'aws-lambda';
import { inApiCall } from '../../shared/api-budget.js';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { dynamoDocumentClient, sqsClient } from '../../shared/clients.js';
import { requireEnv } from '../../shared/env.js';
import { type AccountClientsOptions, accountClients } from '../../shared/fleet/accounts.js';
import { ledgerBudget } from '../../shared/fleet/budget.js';
import { budgeted } from '../../shared/fleet/budgeted.js';
import type { WatchList } from '../../shared/fleet/workload.js';
import { logger, metrics } from '../../shared/powertools.js';
import watchListFile from '../../watchlist.json' with { type: 'json' };
import { type FleetSettings, fleetConfig } from './config.js';
import { queueSender } from './continue.js';
import type { AccountClients, FleetDeps } from './types.js';
import { watchedWorkloads } from './watched.js';

/** Whose credentials the fleet's clients use when not the function's own (the approvals function's case). */
export type ActingAs = AccountClientsOptions['as'];

async function baseClients(account: string | undefined, as: ActingAs): Promise<AccountClients> {
  // The watch list says which accounts exist and the role to assume in each; an unknown one is refused.
  return accountClients(await (watched as FleetDeps['watchList'])(), account, as ? { as } : {});
}

// Each account's Lambda and Scheduler writes go through one budget shared with every other run through the
// ledger table (shared/fleet/budget.ts): concurrent fleet actions never multiply it.
const withBudget = new Map<string, Promise<AccountClients>>();

function clientsFor(config: FleetSettings, as: ActingAs) {
  return (account: string | undefined): Promise<AccountClients> => {
    const key = `${account ?? 'self'} ${as?.key ?? ''}`;
    let clients = withBudget.get(key);
    if (!clients) {
      clients = baseClients(account, as).then((base) => {
        const budget = (service: 'lambda' | 'scheduler') =>
          ledgerBudget({
            dynamo: dynamoDocumentClient(),
            tableName: requireEnv('AUDIT_TABLE'),
            service,
            ...(account ? { account } : {}),
            ratePerSecond: config.writesPerSecond[service],
          });
        budgeted(base.lambda, budget('lambda'));
        budgeted(base.scheduler, budget('scheduler'));
        return base;
      });
      // A refused account is not cached: the next request tries again.
      clients.catch(() => withBudget.delete(key));
      withBudget.set(key, clients);
    }
    return clients;
  };
}

const continuationSqs = (as: ActingAs) =>
  as ? accountClients({ workloads: [], accounts: {} }, undefined, { as }).sqs : sqsClient();

/** The account of the function itself, from its ARN (`arn:aws:lambda:region:ACCOUNT:function:name`). */
const homeAccountOf = (context: Context) =>
  /^arn:[^:]+:lambda:[^:]*:(\d{12}):/.exec(context.invokedFunctionArn ?? '')?.[1];

let watched: FleetDeps['watchList'] | undefined;
// What the cached watch list was built from: a container's environment never changes on AWS, but the local
// invoker runs one module for invocations with different settings.
let watchedFrom: string | undefined;

/**
 * The fleet's dependencies in this function. `as`: the approvals function carrying out an approved run acts
 * with the FleetFunction role's credentials (functions/approvals/fleet.ts), in every account.
 */
export function fleetDeps(context: Context, as?: ActingAs): FleetDeps {
  const config = fleetConfig();
  const from = JSON.stringify([config.watchListJson, config.tagDiscovery, process.env.WATCHED_FUNCTION]);
  if (watchedFrom !== from) watched = undefined;
  watchedFrom = from;
  watched ??= watchedWorkloads({
    file: watchListFile,
    inline: config.watchListJson,
    env: process.env,
    ...(config.tagDiscovery
      ? {
          tagging: async (account: string | undefined, declared: WatchList) =>
            accountClients(declared, account, as ? { as } : {}).tagging,
        }
      : {}),
    logger,
  });
  const homeAccount = homeAccountOf(context);
  const queueUrl = config.continuationQueueUrl;
  return {
    watchList: watched,
    clientsFor: clientsFor(config, as),
    // A run that cannot finish in this invocation continues through this queue (continue.ts).
    ...(queueUrl ? { continueWith: queueSender(continuationSqs(as), queueUrl) } : {}),
    approval: { approvals: approvalStoreFromEnv(), policy: approvalPolicy() },
    ledger: auditLedgerFromEnv(),
    logger,
    // Each workload's action counts itself here exactly as the single action does in its own function: the same
    // names in the same namespace with the same dimension set ({service}), so one rollback is one `Rollback`
    // whatever door it came through, the dashboard's `{LambdaRunbook,service}` search and any alarm on it
    // included. No `Workload` dimension: CloudWatch keys a metric by its exact dimension set, so
    // {service, Workload} would be another metric those miss — the very gap this closes — and one metric per
    // watched workload besides; which workload a count came from is in its audit record (`runbook fleet
    // status`). Nor is it the FleetFunction's figure: no action's metric names a function. Bounded whatever the
    // fleet: Powertools flushes an EMF document at 100 metrics or 100 values of one metric (logMetrics flushes
    // the rest at the end of the invocation), and the dimension set stays one.
    metrics,
    now: () => new Date(),
    config,
    remainingMs: () => context.getRemainingTimeInMillis(),
    ...(inApiCall(context) ? { apiCall: true } : {}),
    env: process.env,
    ...(homeAccount ? { homeAccount } : {}),
  };
}
