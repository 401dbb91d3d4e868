// The DLQ drainer against the emulator: real queues of a few hundred messages, a real redrive relationship,
// the workload's live alias, and kill-switch records in a real ledger. Invocations are recorded by a client
// middleware (moto's asynchronous Invoke runs no code and keeps nothing to read back).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DrainConfig, type DrainDeps, drain } from '../../functions/dlq-drainer/drain.js';
import { type DrainRequest, drainRequestSchema } from '../../functions/dlq-drainer/schema.js';
import {
  destinationRecord,
  fillQueue,
  lambdaDeadLetter,
  readAll,
  recordInvokes,
  sourceMessage,
} from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { THROTTLE_ACTION, throttleTarget, UNTHROTTLE_ACTION } from '../../shared/throttle-windows.js';
import { uniqueName } from '../support/names.js';

const sqs = new SQSClient({});
const lambda = new LambdaClient({});
const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new SNSClient({});
const silent = { info: () => undefined, warn: () => undefined };
const origin = { door: 'direct' as const, actor: 'cli:test@ci', correlationId: 'it-dlq' };

async function createQueue(prefix: string, attributes: Record<string, string> = {}) {
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({
      QueueName: `${uniqueName(prefix)}${attributes.FifoQueue ? '.fifo' : ''}`,
      Attributes: attributes,
    }),
  );
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  return { url: String(QueueUrl), arn: String(Attributes?.QueueArn) };
}

/** A DLQ with a source queue whose redrive policy names it (ListDeadLetterSourceQueues finds the source). */
async function dlqWithSource(fifo = false) {
  const suffix: Record<string, string> = fifo ? { FifoQueue: 'true' } : {};
  const dlq = await createQueue('dlq', suffix);
  const source = await createQueue('source', {
    ...suffix,
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 3 }),
  });
  return { dlq, source };
}

