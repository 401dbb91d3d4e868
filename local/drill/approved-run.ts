// An approved run, carried out from the approved-run queue as Lambda's event source mapping would deliver it
// (moto has none: local/emulator/event-sources.ts stands in), for the drill's scenarios that approve one.
import { SQSClient } from '@aws-sdk/client-sqs';
import { deliverOne, queueSources } from '../emulator/event-sources.js';
import { apiEvent } from './api-event.js';
import type { DrillContext } from './scenario.js';

/** `who` approves `approvalId` through the API (POST /approvals/{id}/approve) saying `reason`, with `env`. */
export function approveThroughApi(
  ctx: DrillContext,
  approvalId: string,
  who: string,
  reason: string,
  env: Record<string, string>,
) {
  return ctx.invoke(
    'ApprovalsFunction',
    apiEvent('approval-approve-unknown.json', who, { reason }, { id: approvalId }),
    env,
  );
}

/** Delivers the queued approved run to ApprovalsFunction with `env`; its answer, checked to be `executed`. */
export async function carryOutApproved(
  ctx: DrillContext,
  env: Record<string, string>,
): Promise<{ status?: string; result?: Record<string, unknown> }> {
  const [source] = queueSources(ctx.state, { only: ['ApprovalsFunction'] });
  ctx.expect(source, 'ApprovalsFunction reads no queue (ApprovedRunQueue)');
  const sqs = new SQSClient({});
  try {
    const delivered = await deliverOne(sqs, source, ctx.state, {
      waitSeconds: 5,
      envVars: { ApprovalsFunction: env },
    });
    const run = delivered?.outcome?.result as { status?: string; result?: Record<string, unknown> };
    ctx.expect(
      delivered?.deleted === true && run?.status === 'executed',
      `the approved run was not carried out: ${JSON.stringify(delivered).slice(0, 400)}`,
    );
    return run;
  } finally {
    sqs.destroy();
  }
}
