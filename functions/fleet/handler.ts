// Fleet actions by direct invocation (CLI), the API (`/fleet/*`, AWS_IAM), an SNS-delivered alarm that
// belongs to one watched workload, or the continuation queue (SQS: the next part of a run that ran out of time,
// continue.ts). Each door becomes one FleetRequest; fleet.ts does the rest.
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
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { alarmReason } from '../../shared/triggers/alarm.js';
import type { AlarmInvocation, ApiInvocation, Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { isObject, parseInput } from '../../shared/validate.js';
import watchListFile from '../../watchlist.json' with { type: 'json' };
import { routeAlarm } from './alarm.js';
import { fleetConfig } from './config.js';
import { queueSender } from './continue.js';
import { continueFleet, fleet } from './fleet.js';
import { fleetRequestSchema } from './schema.js';
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

let watched: (() => ReturnType<FleetDeps['watchList']>) | undefined;

function deps(context: Context): FleetDeps {
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
  const queueUrl = config.continuationQueueUrl;
  return {
    watchList: watched,
    clientsFor,
    ...(queueUrl ? { continueWith: queueSender(sqsClient(), queueUrl) } : {}),
    ledger: auditLedgerFromEnv(),
    logger,
    metrics: metrics as unknown as FleetDeps['metrics'],
    now: () => new Date(),
    config,
    remainingMs: () => context.getRemainingTimeInMillis(),
  };
}

function run(invocation: Invocation, context: Context, payload: unknown) {
  const request = parseInput(fleetRequestSchema, payload);
  return fleet(deps(context), request, originOf(invocation));
}

async function alarm(invocation: AlarmInvocation, context: Context) {
  const notification = invocation.alarm;
  const acknowledged = {
    acknowledged: true,
    acted: false,
    alarm: notification.AlarmName,
    state: notification.NewStateValue,
  } as const;
  if (notification.NewStateValue !== 'ALARM') return acknowledged;
  const fleetDeps = deps(context);
  const routed = routeAlarm(await fleetDeps.watchList(), notification);
  if (routed.act === 'none') {
    logger.info(`alarm ${notification.AlarmName}: no action (${routed.why})`);
    return { ...acknowledged, why: routed.why };
  }
  const request = parseInput(fleetRequestSchema, {
    action: routed.act,
    workloads: [routed.workload.name],
    reason: alarmReason(notification),
  });
  return { acknowledged: true, acted: true, ...(await fleet(fleetDeps, request, originOf(invocation))) };
}

const ROUTES = ['rollback', 'disable', 'enable', 'drain', 'undo'] as const;

/** A POST body: the route says the action; a body that says another is refused. */
function postPayload(invocation: ApiInvocation): Record<string, unknown> {
  const action = invocation.route.path.slice('/fleet/'.length);
  const body = invocation.payload ?? {};
  if (!isObject(body)) throw new ValidationError('request body must be a JSON object', 'body');
  if (body.action !== undefined && body.action !== action)
    throw new ValidationError(
      `action: this route is ${action}; the body says ${JSON.stringify(body.action)}`,
      'action',
    );
  return { ...body, action };
}

/** GET /fleet/status?workloads=a,b&tag=team=payments&all=true&deployedSince=30m&accounts=…&auditId=… */
export function statusQuery(query: Record<string, string> = {}): Record<string, unknown> {
  const { workloads, tag, all, accounts, ...rest } = query;
  const list = (value: string) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const tags =
    tag === undefined
      ? undefined
      : Object.fromEntries(
          list(tag).map((pair) => {
            const at = pair.indexOf('=');
            if (at <= 0)
              throw new ValidationError(`tag: expected key=value, got ${JSON.stringify(pair)}`, 'tags');
            return [pair.slice(0, at), pair.slice(at + 1)];
          }),
        );
  return {
    ...rest,
    action: 'status',
    ...(workloads !== undefined ? { workloads: list(workloads) } : {}),
    ...(tags ? { tags } : {}),
    ...(all !== undefined ? { all: all === 'true' } : {}),
    ...(accounts !== undefined ? { accounts: list(accounts) } : {}),
  };
}

const routes: RouteTable<object> = {
  api: {
    'GET /fleet/status': (invocation, context) => run(invocation, context, statusQuery(invocation.query)),
    ...Object.fromEntries(
      ROUTES.map((action) => [
        `POST /fleet/${action}`,
        (invocation: ApiInvocation, context: Context) => run(invocation, context, postPayload(invocation)),
      ]),
    ),
  },
  direct: (invocation, context) => run(invocation, context, invocation.payload ?? {}),
  alarm,
  // A malformed message is refused (4xx: answered, so deleted); a failure that may pass is thrown (retried,
  // then dead-lettered): shared/triggers/queue.ts.
  queue: (invocation, context) => continueFleet(deps(context), invocation.payload),
};

export const handler = runbookHandler((event, context) => route(event, routes)(event, context));
