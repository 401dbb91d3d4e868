// Issue 13, point 1: the drainer must never talk to a host a request names. Each hostile event runs through
// the real handler (template environment, the emulator's stack); a recorder on loopback stands for the
// attacker's host and answers every request with success, as the reproduction's fake SQS did. Every event
// must be refused with a 400 naming the field, before any network call: the recorder sees nothing, and the
// drainer's own SQS and Lambda clients send nothing either.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fillQueue, lambdaDeadLetter, readAll } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { lambdaClient, sqsClient } from '../../shared/clients.js';
import { uniqueName } from '../support/names.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const ACCOUNT = '123456789012';

/** Answers every request 200 `{}` (what a fake SQS says to look healthy) and counts what it received. */
async function startRecorder(): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url} ${String(request.headers['x-amz-target'] ?? '')}`);
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

/** Counts every request a client sends (after signing, before the wire). */
function countRequests(client: SQSClient | LambdaClient): string[] {
  const sent: string[] = [];
  (client as unknown as SQSClient).middlewareStack.add(
    (next, context) => async (args) => {
      sent.push(String(context.commandName));
      return next(args);
    },
    { step: 'finalizeRequest', name: 'hostileTestCounter' },
  );
  return sent;
}

describe('dlq drainer: a hostile queue or target URL', { timeout: 120_000 }, () => {
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let state: EmulatorState;
  let dlqName: string;
  let dlqUrl: string;
  let endpoint: string;
  let sqsSent: string[];
  let lambdaSent: string[];
  const sqs = new SQSClient({});

  beforeAll(async () => {
    recorder = await startRecorder();
    endpoint = String(process.env.AWS_ENDPOINT_URL);
    state = await provisionStack({ endpoint, stackName: uniqueName('hostile'), workloadVersions: 1 });
    dlqName = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    dlqUrl = String(state.resources.WorkloadDLQ?.ref);
  });

  afterAll(async () => {
    await new Promise((resolve) => recorder.server.close(resolve));
    sqs.destroy();
  });

  beforeEach(() => {
    // The handler's own clients, counted: a refusal must come before the first request of either.
    const drainerSqs = new SQSClient({});
    const drainerLambda = new LambdaClient({});
    sqsSent = countRequests(drainerSqs);
    lambdaSent = countRequests(drainerLambda);
    sqsClient.reset(drainerSqs);
    lambdaClient.reset(drainerLambda);
    recorder.requests.length = 0;
  });

  afterEach(() => {
    sqsClient.reset();
    lambdaClient.reset();
  });

  const invoke = (event: Record<string, unknown>, envVars: Record<string, string> = {}) =>
    invokeFunction({
      logicalId: 'DlqDrainerFunction',
      event: { actor: 'cli:attacker@laptop', reason: 'x-issue-13', ...event },
      envVars: { DlqDrainerFunction: envVars },
      state,
    });

  const hostile: [string, () => Record<string, unknown>, string][] = [
    [
      'an SQS target on a fake host (the reproduction)',
      () => ({ queue: dlqName, target: { type: 'sqs', queueUrl: `${recorder.url}/${ACCOUNT}/anything` } }),
      'target.queueUrl',
    ],
    [
      'the queue as a URL on a fake host',
      () => ({ queue: `${recorder.url}/${ACCOUNT}/${dlqName}` }),
      'queue',
    ],
    [
      'the queue as a URL on the right host but another account',
      () => ({ queue: `${endpoint}/210987654321/${dlqName}` }),
      'queue',
    ],
    [
      'an SQS target on the right host but another account',
      () => ({ queue: dlqName, target: { type: 'sqs', queueUrl: `${endpoint}/210987654321/orders` } }),
      'target.queueUrl',
    ],
    [
      'an SQS target on the right host and account but not in the allow-list',
      () => ({ queue: dlqName, target: { type: 'sqs', queueUrl: `${endpoint}/${ACCOUNT}/anything` } }),
      'target.queueUrl',
    ],
    [
      'an SQS target by a name not in the allow-list',
      () => ({ queue: dlqName, target: { type: 'sqs', queue: 'anything' } }),
      'target.queue',
    ],
    ['a queue name this deployment does not drain', () => ({ queue: 'payments-dlq' }), 'queue'],
    [
      'the queue as a URL with an unlisted name on the right host',
      () => ({ queue: `${endpoint}/${ACCOUNT}/payments-dlq` }),
      'queue',
    ],
    [
      'the queue as a URL on the right host with a userinfo part',
      () => ({ queue: `http://user@${new URL(endpoint).host}/${ACCOUNT}/${dlqName}` }),
      'queue',
    ],
  ];
  const withDryRun = hostile.flatMap(
    ([name, event, field]): [string, () => Record<string, unknown>, string][] => [
      [name, event, field],
      [`${name}, dryRun:true`, () => ({ ...event(), dryRun: true }), field],
      [`${name}, peek`, () => ({ ...event(), mode: 'peek' }), field],
    ],
  );

  it.each(withDryRun)(
    'refuses %s with 400 naming the field, before any request',
    async (_name, event, field) => {
      // Prepare: a dead letter the attacker would like to see drained elsewhere
      await fillQueue(sqs, dlqUrl, [lambdaDeadLetter({ run: 1 }, { requestId: uniqueName('kept') })]);

      // Act
      const outcome = await invoke(event(), { DLQ_TARGET_QUEUES: 'orders' });

      // Assess
      expect(outcome.result).toMatchObject({ ok: false, error: { code: 'ValidationError', field } });
      expect(recorder.requests).toEqual([]);
      expect(sqsSent).toEqual([]);
      expect(lambdaSent).toEqual([]);
    },
  );

  it('refuses, with the default allow-list (the DLQ source queues), a target that is not a source, before any receive', async () => {
    // Prepare: a queue on the right host and account, not a source of the workload DLQ (which has none)
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('not-a-source') }));

    // Act
    const outcome = await invoke({ queue: dlqName, target: { type: 'sqs', queueUrl: String(QueueUrl) } });

    // Assess
    expect(outcome.result).toMatchObject({
      ok: false,
      error: { code: 'ValidationError', field: 'target.queueUrl' },
    });
    expect(sqsSent).not.toContain('ReceiveMessageCommand');
    expect(recorder.requests).toEqual([]);
    expect(await readAll(sqs, String(QueueUrl))).toEqual([]);
  });

  it('still drains the workload DLQ by name and by its own URL (the counters do see requests)', async () => {
    // Prepare
    await fillQueue(sqs, dlqUrl, [lambdaDeadLetter({ run: 2 }, { requestId: uniqueName('ok') })]);

    // Act
    const byName = await invoke({ queue: dlqName, dryRun: true });
    const byUrl = await invoke({ queue: dlqUrl, dryRun: true });

    // Assess
    expect(byName.result).toMatchObject({ ok: true, dryRun: true });
    expect(byUrl.result).toMatchObject({ ok: true, dryRun: true });
    expect(sqsSent).toContain('ReceiveMessageCommand');
    expect(recorder.requests).toEqual([]);
  });
});
