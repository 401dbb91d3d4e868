// An approved run, carried out from the approved-run queue as Lambda's event source mapping would deliver it
// (moto has none: local/emulator/event-sources.ts stands in), for the drill's scenarios that approve one.
import { SQSClient } from '@aws-sdk/client-sqs';
import { deliverOne, queueSources } from '../emulator/event-sources.js';
import type { DrillContext } from './scenario.js';

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