// moto scans the whole queue for every message it delivers: a few hundred messages take tens of seconds when
// the machine is busy, so these tests get more time than the default.
describe('dlq drainer (against the emulator)', { timeout: 180_000 }, () => {
  let state: EmulatorState;
  let functionName: string;
  let functionArn: string;
  let ledger: AuditLedger;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('dlq'),
      workloadVersions: 1,
    });
    functionName = String(state.workload?.functionName);
    functionArn = String(state.resources.WorkloadFunction?.attributes.Arn);
    ledger = new AuditLedger({ dynamo, sns, tableName: String(state.resources.AuditTable?.ref) });
  });

  afterAll(() => {
    for (const client of [sqs, lambda, sns]) client.destroy();
  });

  function deps(config: Partial<DrainConfig> = {}, extra: Partial<DrainDeps> = {}): DrainDeps {
    return {
      sqs,
      lambda,
      ledger,
      logger: silent,
      now: () => new Date(),
      freeze: { windows: [] },
      config: {
        allowedQueues: [],
        accountId: '123456789012',
        allowedTargetQueues: [],
        targetFunction: functionName,
        targetQualifier: 'live',
        maxAgeSeconds: 3600,
        ratePerSecond: 500,
        // One poller: moto's DeleteMessage rebuilds the queue's message list without a lock, so two deletes at
        // once can bring a deleted message back (measured: 9 of 300). SQS has no such race; several pollers
        // are exercised against the in-memory queue of test/unit/dlq-drainer.test.ts.
        concurrency: 10,
        maxMessages: 10_000,
        waitSeconds: 1,
        reserveMs: 1000,
        ...config,
      },
      remainingMs: () => 600_000,
      ...extra,
    };
  }

  const request = (fields: Record<string, unknown>): DrainRequest =>
    drainRequestSchema.parse({ reason: 'integration test', ...fields });

  it('redrives a mix of 300 dead letters exactly once each, to the right place, and empties the DLQ', async () => {
    // Prepare: 120 Lambda async failures, 60 destination records, 120 SQS-sourced messages
    const { dlq, source } = await dlqWithSource();
    const asyncKeys = Array.from({ length: 120 }, (_, i) => `req-async-${i}`);
    const destinationKeys = Array.from({ length: 60 }, (_, i) => `req-dest-${i}`);
    await fillQueue(sqs, dlq.url, [
      ...asyncKeys.map((key, i) => lambdaDeadLetter({ job: 'daily-trading', run: i }, { requestId: key })),
      ...destinationKeys.map((key, i) => destinationRecord(functionArn, { job: 'hedge', run: i }, key)),
      ...Array.from({ length: 120 }, (_, i) => sourceMessage(`order-${i}`, { tenant: 'acme' })),
    ]);
    const recorder = recordInvokes(lambda);

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin).finally(recorder.stop);

    // Assess
    expect(result).toMatchObject({
      received: 300,
      redriven: 300,
      failed: 0,
      skipped: { stale: 0, filtered: 0 },
      remainingApprox: 0,
      duplicateKeys: [],
      byKind: { 'lambda-async': 120, 'lambda-destination': 60, sqs: 120 },
    });
    expect(recorder.calls).toHaveLength(180);
    expect(
      recorder.calls.every(
        (call) =>
          call.functionName === functionName && call.qualifier === 'live' && call.invocationType === 'Event',
      ),
    ).toBe(true);
    // The original events, not the DLQ wrapping: each exactly once.
    const runs = recorder.calls.map((call) => JSON.parse(call.payload) as { job: string; run: number });
    expect(new Set(runs.map((run) => `${run.job}:${run.run}`)).size).toBe(180);
    expect(runs.filter((run) => run.job === 'hedge')).toHaveLength(60);
    const back = await readAll(sqs, source.url);
    expect(back.map((message) => message.body).sort()).toEqual(
      Array.from({ length: 120 }, (_, i) => `order-${i}`).sort(),
    );
    expect(back.every((message) => message.attributes.tenant === 'acme')).toBe(true);
    expect(await readAll(sqs, dlq.url)).toEqual([]);
    // The answer is bounded: the first 100 keys, and how many it left out.
    expect(result.redrivenKeys).toHaveLength(100);
    expect(new Set(result.redrivenKeys).size).toBe(100);
    expect(result.omitted).toEqual({ redrivenKeys: 200 });
  });

  it('with a target failing a third of its Invokes, keeps redriven + still in the DLQ = messages at start', async () => {
    // Prepare: 90 Lambda-fed dead letters; a client whose every third Invoke fails before it leaves
    const { dlq } = await dlqWithSource();
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 90 }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `flaky-${i}` })),
    );
    const flaky = new LambdaClient({});
    let invokes = 0;
    flaky.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'InvokeCommand' && ++invokes % 3 === 0) {
          throw Object.assign(new Error('target unavailable'), { name: 'ServiceException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failEveryThirdInvoke' },
    );
    const recorder = recordInvokes(flaky);
    const depth = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: dlq.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes?.ApproximateNumberOfMessages) +
        Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
      );
    };

    // Act: drain until empty, checking after each run
    let redriven = 0;
    const failures: number[] = [];
    for (let run = 0; run < 8 && (await depth()) > 0; run++) {
      const result = await drain(deps({}, { lambda: flaky }), request({ queue: dlq.url }), origin);
      redriven += result.redriven;
      failures.push(result.failed);

      // Assess: nothing lost, nothing counted twice
      expect(redriven + (await depth())).toBe(90);
    }
    recorder.stop();
    flaky.destroy();

    // Assess
    expect(failures[0]).toBe(30);
    expect(await depth()).toBe(0);
    const runs = recorder.calls.map((call) => JSON.parse(call.payload).run as number);
    expect(runs).toHaveLength(90);
    expect(new Set(runs).size).toBe(90);
  });

  it('never replays what the kill switch held back, nor what is older than maxAgeSeconds, and keeps them', async () => {
    // Prepare: 40 sent while the workload was throttled, then 60 after it was restored
    const { dlq } = await dlqWithSource();
    const details = { restoreId: uniqueName('restore'), functionName };
    const base = {
      actor: 'cli:killswitch@ci',
      reason: 'incident',
      target: throttleTarget(functionName),
      request: {},
      before: {},
      after: {},
      dryRun: false,
      outcome: 'succeeded' as const,
      correlationId: 'ks',
      details,
    };
    await ledger.record({ ...base, action: THROTTLE_ACTION });
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 40 }, (_, i) =>
        lambdaDeadLetter({ run: i }, { requestId: `held-${i}`, errorCode: '429' }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    await ledger.record({ ...base, action: UNTHROTTLE_ACTION });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 60 }, (_, i) => lambdaDeadLetter({ run: 100 + i }, { requestId: `fresh-${i}` })),
    );
    const recorder = recordInvokes(lambda);

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin).finally(recorder.stop);
    // An hour later every one left is stale by age.
    const later = await drain(
      deps({}, { now: () => new Date(Date.now() + 7_200_000) }),
      request({ queue: dlq.url, maxAgeSeconds: 3600 }),
      origin,
    );

    // Assess
    expect(result).toMatchObject({
      received: 100,
      redriven: 60,
      skipped: { stale: 40 },
      remainingApprox: 40,
    });
    expect(result.stale[0]?.reason).toContain('kill switch');
    expect(recorder.calls.map((call) => JSON.parse(call.payload).run).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 60 }, (_, i) => 100 + i),
    );
    expect(later).toMatchObject({ received: 40, redriven: 0, skipped: { stale: 40 }, remainingApprox: 40 });
    expect(later.stale[0]?.reason).toContain('older than 3600 s');
    const left = await readAll(sqs, dlq.url);
    expect(left.map((message) => message.attributes.RequestID).sort()).toEqual(
      Array.from({ length: 40 }, (_, i) => `held-${i}`).sort(),
    );
  });

  it('moves stale messages to the quarantine queue when one is configured', async () => {
    // Prepare
    const { dlq } = await dlqWithSource();
    const quarantine = await createQueue('quarantine');
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 25 }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `old-${i}` })),
    );

    // Act
    const result = await drain(
      deps({ quarantineQueueUrl: quarantine.url }, { now: () => new Date(Date.now() + 7_200_000) }),
      request({ queue: dlq.url }),
      origin,
    );

    // Assess
    expect(result).toMatchObject({ received: 25, redriven: 0, quarantined: 25, remainingApprox: 0 });
    const moved = await readAll(sqs, quarantine.url);
    expect(moved).toHaveLength(25);
    expect(moved[0]?.attributes.DrainerStaleReason).toContain('older than');
    expect(moved[0]?.attributes.RequestID).toMatch(/^old-/);
  });

  it('peeks without deleting or sending anything, and releases every message at once', async () => {
    // Prepare
    const { dlq, source } = await dlqWithSource();
    await fillQueue(sqs, dlq.url, [
      ...Array.from({ length: 30 }, (_, i) => lambdaDeadLetter({ run: i }, { errorCode: '500' })),
      ...Array.from({ length: 20 }, (_, i) => sourceMessage(`order-${i}`)),
    ]);
    const recorder = recordInvokes(lambda);

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin, 'peek').finally(recorder.stop);

    // Assess
    expect(result).toMatchObject({
      mode: 'peek',
      dryRun: true,
      received: 50,
      redriven: 0,
      byErrorCode: { '500': 30, none: 20 },
      byKind: { 'lambda-async': 30, sqs: 20 },
      byAge: { '<5m': 50 },
    });
    expect(result.samples.length).toBeGreaterThan(0);
    expect(recorder.calls).toEqual([]);
    expect(await readAll(sqs, source.url)).toEqual([]);
    // Visible again immediately, not after a visibility timeout.
    expect(await readAll(sqs, dlq.url)).toHaveLength(50);
  });

  it('redrives only what the filter selects and keeps the rest', async () => {
    // Prepare
    const { dlq } = await dlqWithSource();
    await fillQueue(sqs, dlq.url, [
      ...Array.from({ length: 10 }, (_, i) => lambdaDeadLetter({ run: i }, { errorCode: '429' })),
      ...Array.from({ length: 15 }, (_, i) => lambdaDeadLetter({ run: 100 + i }, { errorCode: '200' })),
    ]);
    const recorder = recordInvokes(lambda);

    // Act
    const result = await drain(
      deps(),
      request({ queue: dlq.url, filter: { errorCode: '429' } }),
      origin,
    ).finally(recorder.stop);

    // Assess
    expect(result).toMatchObject({
      received: 25,
      redriven: 10,
      skipped: { filtered: 15 },
      remainingApprox: 15,
    });
    expect(recorder.calls).toHaveLength(10);
  });

  it('keeps a FIFO message group and gives each redrive a fresh deduplication id', async () => {
    // Prepare: the same deduplication ids the source used, within SQS's 5-minute window
    const { dlq, source } = await dlqWithSource(true);
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: dlq.url,
        Entries: Array.from({ length: 6 }, (_, i) => ({
          Id: String(i),
          MessageBody: `fill-${i}`,
          MessageGroupId: i < 3 ? 'account-1' : 'account-2',
          MessageDeduplicationId: `dedup-${i}`,
        })),
      }),
    );

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin);

    // Assess
    expect(result).toMatchObject({ received: 6, redriven: 6, remainingApprox: 0 });
    const back = await readAll(sqs, source.url);
    expect(back.map((message) => `${message.groupId}:${message.body}`).sort()).toEqual([
      'account-1:fill-0',
      'account-1:fill-1',
      'account-1:fill-2',
      'account-2:fill-3',
      'account-2:fill-4',
      'account-2:fill-5',
    ]);
  });

  it('stops at maxMessages and leaves the rest for the next run', async () => {
    // Prepare
    const { dlq } = await dlqWithSource();
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 40 }, (_, i) => lambdaDeadLetter({ run: i })),
    );

    // Act
    const first = await drain(deps(), request({ queue: dlq.url, maxMessages: 25 }), origin);
    const second = await drain(deps(), request({ queue: dlq.url }), origin);

    // Assess
    expect(first).toMatchObject({
      received: 25,
      redriven: 25,
      stoppedBy: 'maxMessages',
      remainingApprox: 15,
    });
    expect(second).toMatchObject({ received: 15, redriven: 15, stoppedBy: 'empty', remainingApprox: 0 });
  });

  it('runs through the handler: the workload DLQ by name, audited, answering ok', async () => {
    // Prepare
    const dlqName = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    const dlqUrl = String(state.resources.WorkloadDLQ?.ref);
    await fillQueue(sqs, dlqUrl, [lambdaDeadLetter({ run: 1 }, { requestId: 'handler-1' })]);

    // Act
    const outcome = await invokeFunction({
      logicalId: 'DlqDrainerFunction',
      event: { actor: 'cli:test@ci', queue: dlqName, reason: 'integration test' },
      state,
    });

    // Assess
    const result = outcome.result as {
      ok: boolean;
      redriven: number;
      auditId: string;
      redrivenKeys: string[];
    };
    expect(outcome.exitCode).toBe(0);
    expect(result).toMatchObject({ ok: true, redriven: 1, redrivenKeys: ['handler-1'] });
    const record = await ledger.get(result.auditId);
    expect(record).toMatchObject({ action: 'dlq.drain', outcome: 'succeeded', target: `queue:${dlqName}` });
  });

  it('redrives a mix of tiny and near-1 MiB messages to their source queue, in batches SQS accepts, losing none', async () => {
    // Prepare: 3 messages just under SQS's 1 MiB (with their attribute), 6 of 250 KB, 12 tiny ones
    const { dlq, source } = await dlqWithSource();
    const bodies = [
      ...Array.from({ length: 3 }, (_, i) => `${'n'.repeat(1_048_576 - 40)}-${i}`),
      ...Array.from({ length: 6 }, (_, i) => `${'q'.repeat(250_000)}-${i}`),
      ...Array.from({ length: 12 }, (_, i) => `tiny-${i}`),
    ];
    // Interleaved, so a receive of ten mixes sizes; sent one at a time (a batch of these would exceed 1 MiB).
    const order = bodies.map((_, i) => (i * 8) % bodies.length);
    for (const index of order) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: dlq.url,
          MessageBody: bodies[index],
          MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
        }),
      );
    }

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin);

    // Assess
    expect(result).toMatchObject({ received: 21, redriven: 21, failed: 0, tooLarge: 0, remainingApprox: 0 });
    const back = await readAll(sqs, source.url);
    expect(back.map((message) => message.body).sort()).toEqual([...bodies].sort());
    expect(back.every((message) => message.attributes.tenant === 'acme')).toBe(true);
    expect(await readAll(sqs, dlq.url)).toEqual([]);
  });

  it('refuses a Lambda target that does not exist before receiving, and deletes nothing', async () => {
    // Prepare: moto would answer Invoke 202 for it
    const { dlq } = await dlqWithSource();
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 8 }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `missing-${i}` })),
    );
    const recorder = recordInvokes(lambda);

    // Act
    const error = await drain(
      deps(),
      request({ queue: dlq.url, target: { type: 'lambda', functionName: uniqueName('no-such-function') } }),
      origin,
    )
      .catch((caught: unknown) => caught)
      .finally(recorder.stop);

    // Assess
    expect(error).toMatchObject({ code: 'NotFound', field: 'target.functionName' });
    expect(recorder.calls).toEqual([]);
    expect(await readAll(sqs, dlq.url)).toHaveLength(8);
  });

  it('refuses a Lambda target alias that does not exist before receiving, and deletes nothing', async () => {
    // Prepare
    const { dlq } = await dlqWithSource();
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 8 }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `no-alias-${i}` })),
    );
    const recorder = recordInvokes(lambda);

    // Act
    const error = await drain(
      deps(),
      request({ queue: dlq.url, target: { type: 'lambda', functionName, qualifier: 'no-such-alias' } }),
      origin,
    )
      .catch((caught: unknown) => caught)
      .finally(recorder.stop);

    // Assess
    expect(error).toMatchObject({ code: 'NotFound', field: 'target.qualifier' });
    expect(recorder.calls).toEqual([]);
    expect(await readAll(sqs, dlq.url)).toHaveLength(8);
  });

  it('keeps destination records of a function that no longer exists, instead of deleting them', async () => {
    // Prepare: records naming a deleted function (the default target is used only for async dead letters)
    const { dlq } = await dlqWithSource();
    const gone = functionArn.replace(functionName, uniqueName('deleted-function'));
    await fillQueue(
      sqs,
      dlq.url,
      Array.from({ length: 5 }, (_, i) => destinationRecord(gone, { run: i }, `gone-${i}`)),
    );
    const recorder = recordInvokes(lambda);

    // Act
    const result = await drain(deps(), request({ queue: dlq.url }), origin).finally(recorder.stop);

    // Assess
    expect(result).toMatchObject({ received: 5, redriven: 0, failed: 5, remainingApprox: 5 });
    expect(result.failures[0]?.error).toMatch(/^no function deleted-function-/);
    expect(recorder.calls).toEqual([]);
    expect(await readAll(sqs, dlq.url)).toHaveLength(5);
  });

  it('refuses a drain when the configured target function has no such alias, deleting nothing', async () => {
    // Prepare
    const { dlq } = await dlqWithSource();
    await fillQueue(sqs, dlq.url, [lambdaDeadLetter({ run: 1 }, { requestId: 'configured-alias' })]);

    // Act
    const error = await drain(deps({ targetQualifier: 'gone' }), request({ queue: dlq.url }), origin).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toMatchObject({ code: 'NotFound', field: 'target' });
    expect(await readAll(sqs, dlq.url)).toHaveLength(1);
  });

  it('refuses an unknown queue before receiving anything', async () => {
    // Act
    const error = await drain(deps(), request({ queue: uniqueName('no-such-queue') }), origin).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toMatchObject({ code: 'NotFound', field: 'queue' });
  });
});
