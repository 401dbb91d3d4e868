// DLQ drain: the incident is over and the workload's DLQ holds a mix — runs that failed while an upstream was
// down, runs the kill switch held back (their time has passed: never replay them), and messages an SQS
// consumer gave up on. Look first, then drain: every fresh one redriven exactly once to the right place,
// every stale one still there, none lost.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AuditLedger } from '../../../shared/audit.js';
import { lambdaClient } from '../../../shared/clients.js';
import {
  THROTTLE_ACTION,
  throttleTarget,
  throttleWindows,
  UNTHROTTLE_ACTION,
} from '../../../shared/throttle-windows.js';
import {
  destinationRecord,
  fillQueue,
  lambdaDeadLetter,
  readAll,
  recordInvokes,
  sourceMessage,
} from '../../dlq.js';
import type { DrillContext, Scenario } from '../scenario.js';

const FRESH_ASYNC = 20;
const FRESH_DESTINATION = 5;
const FROM_SQS = 15;
const HELD_BACK = 10;
const TOTAL = FRESH_ASYNC + FRESH_DESTINATION + FROM_SQS + HELD_BACK;

interface DrainAnswer {
  received: number;
  redriven: number;
  failed: number;
  skipped: { stale: number; filtered: number };
  remainingApprox: number;
  byKind: Record<string, number>;
  redrivenKeys: string[];
  duplicateKeys: string[];
  auditId: string;
}

function estate(ctx: DrillContext) {
  const workload = ctx.state.workload;
  ctx.expect(workload, 'the emulator has no sample workload');
  const dlq = ctx.state.resources.WorkloadDLQ;
  ctx.expect(dlq, 'the emulator has no workload DLQ');
  const table = ctx.state.resources.AuditTable?.ref;
  ctx.expect(table, 'the emulator has no audit table');
  return {
    functionName: workload.functionName,
    functionArn: String(ctx.state.resources.WorkloadFunction?.attributes.Arn),
    dlqName: String(dlq.attributes.QueueName),
    dlqUrl: dlq.ref,
    dlqArn: String(dlq.attributes.Arn),
    table,
  };
}

