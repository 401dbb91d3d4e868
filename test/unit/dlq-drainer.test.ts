// What moto cannot show: per-entry failures of SendMessageBatch and DeleteMessageBatch, a target failing a
// third of its sends, the Lambda deadline, and bad input refused before any receive. SQS is an in-memory fake
// behind aws-sdk-client-mock that keeps visibility as SQS does; the happy paths run against moto in
// test/integration/dlq-drainer.test.ts.
import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type DrainConfig, type DrainDeps, drain } from '../../functions/dlq-drainer/drain.js';
import { handler } from '../../functions/dlq-drainer/handler.js';
import { classify } from '../../functions/dlq-drainer/messages.js';
import { type DrainRequest, drainRequestSchema } from '../../functions/dlq-drainer/schema.js';
import { lambdaContext } from './support/context.js';
import { setEnv } from './support/env.js';
import { fakeLedger } from './support/ledger.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const sqs = mockClient(SQSClient);
const lambda = mockClient(LambdaClient);
const dynamo = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);

// Queue URLs are on the SQS endpoint the client resolves (the emulator's, in tests): the drainer refuses others.
const ACCOUNT = `${String(process.env.AWS_ENDPOINT_URL)}/123456789012`;
const DLQ = `${ACCOUNT}/trading-dlq`;
const SOURCE = `${ACCOUNT}/orders`;
const FN = 'trading';
const silent = { info: () => undefined, warn: () => undefined };
const origin = { door: 'direct' as const, actor: 'cli:alice@laptop', correlationId: 'req-1' };

interface Stored {
  message: Message;
  visible: boolean;
  handle?: string;
}

/** An in-memory SQS: visibility, receipt handles and per-entry answers as SQS gives them. */
function fakeSqs(
  options: { failSendEvery?: number; failDeleteIds?: Set<string>; failReceiveAfter?: number } = {},
) {
  const queues = new Map<string, Stored[]>([
    [DLQ, []],
    [SOURCE, []],
  ]);
  let sends = 0;
  let handles = 0;
  const now = Date.now();
  const put = (url: string, message: Partial<Message>) => {
    const id = message.MessageId ?? `m-${queues.get(url)?.length}-${Math.random()}`;
    queues.get(url)?.push({
      visible: true,
      message: {
        ...message,
        MessageId: id,
        Attributes: { SentTimestamp: String(now - 60_000), ...message.Attributes },
      },
    });
  };
  sqs.on(GetQueueUrlCommand).callsFake(({ QueueName }) => {
    const url = `${ACCOUNT}/${QueueName}`;
    if (!queues.has(url)) throw new QueueDoesNotExist({ message: 'no queue', $metadata: {} });
    return { QueueUrl: url };
  });
  sqs.on(GetQueueAttributesCommand).callsFake(({ QueueUrl }) => {
    const stored = queues.get(QueueUrl);
    if (!stored) throw new QueueDoesNotExist({ message: 'no queue', $metadata: {} });
    return {
      Attributes: {
        ApproximateNumberOfMessages: String(stored.filter((s) => s.visible).length),
        ApproximateNumberOfMessagesNotVisible: String(stored.filter((s) => !s.visible).length),
      },
    };
  });
  sqs.on(ListDeadLetterSourceQueuesCommand).resolves({ queueUrls: [SOURCE] });
  let receives = 0;
  sqs.on(ReceiveMessageCommand).callsFake(({ QueueUrl, MaxNumberOfMessages = 1 }) => {
    receives++;
    if (options.failReceiveAfter !== undefined && receives > options.failReceiveAfter) {
      throw Object.assign(new Error('service unavailable'), { name: 'ServiceUnavailable' });
    }
    const visible = (queues.get(QueueUrl) ?? []).filter((s) => s.visible).slice(0, MaxNumberOfMessages);
    for (const stored of visible) {
      stored.visible = false;
      stored.handle = `h-${handles++}`;
    }
    return { Messages: visible.map((s) => ({ ...s.message, ReceiptHandle: s.handle })) };
  });
  sqs.on(DeleteMessageBatchCommand).callsFake(({ QueueUrl, Entries = [] }) => {
    const stored = queues.get(QueueUrl) ?? [];
    const Successful: { Id: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean }[] = [];
    for (const entry of Entries) {
      const index = stored.findIndex((s) => s.handle === entry.ReceiptHandle);
      const found = stored[index];
      if (found && !options.failDeleteIds?.has(String(found.message.MessageId))) {
        stored.splice(index, 1);
        Successful.push({ Id: entry.Id });
      } else Failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false });
    }
    return { Successful, Failed };
  });
  sqs.on(ChangeMessageVisibilityBatchCommand).callsFake(({ QueueUrl, Entries = [] }) => {
    const stored = queues.get(QueueUrl) ?? [];
    for (const entry of Entries) {
      const found = stored.find((s) => s.handle === entry.ReceiptHandle);
      if (found && entry.VisibilityTimeout === 0) found.visible = true;
    }
    return { Successful: Entries.map((entry: { Id?: string }) => ({ Id: entry.Id })), Failed: [] };
  });
  sqs.on(SendMessageBatchCommand).callsFake(({ QueueUrl, Entries = [] }) => {
    const Successful: { Id: string; MessageId: string; MD5OfMessageBody: string }[] = [];
    const Failed: { Id: string; Code: string; SenderFault: boolean; Message: string }[] = [];
    for (const entry of Entries) {
      sends++;
      if (options.failSendEvery && sends % options.failSendEvery === 0) {
        Failed.push({ Id: entry.Id, Code: 'InternalError', SenderFault: false, Message: 'try again' });
        continue;
      }
      put(QueueUrl, { Body: entry.MessageBody, MessageAttributes: entry.MessageAttributes });
      Successful.push({ Id: entry.Id, MessageId: `s-${sends}`, MD5OfMessageBody: '' });
    }
    return { Successful, Failed };
  });
  return {
    put,
    bodies: (url: string) => (queues.get(url) ?? []).map((s) => String(s.message.Body)),
    size: (url: string) => queues.get(url)?.length ?? 0,
  };
}

