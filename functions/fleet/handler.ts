// Fleet actions by direct invocation (CLI), the API (`/fleet/*`, AWS_IAM), a workload's alarm (SNS), or the
// continuation queue (SQS, continue.ts). Each door becomes one FleetRequest; fleet.ts does the rest.
import type { Context } from 'aws-lambda';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import type { ApiInvocation, Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { fleetDeps } from './deps.js';
import { alarmAction, postPayload, refuseDirectFleet, statusQuery } from './doors.js';
import { continueFleet, fleet } from './fleet.js';
import { fleetRequestSchema } from './schema.js';

function run(invocation: Invocation, context: Context, payload: unknown) {
  const request = parseInput(fleetRequestSchema, payload);
  refuseDirectFleet(invocation.door, request);
  return fleet(fleetDeps(context), request, originOf(invocation));
}

const post = (invocation: ApiInvocation, context: Context) =>
  run(invocation, context, postPayload(invocation));

const routes: RouteTable<object> = {
  api: {
    'GET /fleet/status': (invocation, context) => run(invocation, context, statusQuery(invocation.query)),
    ...Object.fromEntries(
      ['rollback', 'disable', 'enable', 'drain', 'undo'].map((a) => [`POST /fleet/${a}`, post]),
    ),
  },
  direct: (invocation, context) => run(invocation, context, invocation.payload ?? {}),
  alarm: (invocation, context) => alarmAction(invocation, fleetDeps(context)),
  queue: (invocation, context) => continueFleet(fleetDeps(context), invocation.payload),
};

export const handler = runbookHandler((event, context) => route(event, routes)(event, context));
