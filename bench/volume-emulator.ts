// A lean stand-in for SQS and Lambda Invoke on loopback, for volume benchmarks only. moto recomputes a queue's
// attributes — a scan of every message — for each message it delivers or accepts, so past a few hundred
// messages a benchmark on it measures moto. This speaks the same wire protocols (SQS's AWS JSON 1.0, Lambda's
// REST Invoke) for the calls a drain makes, keeps messages in memory with SQS's visibility rules, and answers in
// constant time per message, so the SDK clients, their middleware and the drainer's code run unchanged.
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../local/template.js';

interface StoredMessage {
  id: string;
  body: string;
  attributes: Record<string, string>;
  messageAttributes?: Record<string, unknown>;
  visibleAt: number;
  handle?: string;
}

interface Queue {
  name: string;
  url: string;
  arn: string;
  messages: Map<string, StoredMessage>;
  byHandle: Map<string, StoredMessage>;
  redrivePolicy?: { deadLetterTargetArn: string };
}

export interface VolumeEmulator {
  endpoint: string;
  /** Invokes accepted, by `function:qualifier`. */
  invokes: Map<string, number>;
  stop(): Promise<void>;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');
const ACCOUNT = '123456789012';

export async function startVolumeEmulator(): Promise<VolumeEmulator> {
  const queues = new Map<string, Queue>();
  const invokes = new Map<string, number>();
  let endpoint = '';
  const queueOf = (url: unknown) => {
    const queue = queues.get(String(url).slice(String(url).lastIndexOf('/') + 1));
    if (!queue) throw Object.assign(new Error('queue does not exist'), { type: 'QueueDoesNotExist' });
    return queue;
  };
  const visible = (queue: Queue, now: number) =>
    [...queue.messages.values()].filter((message) => message.visibleAt <= now);
  const put = (queue: Queue, body: string, messageAttributes?: Record<string, unknown>) => {
    const id = randomUUID();
    queue.messages.set(id, {
      id,
      body,
      attributes: { SentTimestamp: String(Date.now()), ApproximateReceiveCount: '0' },
      ...(messageAttributes ? { messageAttributes } : {}),
      visibleAt: 0,
    });
    return { MessageId: id, MD5OfMessageBody: md5(body) };
  };

  // biome-ignore lint/suspicious/noExplicitAny: the wire format is JSON whose shape each operation knows.
  const sqs: Record<string, (input: any) => unknown> = {
    CreateQueue: ({ QueueName, Attributes = {} }) => {
      const existing = queues.get(QueueName);
      if (existing) return { QueueUrl: existing.url };
      const queue: Queue = {
        name: QueueName,
        url: `${endpoint}/${ACCOUNT}/${QueueName}`,
        arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${QueueName}`,
        messages: new Map(),
        byHandle: new Map(),
        ...(Attributes.RedrivePolicy ? { redrivePolicy: JSON.parse(Attributes.RedrivePolicy) } : {}),
      };
      queues.set(QueueName, queue);
      return { QueueUrl: queue.url };
    },
    GetQueueUrl: ({ QueueName }) => ({ QueueUrl: queueOf(QueueName).url }),
    GetQueueAttributes: ({ QueueUrl }) => {
      const queue = queueOf(QueueUrl);
      const shown = visible(queue, Date.now()).length;
      return {
        Attributes: {
          QueueArn: queue.arn,
          ApproximateNumberOfMessages: String(shown),
          ApproximateNumberOfMessagesNotVisible: String(queue.messages.size - shown),
        },
      };
    },
    ListDeadLetterSourceQueues: ({ QueueUrl }) => {
      const dlq = queueOf(QueueUrl);
      return {
        queueUrls: [...queues.values()]
          .filter((queue) => queue.redrivePolicy?.deadLetterTargetArn === dlq.arn)
          .map((queue) => queue.url),
      };
    },
    SendMessage: ({ QueueUrl, MessageBody, MessageAttributes }) =>
      put(queueOf(QueueUrl), MessageBody, MessageAttributes),
    SendMessageBatch: ({ QueueUrl, Entries = [] }) => {
      const queue = queueOf(QueueUrl);
      return {
        Successful: Entries.map((entry: { Id: string; MessageBody: string; MessageAttributes?: object }) => ({
          Id: entry.Id,
          ...put(queue, entry.MessageBody, entry.MessageAttributes as Record<string, unknown>),
        })),
        Failed: [],
      };
    },
    ReceiveMessage: ({ QueueUrl, MaxNumberOfMessages = 1, VisibilityTimeout = 30 }) => {
      const queue = queueOf(QueueUrl);
      const now = Date.now();
      const taken: StoredMessage[] = [];
      for (const message of queue.messages.values()) {
        if (taken.length >= MaxNumberOfMessages) break;
        if (message.visibleAt > now) continue;
        if (message.handle) queue.byHandle.delete(message.handle);
        message.handle = randomUUID();
        message.visibleAt = now + VisibilityTimeout * 1000;
        message.attributes.ApproximateReceiveCount = String(
          Number(message.attributes.ApproximateReceiveCount) + 1,
        );
        queue.byHandle.set(message.handle, message);
        taken.push(message);
      }
      // Answers at once when empty: the drainer's closing long poll is the same for both sides of a comparison.
      return {
        Messages: taken.map((message) => ({
          MessageId: message.id,
          ReceiptHandle: message.handle,
          MD5OfBody: md5(message.body),
          Body: message.body,
          Attributes: message.attributes,
          ...(message.messageAttributes ? { MessageAttributes: message.messageAttributes } : {}),
        })),
      };
    },
    DeleteMessage: ({ QueueUrl, ReceiptHandle }) => {
      const queue = queueOf(QueueUrl);
      const message = queue.byHandle.get(ReceiptHandle);
      if (message) queue.messages.delete(message.id);
      queue.byHandle.delete(ReceiptHandle);
      return {};
    },
    DeleteMessageBatch: ({ QueueUrl, Entries = [] }) => {
      const queue = queueOf(QueueUrl);
      for (const entry of Entries as { ReceiptHandle: string }[]) {
        const message = queue.byHandle.get(entry.ReceiptHandle);
        if (message) queue.messages.delete(message.id);
        queue.byHandle.delete(entry.ReceiptHandle);
      }
      return { Successful: Entries.map((entry: { Id: string }) => ({ Id: entry.Id })), Failed: [] };
    },
    ChangeMessageVisibilityBatch: ({ QueueUrl, Entries = [] }) => {
      const queue = queueOf(QueueUrl);
      for (const entry of Entries as { ReceiptHandle: string; VisibilityTimeout: number }[]) {
        const message = queue.byHandle.get(entry.ReceiptHandle);
        if (message) message.visibleAt = Date.now() + entry.VisibilityTimeout * 1000;
      }
      return { Successful: Entries.map((entry: { Id: string }) => ({ Id: entry.Id })), Failed: [] };
    },
  };

  const answer = (response: ServerResponse, status: number, body: unknown, type: string) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    response.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
    response.end(text);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const target = request.headers['x-amz-target'];
      const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(request.url ?? '');
      try {
        if (typeof target === 'string' && target.startsWith('AmazonSQS.')) {
          const operation = sqs[target.slice('AmazonSQS.'.length)];
          if (!operation) throw Object.assign(new Error(`${target} not emulated`), { type: 'InvalidAction' });
          answer(response, 200, operation(text ? JSON.parse(text) : {}), 'application/x-amz-json-1.0');
        } else if (
          request.method === 'GET' &&
          /^\/2015-03-31\/functions\/[^/]+(\/aliases\/[^/]+)?$/.test(request.url?.split('?')[0] ?? '')
        ) {
          // GetFunction and GetAlias: the drainer checks its target exists before the first receive.
          answer(response, 200, { Configuration: {} }, 'application/json');
        } else if (invoke) {
          const qualifier = new URL(request.url ?? '', 'http://x').searchParams.get('Qualifier');
          const key = `${decodeURIComponent(invoke[1] as string)}:${qualifier ?? '$LATEST'}`;
          invokes.set(key, (invokes.get(key) ?? 0) + 1);
          response.writeHead(202, { 'content-length': 0 });
          response.end();
        } else {
          answer(
            response,
            404,
            { message: `not emulated: ${request.method} ${request.url}` },
            'application/json',
          );
        }
      } catch (error) {
        const type = (error as { type?: string }).type ?? 'InternalError';
        answer(
          response,
          400,
          { __type: `com.amazonaws.sqs#${type}`, message: (error as Error).message },
          'application/x-amz-json-1.0',
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    invokes,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The emulator in a process of its own, as a real service would be: its work does not share the benchmark's
 * event loop, so both sides of a comparison pay a round trip and neither pays the server's CPU on its thread.
 */
export async function spawnVolumeEmulator(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    [join(projectRoot, 'node_modules/tsx/dist/cli.mjs'), fileURLToPath(import.meta.url), '--serve'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const exited = once(child, 'exit');
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
    child.once('exit', (code) => reject(new Error(`volume emulator exited with ${code}`)));
  });
  return {
    endpoint,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

if (process.argv.includes('--serve') && process.argv[1] === fileURLToPath(import.meta.url)) {
  const emulator = await startVolumeEmulator();
  process.stdout.write(`${emulator.endpoint}\n`);
}