const lambdaLetter = (run: number) => ({
  MessageId: `lambda-${run}`,
  Body: JSON.stringify({ run }),
  MessageAttributes: {
    RequestID: { DataType: 'String', StringValue: `req-${run}` },
    ErrorCode: { DataType: 'String', StringValue: '200' },
    ErrorMessage: { DataType: 'String', StringValue: 'timed out' },
  },
});

function deps(config: Partial<DrainConfig> = {}, extra: Partial<DrainDeps> = {}): DrainDeps {
  return {
    sqs: new SQSClient({}),
    lambda: new LambdaClient({}),
    ledger: fakeLedger(),
    logger: silent,
    now: () => new Date(),
    freeze: { windows: [] },
    config: {
      allowedQueues: [],
      accountId: '123456789012',
      allowedTargetQueues: [],
      targetFunction: FN,
      targetQualifier: 'live',
      maxAgeSeconds: 3600,
      ratePerSecond: 500,
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

const request = (fields: Record<string, unknown> = {}): DrainRequest =>
  drainRequestSchema.parse({ queue: DLQ, reason: 'incident 42 is over', ...fields });

beforeEach(() => {
  sqs.reset();
  lambda.reset();
  dynamo.reset();
  sns.reset();
});

describe('drain with a target that fails a third of its sends', () => {
  it('keeps redriven + still in the DLQ = messages at start, run after run, and redrives each one once', async () => {
    // Prepare: 90 Lambda-fed and 60 SQS-fed dead letters; every third Invoke and every third entry fails
    const queue = fakeSqs({ failSendEvery: 3 });
    for (let run = 0; run < 90; run++) queue.put(DLQ, lambdaLetter(run));
    for (let i = 0; i < 60; i++) queue.put(DLQ, { MessageId: `sqs-${i}`, Body: `order-${i}` });
    let invokes = 0;
    const invoked: string[] = [];
    lambda.on(InvokeCommand).callsFake((input) => {
      invokes++;
      if (invokes % 3 === 0) throw new Error('target unavailable');
      invoked.push(Buffer.from(input.Payload as Uint8Array).toString('utf8'));
      return { StatusCode: 202 };
    });

    // Act: run until the DLQ is empty, checking the invariant after each run
    const runs = [];
    let redrivenSoFar = 0;
    for (let attempt = 0; attempt < 10 && queue.size(DLQ) > 0; attempt++) {
      // Three pollers of ten: batches overlap, as they do in a real drain.
      const result = await drain(deps({ concurrency: 30 }), request(), origin);
      runs.push(result);
      redrivenSoFar += result.redriven;

      // Assess: nothing lost, nothing counted twice
      expect(redrivenSoFar + queue.size(DLQ)).toBe(150);
      expect(result.redriven + result.failed).toBe(result.received);
    }

    // Assess
    expect(runs[0]?.failed).toBeGreaterThan(40);
    expect(queue.size(DLQ)).toBe(0);
    expect(new Set(invoked).size).toBe(90);
    expect(invoked).toHaveLength(90);
    expect(queue.bodies(SOURCE).sort()).toEqual(Array.from({ length: 60 }, (_, i) => `order-${i}`).sort());
    expect(runs.flatMap((run) => run.duplicateKeys)).toEqual([]);
  });

  it('never deletes a message whose send failed, and releases it at once', async () => {
    // Prepare
    const queue = fakeSqs({ failSendEvery: 2 });
    for (let i = 0; i < 4; i++) queue.put(DLQ, { MessageId: `sqs-${i}`, Body: `order-${i}` });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 4, redriven: 2, failed: 2, remainingApprox: 2 });
    const deleted = sqs
      .commandCalls(DeleteMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(deleted).toHaveLength(2);
    const released = sqs
      .commandCalls(ChangeMessageVisibilityBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(released.map((entry) => entry.VisibilityTimeout)).toEqual([0, 0]);
    expect(result.failures.map((failure) => failure.error)).toEqual([
      'InternalError: try again',
      'InternalError: try again',
    ]);
  });

  it('reports a redriven message whose delete failed: it stays in the DLQ and will be redriven again', async () => {
    // Prepare
    const queue = fakeSqs({ failDeleteIds: new Set(['lambda-1']) });
    for (let run = 0; run < 3; run++) queue.put(DLQ, lambdaLetter(run));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ redriven: 3, notDeleted: ['req-1'] });
  });

  it('retries a throttled Invoke instead of failing it', async () => {
    // Prepare
    const queue = fakeSqs();
    queue.put(DLQ, lambdaLetter(1));
    lambda
      .on(InvokeCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ StatusCode: 202 });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ redriven: 1, failed: 0 });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });
});

