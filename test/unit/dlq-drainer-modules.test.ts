// The drainer's small decision modules (issue 13): which queue URLs it accepts, how it packs SendMessageBatch,
// what a peek sample shows, and when a Lambda target or an Invoke answer counts as success.
import {
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { entryBytes, packBatches, SQS_LIMITS } from '../../functions/dlq-drainer/batches.js';
import { invokeProblem, lambdaTargetProblem } from '../../functions/dlq-drainer/lambda-target.js';
import { assertAllowed, checkQueues, queueRef, sqsEndpoint } from '../../functions/dlq-drainer/queue-url.js';
import { sampleBody } from '../../functions/dlq-drainer/sample.js';
import { setEnv } from './support/env.js';

const ACCOUNT = '123456789012';
const endpoint = new URL('http://127.0.0.1:4566');

describe('sqsEndpoint', () => {
  it('is the configured endpoint off AWS (AWS_ENDPOINT_URL)', async () => {
    // Act
    const url = await sqsEndpoint(new SQSClient({}));

    // Assess
    expect(url.origin).toBe(new URL(String(process.env.AWS_ENDPOINT_URL)).origin);
  });

  it("is the Region's SQS endpoint on AWS, resolved without a request", async () => {
    // Prepare: no endpoint configured, as in Lambda
    const restore = setEnv({ AWS_ENDPOINT_URL: undefined, AWS_ENDPOINT_URL_SQS: undefined });
    try {
      // Act
      const url = await sqsEndpoint(new SQSClient({ region: 'eu-west-1' }));

      // Assess
      expect(url.origin).toBe('https://sqs.eu-west-1.amazonaws.com');
    } finally {
      restore();
    }
  });

  it('is the endpoint given to the client when there is one', async () => {
    // Act
    const url = await sqsEndpoint(new SQSClient({ endpoint: 'http://127.0.0.1:9999' }));

    // Assess
    expect(url.origin).toBe('http://127.0.0.1:9999');
  });
});

describe('queueRef', () => {
  it('takes a name as it is', () => {
    // Assess
    expect(queueRef('orders-dlq.fifo', 'queue', endpoint, ACCOUNT)).toEqual({
      name: 'orders-dlq.fifo',
      givenAsUrl: false,
    });
  });

  it("reduces a URL on the client's endpoint and account to its name", () => {
    // Assess
    expect(queueRef(`http://127.0.0.1:4566/${ACCOUNT}/orders-dlq`, 'queue', endpoint, ACCOUNT)).toEqual({
      name: 'orders-dlq',
      givenAsUrl: true,
    });
  });

  it.each([
    ['another host', `http://10.0.0.1:4566/${ACCOUNT}/orders`, /SQS endpoint/],
    ['another port', `http://127.0.0.1:4567/${ACCOUNT}/orders`, /SQS endpoint/],
    ['another scheme', `https://127.0.0.1:4566/${ACCOUNT}/orders`, /SQS endpoint/],
    ['a user part', `http://evil@127.0.0.1:4566/${ACCOUNT}/orders`, /SQS endpoint/],
    ['a query', `http://127.0.0.1:4566/${ACCOUNT}/orders?x=1`, /SQS endpoint/],
    ['another account', 'http://127.0.0.1:4566/210987654321/orders', /account 210987654321/],
    ['an extra path segment', `http://127.0.0.1:4566/${ACCOUNT}/orders/more`, /expected/],
    ['no name', `http://127.0.0.1:4566/${ACCOUNT}`, /expected/],
    ['a bad name', `http://127.0.0.1:4566/${ACCOUNT}/ord%20ers`, /expected/],
    ['not a URL at all', 'http//127.0.0.1/x/y', /expected/],
  ])('refuses a URL with %s, naming the field', (_name, value, message) => {
    // Act
    const refuse = () => queueRef(value, 'target.queueUrl', endpoint, ACCOUNT);

    // Assess
    expect(refuse).toThrowError(message);
    expect(refuse).toThrowError(expect.objectContaining({ field: 'target.queueUrl', statusCode: 400 }));
  });

  it("refuses the legacy queue.amazonaws.com form when the client's endpoint is the Region's", () => {
    // Act
    const refuse = () =>
      queueRef(
        `https://queue.amazonaws.com/${ACCOUNT}/orders`,
        'queue',
        new URL('https://sqs.us-east-1.amazonaws.com'),
        ACCOUNT,
      );

    // Assess
    expect(refuse).toThrowError(/give the queue's name instead/);
  });

  it('refuses a DLQ it does not drain naming queue, and points to `runbook fleet drain --workload NAME`', () => {
    // Act
    const refuse = () =>
      checkQueues({ queue: 'orders-dlq' }, new URL('https://sqs.us-east-1.amazonaws.com'), {
        accountId: ACCOUNT,
        allowedQueues: ['stack-dlq'],
        allowedTargetQueues: [],
      });

    // Assess
    expect(refuse).toThrowError(
      expect.objectContaining({
        field: 'queue',
        message: expect.stringContaining(
          "not orders-dlq; a watched workload's DLQ is drained with `runbook fleet drain --workload NAME --reason TEXT`",
        ),
      }),
    );
  });

  it('refuses a name outside a non-empty allow-list and allows any with an empty one', () => {
    // Prepare
    const ref = { name: 'payments', givenAsUrl: false };

    // Assess
    expect(() => assertAllowed(ref, ['orders'], 'target.queue', 'redrives to')).toThrowError(
      expect.objectContaining({ field: 'target.queue' }),
    );
    expect(() => assertAllowed(ref, [], 'target.queue', 'redrives to')).not.toThrow();
  });
});

describe('packBatches', () => {
  it('counts body and message attributes (name, type, value) in UTF-8 bytes, as SQS does', () => {
    // Assess
    expect(
      entryBytes({
        MessageBody: 'héllo',
        MessageAttributes: {
          tenant: { DataType: 'String', StringValue: 'acmé' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array(7) },
        },
      }),
    ).toBe(6 + (6 + 6 + 5) + (4 + 6 + 7));
  });

  it('keeps order, stays within 10 entries and the byte limit per batch, and sets aside what cannot fit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_200_000 }), { maxLength: 60 }), (sizes) => {
        // Act
        const items = sizes.map((bytes, index) => ({ index, bytes }));
        const { batches, tooLarge } = packBatches(items, (item) => item.bytes);

        // Assess
        for (const batch of batches) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(SQS_LIMITS.maxEntries);
          expect(batch.reduce((sum, item) => sum + item.bytes, 0)).toBeLessThanOrEqual(
            SQS_LIMITS.maxBatchBytes,
          );
        }
        expect(tooLarge.every(({ bytes }) => bytes > SQS_LIMITS.maxMessageBytes)).toBe(true);
        const sent = batches.flat().map((item) => item.index);
        expect(sent).toEqual([...sent].sort((a, b) => a - b));
        expect([...sent, ...tooLarge.map(({ item }) => item.index)].sort((a, b) => a - b)).toEqual(
          items.map((item) => item.index),
        );
      }),
    );
  });
});