export const dlqScenarios: Scenario[] = [
  {
    name: 'dlq.peek-then-drain',
    summary: 'a DLQ holds fresh failures, kill-switch-era runs and SQS rejects: redrive the fresh ones only',
    async run(ctx: DrillContext) {
      const { functionName, functionArn, dlqName, dlqUrl, dlqArn, table } = estate(ctx);
      const sqs = new SQSClient({});
      const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
      const sns = new SNSClient({});
      const ledger = new AuditLedger({ dynamo, sns, tableName: table });
      const recorder = recordInvokes(lambdaClient());
      try {
        const open = (await throttleWindows(ledger, functionName)).filter((w) => w.to === undefined);
        ctx.expect(
          open.length === 0,
          'the kill switch still throttles the workload: restore it before draining',
        );

        // An SQS consumer whose queue dead-letters into the same DLQ (the redrive relationship).
        const { QueueUrl: sourceUrl } = await sqs.send(
          new CreateQueueCommand({
            QueueName: 'drill-orders',
            Attributes: {
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
            },
          }),
        );
        const source = String(sourceUrl);

        // The incident: the kill switch throttles the workload, its scheduled runs land in the DLQ.
        const details = { restoreId: 'drill-dlq-incident', functionName };
        const record = {
          actor: 'cli:drill@local',
          reason: 'drill: upstream pricing API down',
          target: throttleTarget(functionName),
          request: {},
          before: {},
          after: {},
          dryRun: false,
          outcome: 'succeeded' as const,
          correlationId: 'drill-dlq',
          details,
        };
        await ledger.record({ ...record, action: THROTTLE_ACTION });
        await fillQueue(
          sqs,
          dlqUrl,
          Array.from({ length: HELD_BACK }, (_, i) =>
            lambdaDeadLetter(
              { job: 'daily-trading', run: `held-${i}` },
              { requestId: `held-${i}`, errorCode: '429' },
            ),
          ),
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
        await ledger.record({ ...record, action: UNTHROTTLE_ACTION });
        await new Promise((resolve) => setTimeout(resolve, 20));
        ctx.step(`kill switch held ${HELD_BACK} runs back (throttled, then restored)`);

        // After the restore: failures of the upstream, and rejects of the SQS consumer.
        await fillQueue(sqs, dlqUrl, [
          ...Array.from({ length: FRESH_ASYNC }, (_, i) =>
            lambdaDeadLetter({ job: 'daily-trading', run: `fresh-${i}` }, { requestId: `fresh-${i}` }),
          ),
          ...Array.from({ length: FRESH_DESTINATION }, (_, i) =>
            destinationRecord(functionArn, { job: 'hedge', run: `dest-${i}` }, `dest-${i}`),
          ),
          ...Array.from({ length: FROM_SQS }, (_, i) => sourceMessage(`order-${i}`, { tenant: 'acme' })),
        ]);
        ctx.step(
          `DLQ filled: ${TOTAL} messages (${FRESH_ASYNC} async, ${FRESH_DESTINATION} destination, ${FROM_SQS} SQS, ${HELD_BACK} held back)`,
        );

        // Look first.
        const peek = await ctx.invoke('DlqDrainerFunction', {
          actor: 'cli:drill@local',
          mode: 'peek',
          queue: dlqName,
          reason: 'drill: what is in the DLQ?',
        });
        const seen = peek.body as unknown as DrainAnswer;
        ctx.step(
          `peek -> received ${seen.received}, by kind ${JSON.stringify(seen.byKind)}, stale ${seen.skipped.stale}`,
        );
        ctx.expect(peek.exitCode === 0 && seen.received === TOTAL, `peek saw ${seen.received} of ${TOTAL}`);
        ctx.expect(recorder.calls.length === 0, 'the peek invoked the workload');
        ctx.expect(seen.remainingApprox === TOTAL, `after the peek the DLQ holds ${seen.remainingApprox}`);

        // Drain.
        const answer = await ctx.invoke('DlqDrainerFunction', {
          actor: 'cli:drill@local',
          queue: dlqName,
          reason: 'drill: upstream is back, replay the failed runs',
          ratePerSecond: 50,
        });
        const drained = answer.body as unknown as DrainAnswer;
        ctx.step(
          `drain -> redriven ${drained.redriven}, failed ${drained.failed}, stale ${drained.skipped.stale}, remaining ${drained.remainingApprox}, audit ${drained.auditId}`,
        );
        ctx.expect(answer.exitCode === 0, `the drain answered ${JSON.stringify(answer.body).slice(0, 300)}`);
        const fresh = FRESH_ASYNC + FRESH_DESTINATION + FROM_SQS;
        ctx.expect(drained.redriven === fresh, `redriven ${drained.redriven}, expected ${fresh}`);
        ctx.expect(
          drained.skipped.stale === HELD_BACK,
          `stale ${drained.skipped.stale}, expected ${HELD_BACK}`,
        );
        ctx.expect(drained.duplicateKeys.length === 0, `redriven twice: ${drained.duplicateKeys.join(', ')}`);

        // Every fresh Lambda event exactly once, on the live alias, asynchronously, with its original payload.
        const runs = recorder.calls.map((call) => {
          ctx.expect(
            call.functionName === functionName &&
              call.qualifier === 'live' &&
              call.invocationType === 'Event',
            `redriven to ${call.functionName}:${call.qualifier} (${call.invocationType})`,
          );
          return String((JSON.parse(call.payload) as { run: string }).run);
        });
        const expectedRuns = [
          ...Array.from({ length: FRESH_ASYNC }, (_, i) => `fresh-${i}`),
          ...Array.from({ length: FRESH_DESTINATION }, (_, i) => `dest-${i}`),
        ];
        ctx.expect(
          runs.length === expectedRuns.length && new Set(runs).size === runs.length,
          `${runs.length} invocations for ${expectedRuns.length} fresh Lambda events`,
        );
        ctx.expect(
          expectedRuns.every((run) => runs.includes(run)),
          'a fresh Lambda event was not redriven',
        );
        ctx.expect(!runs.some((run) => run.startsWith('held-')), 'a held-back run was replayed');
        ctx.step(`workload invoked ${runs.length} times, each fresh run once`);

        // Every SQS reject back on its source queue, with its attributes; the held-back runs still in the DLQ.
        const back = await readAll(sqs, source);
        ctx.expect(
          back.length === FROM_SQS &&
            new Set(back.map((m) => m.body)).size === FROM_SQS &&
            back.every((m) => m.attributes.tenant === 'acme'),
          `source queue holds ${back.length} messages, expected ${FROM_SQS} distinct with their attributes`,
        );
        // Hidden 5 s only: long enough to read each once, short enough to leave the DLQ as it was.
        const left = await readAll(sqs, dlqUrl, 5);
        const leftIds = left.map((m) => m.attributes.RequestID).sort();
        ctx.expect(
          left.length === HELD_BACK && leftIds.every((id) => id?.startsWith('held-')),
          `the DLQ holds ${left.length} (${leftIds.join(', ')}), expected the ${HELD_BACK} held-back runs`,
        );
        ctx.expect(drained.redriven + left.length === TOTAL, 'a message was lost');
        ctx.step(`none lost: ${drained.redriven} redriven + ${left.length} still in the DLQ = ${TOTAL}`);
      } finally {
        recorder.stop();
        sqs.destroy();
        sns.destroy();
      }
    },
  },
];
