// A frozen-window incident: the 09:35 trading run is on, the stack is frozen, and dead letters pile up. The
// functions themselves hold the line: a drain is refused, a dry run still looks, a rollback and the kill switch
// (they reduce risk) pass; the drain asked through the ops API is held for approval, the requester cannot
// approve it, and two other people's approvals carry it out through the freeze — all of it in the ledger.
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { fillQueue, lambdaDeadLetter } from '../../dlq.js';
import { apiEvent } from '../api-event.js';
import { approveThroughApi, carryOutApproved } from '../approved-run.js';
import type { DrillContext, Scenario } from '../scenario.js';

async function depth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages);
}

export const freezeScenarios: Scenario[] = [
  {
    name: 'freeze.trading-run',
    summary:
      'during a freeze a drain is refused, a rollback passes, and two approvals carry the drain through it',
    async run(ctx: DrillContext) {
      const dlq = ctx.state.resources.WorkloadDLQ;
      ctx.expect(dlq, 'the emulator has no workload DLQ');
      const queue = String(dlq.attributes.QueueName);
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const windows = `${iso(now - 5 * 60_000)}/${iso(now + 30 * 60_000)} drill: the 09:35 trading run`;
      const frozen = { FREEZE_WINDOWS: windows };
      ctx.step(`frozen until ${iso(now + 30 * 60_000)}: ${windows}`);

      const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
      try {
        // What earlier scenarios left in the DLQ (stale letters a drain keeps) stays; these three must go.
        const before = await depth(sqs, dlq.ref);
        await fillQueue(
          sqs,
          dlq.ref,
          Array.from({ length: 3 }, (_, i) =>
            lambdaDeadLetter({ job: 'daily-trading', run: `frozen-${i}` }, { requestId: `frozen-${i}` }),
          ),
        );
        const drain = {
          actor: 'cli:drill@local',
          mode: 'drain',
          queue,
          reason: 'drill: replay the failed runs',
        };
        const refused = await ctx.invoke('DlqDrainerFunction', drain, frozen);
        const error = refused.body.error as { code?: string; message?: string } | undefined;
        ctx.expect(
          refused.body.ok === false && error?.code === 'Conflict',
          `the drain was not refused: ${JSON.stringify(refused.body).slice(0, 300)}`,
        );
        ctx.step(`drain refused: ${error?.message}`);

        const look = await ctx.invoke('DlqDrainerFunction', { ...drain, dryRun: true }, frozen);
        ctx.expect(
          look.body.ok !== false,
          `a dry run should still look: ${JSON.stringify(look.body).slice(0, 300)}`,
        );
        ctx.step('a dry run still reads the queue during the freeze');

        const rollback = await ctx.invoke(
          'RollbackFunction',
          {
            actor: 'cli:drill@local',
            functionName: ctx.state.workload?.functionName,
            reason: 'drill: rollback in a freeze',
            force: true,
            dryRun: true,
          },
          frozen,
        );
        ctx.expect(
          rollback.body.ok !== false,
          `a rollback must pass a freeze: ${JSON.stringify(rollback.body).slice(0, 300)}`,
        );
        ctx.step('a rollback is never frozen (it reduces risk)');

        const asked = await ctx.invoke(
          'DlqDrainerFunction',
          apiEvent('dlq-drain.json', 'alice', { queue, reason: 'drill: replay, approved' }),
          frozen,
        );
        const approvalId = String(asked.body.approvalId ?? '');
        ctx.expect(
          approvalId !== '',
          `the API drain should be held for approval: ${JSON.stringify(asked.body).slice(0, 300)}`,
        );
        ctx.step(`alice asked through the API: held for approval ${approvalId}`);

        const vote = (who: string) =>
          approveThroughApi(ctx, approvalId, who, `drill: ${who} checked`, frozen);
        const own = await vote('alice');
        ctx.expect(
          own.body.ok === false,
          `the requester must not approve: ${JSON.stringify(own.body).slice(0, 200)}`,
        );
        ctx.step('alice cannot approve her own request');
        await vote('bob');
        const approved = await vote('carol');
        ctx.expect(
          approved.body.status === 'approved' && approved.body.carrying === true,
          `the second approval should queue the drain: ${JSON.stringify(approved.body).slice(0, 300)}`,
        );
        // Carried out from the approved-run queue (a drain may take longer than an API call).
        await carryOutApproved(ctx, frozen);
        const left = await depth(sqs, dlq.ref);
        ctx.expect(left <= before, `the approved drain left ${left} message(s), ${before} were there before`);
        ctx.step(
          `bob and carol approved: the drain, carried out from the approved-run queue, ran through the freeze (${before + 3} → ${left} in the DLQ)`,
        );
      } finally {
        sqs.destroy();
      }
    },
  },
];
