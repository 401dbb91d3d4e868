// The SQS door (shared/triggers/queue.ts): one message per invocation, its body parsed, and an answer SQS acts
// on rightly — a refused message is answered (deleted: it would be refused on every delivery), a failure that
// may pass is thrown (retried, then dead-lettered).
import type { Context, SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, ValidationError } from '../../shared/errors.js';
import { runbookHandler } from '../../shared/handler.js';
import { doorOf, type Invocation, toInvocation } from '../../shared/triggers/index.js';
import { route } from '../../shared/triggers/router.js';
import { lambdaContext } from './support/context.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

const QUEUE_ARN = 'arn:aws:sqs:us-east-1:123456789012:lambda-runbook-FleetContinuation';
const context = lambdaContext({ awsRequestId: '0b6c9f1e-5d4a-4c3b-9a21-7e8f90a1b2c3' });

function sqsEvent(body: string, count = 1): SQSEvent {
  const record = {
    messageId: 'f1e2d3c4-0000-4000-8000-000000000001',
    receiptHandle: 'handle',
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1764200000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1764200000001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: QUEUE_ARN,
    awsRegion: 'us-east-1',
  };
  return {
    Records: Array.from({ length: count }, (_, n) => ({ ...record, messageId: `${record.messageId}-${n}` })),
  };
}

describe('the queue door', () => {
  it('sees an SQS delivery and reads its one message: the body parsed, the queue as actor, the message id', () => {
    // Act
    const invocation = toInvocation(sqsEvent('{"continues":"x"}'), context);

    // Assess
    expect(doorOf(sqsEvent('{}'))).toBe('queue');
    expect(invocation).toEqual({
      door: 'queue',
      actor: 'queue:lambda-runbook-FleetContinuation',
      correlationId: 'f1e2d3c4-0000-4000-8000-000000000001-0',
      payload: { continues: 'x' },
      queueArn: QUEUE_ARN,
    });
  });

  it.each([
    ['a body that is not JSON', sqsEvent('not json'), 'Records.0.body'],
    [
      'a record without a queue ARN',
      { Records: [{ ...sqsEvent('{}').Records[0], eventSourceARN: 'nope' }] },
      'Records.0.eventSourceARN',
    ],
  ])('refuses %s, naming the field', (_, event, field) => {
    expect(() => toInvocation(event, context)).toThrow(expect.objectContaining({ statusCode: 400, field }));
  });

  it('takes a batch of more than one message for a deployment mistake (500), not a refusal that would delete it', () => {
    expect(() => toInvocation(sqsEvent('{}', 2), context)).toThrow(ConfigurationError);
  });
});

describe('runbookHandler at the queue door', () => {
  const action = vi.fn<(invocation: Invocation, context: Context) => Promise<object>>();
  const handler = runbookHandler((invocation, ctx) => route(invocation, { queue: action })(invocation, ctx));

  beforeEach(() => {
    action.mockReset();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a message it acted on with no batch item failures, so SQS deletes it', async () => {
    // Prepare
    action.mockResolvedValue({ part: 2 });

    // Act
    const answer = await handler(sqsEvent('{}'), context);

    // Assess
    expect(answer).toEqual({ ok: true, part: 2, batchItemFailures: [] });
  });

  it('answers a refused message (4xx) instead of throwing, so SQS does not redeliver a hopeless one', async () => {
    // Prepare
    action.mockRejectedValue(new ValidationError('continues: no fleet run x', 'continues'));

    // Act
    const answer = await handler(sqsEvent('{}'), context);

    // Assess
    expect(answer).toEqual({
      ok: false,
      error: { code: 'ValidationError', message: 'continues: no fleet run x', field: 'continues' },
      batchItemFailures: [],
    });
  });

  it('throws a failure that may pass (5xx), so SQS redelivers the message and, in the end, dead-letters it', async () => {
    // Prepare
    action.mockRejectedValue(new Error('DynamoDB unreachable'));

    // Act / Assess
    await expect(handler(sqsEvent('{}'), context)).rejects.toThrow('DynamoDB unreachable');
  });

  it('refuses an SQS delivery to a function that takes none (4xx), acting on nothing', async () => {
    // Prepare
    const direct = vi.fn(async () => ({}));
    const other = runbookHandler((invocation, ctx) => route(invocation, { direct })(invocation, ctx));

    // Act
    const answer = await other(sqsEvent('{}'), context);

    // Assess
    expect(answer).toMatchObject({ ok: false, error: { code: 'ValidationError', field: 'event' } });
    expect(direct).not.toHaveBeenCalled();
  });
});
