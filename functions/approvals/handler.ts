// Approval requests (issue 18): GET /approvals/{id}, POST /approvals/{id}/approve, POST /approvals/{id}/reject,
// AWS_IAM only — the approver is the SigV4 principal. A direct invocation is refused: its actor is only a claim.
// The approved-run queue (SQS door, later.ts): an approved run too long for an API call, carried out here with
// the function's whole timeout.
import { ForbiddenError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { logger } from '../../shared/powertools.js';
import type { ApiInvocation } from '../../shared/triggers/index.js';
import { type RouteTable, route } from '../../shared/triggers/router.js';
import { parseInput } from '../../shared/validate.js';
import { approvalStatus, approve, reject } from './approve.js';
import { deps } from './deps.js';
import { runApproved } from './later.js';
import { approvalIdSchema, voteSchema } from './schema.js';

const idOf = (invocation: ApiInvocation) => parseInput(approvalIdSchema, invocation.params?.id, 'id');

function voter(invocation: ApiInvocation) {
  // Every route is AWS_IAM: an unsigned call never gets here. Should one (a misdeployed route), it has no vote.
  if (!invocation.actor.startsWith('arn:'))
    throw new ForbiddenError(
      'an approval needs a signed principal (SigV4), and this call has none',
      undefined,
      'requestContext.authorizer.iam.userArn',
    );
  const { reason } = parseInput(voteSchema, invocation.payload ?? {});
  return {
    principal: invocation.actor,
    correlationId: invocation.correlationId,
    ...(reason ? { reason } : {}),
  };
}

const routes: RouteTable<object> = {
  api: {
    'GET /approvals/{id}': (invocation, context) => approvalStatus(deps(context), idOf(invocation)),
    'POST /approvals/{id}/approve': (invocation, context) =>
      approve(deps(context), idOf(invocation), voter(invocation)),
    'POST /approvals/{id}/reject': (invocation, context) =>
      reject(deps(context), idOf(invocation), voter(invocation)),
  },
  queue: (invocation, context) =>
    runApproved({ ...deps(context), logger }, invocation.payload, invocation.correlationId),
  direct: async () => {
    throw new ForbiddenError(
      'approvals go through the ops API only (POST /approvals/{id}/approve, runbook approve ID --stack NAME): the approver must be the signed principal',
      undefined,
      'event',
    );
  },
};

export const handler = runbookHandler((invocation, context) =>
  route(invocation, routes)(invocation, context),
);