describe('drain', () => {
  it('invokes the live alias asynchronously with the original event', async () => {
    // Prepare
    const queue = fakeSqs();
    queue.put(DLQ, lambdaLetter(7));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result.redrivenKeys).toEqual(['req-7']);
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ FunctionName: FN, Qualifier: 'live', InvocationType: 'Event' });
    expect(Buffer.from(input?.Payload as Uint8Array).toString('utf8')).toBe('{"run":7}');
  });

  it('sends FIFO messages back with their group and a fresh deduplication id', async () => {
    // Prepare
    const fifo = `${ACCOUNT}/orders.fifo`;
    const queue = fakeSqs();
    queue.put(DLQ, { MessageId: 'f1', Body: 'a', Attributes: { MessageGroupId: 'acct-1' } });
    sqs.on(GetQueueUrlCommand, { QueueName: 'orders.fifo' }).resolves({ QueueUrl: fifo });
    sqs.on(GetQueueAttributesCommand, { QueueUrl: fifo }).resolves({ Attributes: {} });
    sqs.on(SendMessageBatchCommand, { QueueUrl: fifo }).resolves({ Successful: [{ Id: '0' } as never] });

    // Act
    await drain(
      deps({ allowedTargetQueues: ['orders.fifo'] }),
      request({ target: { type: 'sqs', queueUrl: fifo } }),
      origin,
    );

    // Assess
    const entry = sqs.commandCalls(SendMessageBatchCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({ MessageBody: 'a', MessageGroupId: 'acct-1' });
    expect(entry?.MessageDeduplicationId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{8}-/);
  });

  it('stops before the deadline and leaves the rest, released, for the next run', async () => {
    // Prepare: 25 messages, and the deadline arrives after the first batch
    const queue = fakeSqs();
    for (let run = 0; run < 25; run++) queue.put(DLQ, lambdaLetter(run));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    let remaining = 60_000;
    const unitDeps = deps({ concurrency: 1 }, { remainingMs: () => remaining });
    lambda.on(InvokeCommand).callsFake(() => {
      remaining -= 5_000;
      return { StatusCode: 202 };
    });

    // Act
    const result = await drain(unitDeps, request(), origin);

    // Assess
    expect(result.stoppedBy).toBe('deadline');
    expect(result.redriven).toBeLessThan(25);
    expect(result.redriven + queue.size(DLQ)).toBe(25);
    expect(result.remainingApprox).toBe(25 - result.redriven);
  });

  it('fails loudly when SQS fails mid-run, after releasing what it held and recording the failure', async () => {
    // Prepare: the second receive fails
    const queue = fakeSqs({ failReceiveAfter: 1 });
    for (let run = 0; run < 15; run++) queue.put(DLQ, lambdaLetter(run));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const ledger = fakeLedger();

    // Act
    const error = await drain(deps({}, { ledger }), request(), origin).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ message: 'service unavailable' });
    expect(queue.size(DLQ)).toBe(5);
    expect(ledger.records[0]).toMatchObject({ action: 'dlq.drain', outcome: 'failed' });
    expect(ledger.records[0]?.after).toMatchObject({
      redriven: 10,
      error: 'ServiceUnavailable: service unavailable',
    });
  });

  it('fails loudly when SQS fails mid-way through a dry run, after releasing what it held and recording the failure', async () => {
    // Prepare: the second receive fails
    const queue = fakeSqs({ failReceiveAfter: 1 });
    for (let run = 0; run < 15; run++) queue.put(DLQ, lambdaLetter(run));
    const ledger = fakeLedger();

    // Act
    const error = await drain(deps({}, { ledger }), request({ dryRun: true }), origin).catch(
      (caught: unknown) => caught,
    );

    // Assess
    expect(error).toMatchObject({ message: 'service unavailable' });
    expect(queue.size(DLQ)).toBe(15);
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).length).toBeGreaterThan(0);
    expect(ledger.records[0]).toMatchObject({ action: 'dlq.drain', outcome: 'failed', dryRun: true });
    expect(ledger.records[0]?.after).toMatchObject({ received: 10, redriven: 0 });
  });

  it('answers what it redrove, saying the record is missing, when the audit record fails after acting', async () => {
    // Prepare
    const queue = fakeSqs();
    for (let run = 0; run < 3; run++) queue.put(DLQ, lambdaLetter(run));
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    const ledger = fakeLedger();
    ledger.record.mockRejectedValue(new Error('table gone'));

    // Act
    const result = await drain(deps({}, { ledger }), request(), origin);

    // Assess: never fail after acting -- the messages are redriven and deleted, the answer says so
    expect(result).toMatchObject({ redriven: 3, remainingApprox: 0, notified: false });
    expect(result.unrecorded).toMatch(/not recorded: table gone/);
    expect(queue.size(DLQ)).toBe(0);
  });

  it('records a dry run as planned, sending and deleting nothing', async () => {
    // Prepare
    const queue = fakeSqs();
    for (let run = 0; run < 5; run++) queue.put(DLQ, lambdaLetter(run));
    const ledger = fakeLedger();

    // Act
    const result = await drain(deps({}, { ledger }), request({ dryRun: true }), origin);

    // Assess
    expect(result).toMatchObject({ dryRun: true, received: 5, redriven: 0, remainingApprox: 5 });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(ledger.records[0]).toMatchObject({ action: 'dlq.drain', outcome: 'planned', dryRun: true });
  });

  it('refuses a queue this deployment may not drain, before any call', async () => {
    // Act
    const error = await drain(
      deps({ allowedQueues: ['trading-dlq'] }),
      request({ queue: 'other-dlq' }),
      origin,
    ).catch((caught: unknown) => caught);

    // Assess
    expect(error).toMatchObject({ code: 'ValidationError', field: 'queue' });
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe('drain: issue 13 (keep on a non-success Invoke, batch by bytes, redact samples, bounded answers)', () => {
  it.each([
    ['200 for an Event invocation', { StatusCode: 200 }],
    ['no status at all', {}],
    ['500', { StatusCode: 500 }],
    ['202 with a FunctionError', { StatusCode: 202, FunctionError: 'Unhandled' }],
  ])('keeps the message when Invoke answers %s', async (_name, answer) => {
    // Prepare
    const queue = fakeSqs();
    queue.put(DLQ, lambdaLetter(1));
    lambda.on(InvokeCommand).resolves(answer);

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 1, redriven: 0, failed: 1, remainingApprox: 1 });
    expect(result.failures[0]?.error).toMatch(/^Invoke answered/);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('keeps and reports a message too large for SendMessageBatch, and redrives the others', async () => {
    // Prepare: a body of exactly 1 MiB plus an attribute (6 + 6 + 4 bytes: over SQS's limit), two small ones
    const queue = fakeSqs();
    queue.put(DLQ, {
      MessageId: 'huge',
      Body: 'x'.repeat(1_048_576),
      MessageAttributes: { tenant: { DataType: 'String', StringValue: 'acme' } },
    });
    queue.put(DLQ, { MessageId: 'small-1', Body: 'order-1' });
    queue.put(DLQ, { MessageId: 'small-2', Body: 'order-2' });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 3, redriven: 2, failed: 1, tooLarge: 1, remainingApprox: 1 });
    expect(result.failures).toEqual([
      { key: 'huge', error: expect.stringMatching(/^too large: 1048592 bytes .* 1048576 at most/) },
    ]);
    expect(queue.bodies(SOURCE).sort()).toEqual(['order-1', 'order-2']);
    const sentBodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .map((entry) => entry.MessageBody);
    expect(sentBodies).not.toContain('x'.repeat(1_048_576));
  });

  it('sends ten 250 KB messages in batches of at most 1 MiB each, instead of one batch SQS refuses', async () => {
    // Prepare
    const queue = fakeSqs();
    for (let i = 0; i < 10; i++) queue.put(DLQ, { MessageId: `big-${i}`, Body: `${i}`.repeat(256_000) });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 10, redriven: 10, failed: 0, remainingApprox: 0 });
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);
    expect(batches.map((entries) => entries.length)).toEqual([4, 4, 2]);
    for (const entries of batches) {
      const bytes = entries.reduce((sum, entry) => sum + Buffer.byteLength(String(entry.MessageBody)), 0);
      expect(bytes).toBeLessThanOrEqual(1_048_576);
    }
  });

  it('redacts sample bodies with the log rules and says so', async () => {
    // Prepare: JSON with secrets at several depths, JSON inside a string, and bodies that are not JSON
    const queue = fakeSqs();
    const secrets = ['hunter2', 'sk_live_abcdef', 'Basic dXNlcjpwYXNz', 'p@ss-in-a-string', 'form-secret'];
    queue.put(DLQ, {
      MessageId: 'json',
      Body: JSON.stringify({
        user: 'bob',
        password: 'hunter2',
        nested: { deeper: [{ apiKey: 'sk_live_abcdef' }], headers: { authorization: 'Basic dXNlcjpwYXNz' } },
        embedded: JSON.stringify({ password: 'p@ss-in-a-string' }),
      }),
    });
    queue.put(DLQ, { MessageId: 'form', Body: 'user=bob&password=form-secret&x=1' });
    queue.put(DLQ, { MessageId: 'header', Body: 'Authorization: Bearer abcdefghijklmnop\nok' });

    // Act
    const result = await drain(deps(), request(), origin, 'peek');

    // Assess
    expect(result.samplesNote).toMatch(/redacted with the log rules/);
    expect(result.samples).toHaveLength(3);
    const bodies = result.samples.map((sample) => sample.body).join('\n');
    for (const secret of [...secrets, 'abcdefghijklmnop']) expect(bodies).not.toContain(secret);
    expect(result.samples.every((sample) => sample.redacted)).toBe(true);
    expect(result.samples[0]?.body).toContain('"user":"bob"');
    expect(result.samples[1]?.body).toBe('user=bob&password=[REDACTED]&x=1');
  });

  it('answers and records a bounded result whatever the number of messages', async () => {
    // Prepare: 1,500 dead letters, each with its own error code and a 5,000-character request id; every send fails
    const queue = fakeSqs({ failSendEvery: 1 });
    for (let i = 0; i < 1500; i++) {
      queue.put(DLQ, {
        MessageId: `m-${i}`,
        Body: `order-${i}`,
        MessageAttributes: { ErrorCode: { DataType: 'String', StringValue: `E${i}` } },
      });
    }
    const ledger = fakeLedger();

    // Act
    const result = await drain(deps({}, { ledger }), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 1500, failed: 1500 });
    expect(result.failures).toHaveLength(50);
    expect(result.omitted).toEqual({ failures: 1450 });
    expect(Object.keys(result.byErrorCode).length).toBeLessThanOrEqual(26);
    expect(result.byErrorCode['(other)']).toBe(1500 - 25);
    expect(JSON.stringify(result).length).toBeLessThan(32_000);
    expect(JSON.stringify(ledger.records[0]).length).toBeLessThan(32_000);
  });

  it('keeps an SQS-fed message whose source queue is outside a configured target allow-list', async () => {
    // Prepare
    const queue = fakeSqs();
    queue.put(DLQ, { MessageId: 'o1', Body: 'order-1' });

    // Act
    const result = await drain(deps({ allowedTargetQueues: ['payments'] }), request(), origin);

    // Assess
    expect(result).toMatchObject({ received: 1, redriven: 0, failed: 1, remainingApprox: 1 });
    expect(result.failures[0]?.error).toMatch(/not in DLQ_TARGET_QUEUES/);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it('cuts a huge key to a bounded length in the answer', async () => {
    // Prepare
    const queue = fakeSqs();
    queue.put(DLQ, {
      ...lambdaLetter(1),
      MessageAttributes: {
        ...lambdaLetter(1).MessageAttributes,
        RequestID: { DataType: 'String', StringValue: 'r'.repeat(5000) },
      },
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    // Act
    const result = await drain(deps(), request(), origin);

    // Assess
    expect(result.redrivenKeys[0]?.length).toBeLessThanOrEqual(200);
  });
});

describe('classify', () => {
  it('reads an on-failure destination record: its request id, function and original payload', () => {
    // Act
    const letter = classify({
      MessageId: 'm1',
      Body: JSON.stringify({
        version: '1.0',
        requestContext: {
          requestId: 'r-1',
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:trading:$LATEST',
          condition: 'RetriesExhausted',
        },
        requestPayload: { job: 'daily' },
        responseContext: { functionError: 'Unhandled' },
      }),
      Attributes: { SentTimestamp: '1795316645000' },
    });

    // Assess
    expect(letter).toMatchObject({
      kind: 'lambda-destination',
      key: 'r-1',
      functionName: 'trading',
      payload: '{"job":"daily"}',
      errorCode: 'Unhandled',
    });
  });
});

const valid = { queue: 'trading-dlq', reason: 'incident 42 is over' };

const invalidRequests: [string, Record<string, unknown>, string][] = [
  ['missing queue', { reason: valid.reason }, 'queue'],
  ['malformed queue', { ...valid, queue: 'not a queue!' }, 'queue'],
  ['unknown queue', { ...valid, queue: 'no-such-dlq' }, 'queue'],
  ['rate 0', { ...valid, ratePerSecond: 0 }, 'ratePerSecond'],
  ['negative rate', { ...valid, ratePerSecond: -5 }, 'ratePerSecond'],
  ['absurdly high rate', { ...valid, ratePerSecond: 100_000 }, 'ratePerSecond'],
  ['rate not a number', { ...valid, ratePerSecond: 'fast' }, 'ratePerSecond'],
  ['maxMessages 0', { ...valid, maxMessages: 0 }, 'maxMessages'],
  ['negative maxMessages', { ...valid, maxMessages: -1 }, 'maxMessages'],
  ['fractional maxMessages', { ...valid, maxMessages: 2.5 }, 'maxMessages'],
  ['concurrency 0', { ...valid, concurrency: 0 }, 'concurrency'],
  ['maxAgeSeconds beyond SQS retention', { ...valid, maxAgeSeconds: 2_000_000 }, 'maxAgeSeconds'],
  ['unknown target type', { ...valid, target: { type: 'sns', topicArn: 'x' } }, 'target.type'],
  ['lambda target without a function', { ...valid, target: { type: 'lambda' } }, 'target.functionName'],
  ['sqs target with a bad URL', { ...valid, target: { type: 'sqs', queueUrl: 'orders' } }, 'target.queueUrl'],
  [
    'sqs target that does not exist',
    { ...valid, target: { type: 'sqs', queueUrl: `${ACCOUNT}/gone` } },
    'target.queueUrl',
  ],
  ['empty filter', { ...valid, filter: {} }, 'filter'],
  ['filter with an unknown field', { ...valid, filter: { status: 'x' } }, 'filter'],
  [
    'filter attribute without a value',
    { ...valid, filter: { attribute: { name: 'tenant' } } },
    'filter.attribute.value',
  ],
  ['filter errorCode not a string', { ...valid, filter: { errorCode: 429 } }, 'filter.errorCode'],
  ['missing reason', { queue: valid.queue }, 'reason'],
  ['unknown mode', { ...valid, mode: 'flush' }, 'mode'],
  ['unknown field', { ...valid, force: true }, '(root)'],
];

describe('the dlq drainer handler', () => {
  let restore: () => void;

  beforeEach(() => {
    restore = setEnv({
      AUDIT_TABLE: 'audit',
      OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      DLQ_QUEUES: '',
      DLQ_ACCOUNT_ID: '123456789012',
      DLQ_TARGET_FUNCTION: FN,
    });
    fakeSqs();
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({});
    sqs.on(GetQueueUrlCommand, { QueueName: 'trading-dlq' }).resolves({ QueueUrl: DLQ });
  });

  afterEach(() => restore());

  it.each(invalidRequests)(
    'refuses %s naming the field, and receives or sends nothing',
    async (_name, event, field) => {
      // Act
      const result = (await handler({ actor: 'cli:alice@laptop', ...event }, lambdaContext())) as {
        ok: boolean;
        error: { field?: string };
      };

      // Assess
      expect(result.ok).toBe(false);
      if (field) expect(result.error.field).toBe(field);
      else expect(result.error.field).toBeUndefined();
      expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(0);
      expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
      expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
      expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
      expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    },
  );

  it('peeks through POST /dlq/peek and answers 200 with the counts', async () => {
    // Prepare
    const event = {
      version: '2.0',
      routeKey: 'POST /dlq/peek',
      rawPath: '/dlq/peek',
      headers: {},
      requestContext: {
        http: { method: 'POST', path: '/dlq/peek' },
        requestId: 'api-1',
        authorizer: { iam: { userArn: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice' } },
      },
      body: JSON.stringify(valid),
      isBase64Encoded: false,
    };

    // Act
    const response = (await handler(event, lambdaContext())) as { statusCode: number; body: string };

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, mode: 'peek', dryRun: true, received: 0 });
  });
});
