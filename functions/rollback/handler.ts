// Alias rollback by direct invocation (CLI, `sam local invoke`), `POST /rollback` (AWS_IAM), or an SNS-delivered
// CloudWatch alarm. Each door becomes one RollbackRequest; rollback.ts does the rest.
import { auditLedgerFromEnv } from '../../shared/audit.js';
import { codeDeployClient, lambdaClient } from '../../shared/clients.js';
import { runbookHandler } from '../../shared/handler.js';
import { originOf } from '../../shared/origin.js';
import { logger, metrics } from '../../shared/powertools.js';
import { refuseDirectUnlessAllowed } from '../../shared/require-api.js';
import type { AlarmInvocation, Invocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { alarmPayload } from './alarm.js';
import { rollbackConfig } from './config.js';
import { rollback } from './rollback.js';
import { rollbackRequestSchema } from './schema.js';
import type { RollbackDeps } from './types.js';

export { isRollbackAlarm } from './alarm.js';
export { rollbackConfig } from './config.js';

function run(invocation: Invocation, payload: unknown) {
  const request = parseInput(rollbackRequestSchema, payload);
  if (!request.dryRun) refuseDirectUnlessAllowed(invocation.door, 'rollback');
  const deps: RollbackDeps = {
    lambda: lambdaClient(),
    // Built on first use: a function no CodeDeploy application deploys never sends it a request, and building
    // a client loads its whole service model (a cold start's time, and the CLI's, for nothing).
    get codedeploy() {
      return codeDeployClient();
    },
    ledger: auditLedgerFromEnv(),
    logger,
    metrics,
    now: () => new Date(),
    config: rollbackConfig(),
  };
  return rollback(deps, request, originOf(invocation));
}

async function alarm(invocation: AlarmInvocation) {
  const answer = alarmPayload(invocation, rollbackConfig().rollbackAlarms, logger);
  if (!('payload' in answer)) return answer;
  return { acknowledged: true, acted: true, ...(await run(invocation, answer.payload)) };
}

const routes: RouteTable<object> = {
  api: { 'POST /rollback': (invocation) => run(invocation, invocation.payload ?? {}) },
  direct: (invocation) => run(invocation, invocation.payload ?? {}),
  alarm,
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