describe('sampleBody', () => {
  it.each([
    ['a clean JSON body, untouched', '{"order":42}', '{"order":42}', false],
    [
      'a nested secret key',
      '{"a":{"b":[{"client_secret":"s3"}]}}',
      '{"a":{"b":[{"client_secret":"[REDACTED]"}]}}',
      true,
    ],
    [
      'JSON inside a string',
      '{"m":"{\\"token\\":\\"t0k\\"}"}',
      '{"m":"{\\"token\\":\\"[REDACTED]\\"}"}',
      true,
    ],
    ['an AWS access key in plain text', 'key AKIAABCDEFGHIJKLMNOP here', 'key [REDACTED] here', true],
    ['a header line', 'Authorization: Basic dXNlcjpwYXNz\nnext', 'Authorization: [REDACTED]\nnext', true],
    ['a form body', 'user=bob&api_key=abc123', 'user=bob&api_key=[REDACTED]', true],
    ['a harmless key with a sensitive word', 'tokenCount=3', 'tokenCount=3', false],
  ])('masks %s', (_name, body, expected, redacted) => {
    // Assess
    expect(sampleBody(body, 200)).toEqual({ body: expected, redacted });
  });

  it('redacts before it cuts, so a cut never shows the start of a secret', () => {
    // Act
    const sample = sampleBody(JSON.stringify({ password: 'a'.repeat(500) }), 30);

    // Assess
    expect(sample).toEqual({ body: '{"password":"[REDACTED]"}', redacted: true });
  });
});

describe('Lambda target checks', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());

  it('names a missing function, a missing alias, and checks a version with GetFunction', async () => {
    // Prepare
    const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });
    lambda.on(GetFunctionCommand, { FunctionName: 'gone' }).rejects(notFound());
    lambda.on(GetFunctionCommand, { FunctionName: 'orders' }).resolves({});
    lambda.on(GetAliasCommand, { Name: 'old' }).rejects(notFound());
    lambda.on(GetAliasCommand, { Name: 'live' }).resolves({});
    lambda.on(GetFunctionCommand, { FunctionName: 'orders', Qualifier: '7' }).rejects(notFound());
    const client = new LambdaClient({});

    // Act
    const answers = await Promise.all([
      lambdaTargetProblem(client, 'gone', 'live'),
      lambdaTargetProblem(client, 'orders', 'old'),
      lambdaTargetProblem(client, 'orders', '7'),
      lambdaTargetProblem(client, 'orders', 'live'),
    ]);

    // Assess
    expect(answers).toEqual([
      'no function gone',
      'function orders has no alias old',
      'function orders has no version 7',
      undefined,
    ]);
  });

  it.each([
    [{ StatusCode: 202 }, 'Event', undefined],
    [{ StatusCode: 200 }, 'RequestResponse', undefined],
    [{ StatusCode: 200 }, 'Event', 'Invoke answered status 200, not 202'],
    [
      { StatusCode: 200, FunctionError: 'Unhandled' },
      'RequestResponse',
      'Invoke answered FunctionError Unhandled',
    ],
  ] as const)('judges %o for %s', (answer, type, problem) => {
    // Assess
    expect(invokeProblem(answer, type)).toBe(problem);
  });
});
