// The fleet function's dependencies, built once per container: the watch list (file, stack, tags), clients per
// account, the ledger. Kept apart from handler.ts so the doors stay thin and tests build their own.
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Context } from 'aws-lambda';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import {
  cloudWatchClient,
  codeDeployClient,
  lambdaClient,
  lazy,
  schedulerClient,
  sqsClient,
} from '../../shared/clients.js';
import { ValidationError } from '../../shared/errors.js';
import { logger, metrics } from '../../shared/powertools.js';
import watchListFile from '../../watchlist.json' with { type: 'json' };
import { fleetConfig } from './config.js';
import type { AccountClients, FleetDeps } from './types.js';
import { watchedWorkloads } from './watched.js';

const taggingClient = /* @__PURE__ */ lazy(() => new ResourceGroupsTaggingAPIClient({}));

const home = (): AccountClients => ({
  lambda: lambdaClient(),
  scheduler: schedulerClient(),
  sqs: sqsClient(),
  codedeploy: codeDeployClient(),
  cloudwatch: cloudWatchClient(),
});

async function clientsFor(account: string | undefined): Promise<AccountClients> {
  if (account === undefined) return home();
  throw new ValidationError(`account ${account}: member accounts are not configured`, 'account');
}

/** The account of the function itself, from its ARN (`arn:aws:lambda:region:ACCOUNT:function:name`). */
const homeAccountOf = (context: Context) =>
  /^arn:[^:]+:lambda:[^:]*:(\d{12}):/.exec(context.invokedFunctionArn ?? '')?.[1];

let watched: FleetDeps['watchList'] | undefined;

export function fleetDeps(context: Context): FleetDeps {
  const config = fleetConfig();
  watched ??= watchedWorkloads({
    file: watchListFile,
    env: process.env,
    ...(config.tagDiscovery
      ? {
          tagging: async (account: string | undefined) => {
            if (account === undefined) return taggingClient();
            throw new ValidationError(`account ${account}: member accounts are not configured`, 'account');
          },
        }
      : {}),
    logger,
  });
  const homeAccount = homeAccountOf(context);
  return {
    watchList: watched,
    clientsFor,
    ledger: auditLedgerFromEnv(),
    logger,
    metrics: metrics as unknown as FleetDeps['metrics'],
    now: () => new Date(),
    config,
    remainingMs: () => context.getRemainingTimeInMillis(),
    env: process.env,
    ...(homeAccount ? { homeAccount } : {}),
  };
}
