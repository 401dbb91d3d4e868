// The emergency kill switch by direct invocation, its three API routes, or a listed alarm (doors.ts).
import type { Context } from 'aws-lambda';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { approvalStoreFromEnv } from '../../shared/approval/store.js';
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { lambdaClient, schedulerClient } from '../../shared/clients.js';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { refuseDirectUnlessAllowed } from '../../shared/require-api.js';
import type { AlarmInvocation, ApiInvocation, Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { killSwitchConfig } from './config.js';
import { alarmRequest, apiPayload } from './doors.js';
import { governedKillSwitch } from './governed.js';
import type { KillSwitchDeps } from './killswitch.js';
import { progressListener } from './progress.js';
import { killSwitchRequestSchema } from './schema.js';

function deps(context: Context): KillSwitchDeps {
  const clients = { scheduler: schedulerClient(), lambda: lambdaClient(), ledger: auditLedgerFromEnv() };
  const remainingMs = () => context.getRemainingTimeInMillis();
  const runtime = { logger, metrics, now: () => new Date(), remainingMs, onProgress: progressListener() };
  return { ...clients, ...runtime, config: killSwitchConfig() };
}

function run(invocation: Invocation, context: Context, payload: unknown) {
  const request = parseInput(killSwitchRequestSchema, payload);
  if (request.action !== 'status' && !request.dryRun)
    refuseDirectUnlessAllowed(invocation.door, `schedules.${request.action}`);
  const approvals = { approvals: approvalStoreFromEnv(), policy: approvalPolicy() };
  return governedKillSwitch({ ...deps(context), ...approvals }, request, originOf(invocation));
}

async function alarm(invocation: AlarmInvocation, context: Context) {
  const answer = alarmRequest(invocation, killSwitchConfig(), logger);
  if (!('payload' in answer)) return answer;
  return { acknowledged: true, acted: true, ...(await run(invocation, context, answer.payload)) };
}

const api = (invocation: ApiInvocation, context: Context) => run(invocation, context, apiPayload(invocation));
const routes: RouteTable<object> = {
  api: { 'POST /schedules/disable': api, 'POST /schedules/enable': api, 'GET /schedules/status': api },
  direct: (invocation, context) => run(invocation, context, invocation.payload ?? {}),
  alarm,
};

export const handler = runbookHandler((event, context) => route(event, routes)(event, context));
