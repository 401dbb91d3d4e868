// A stand-in for Lambda's SQS event source mappings. moto runs no Lambda code and has no event source mapping
// that polls a queue, so a message the template's functions send themselves (an approved run on
// ApprovedRunQueue, the rest of a fleet run on FleetContinuationQueue) would wait there for ever. Here each
// function's `Type: SQS` event of template.yaml is polled as Lambda polls it: one message received (BatchSize
// 1, the only size these functions accept), handed to the function's handler in this process as the SQS event
// Lambda would build (local/invoke.ts, the bundled handler in the compiled CLI), and deleted only when the
// handler answered without a failure — a thrown error or a reported batch item failure leaves it, as Lambda
// does, to come back after its visibility timeout and, past maxReceiveCount, to go to its dead-letter queue.
// `runbook emulator` runs it for the life of the emulator; a test delivers one message at a time (deliverOne).
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { isObject } from '../../shared/validate.js';
import { type InvokeOutcome, invokeFunction } from '../invoke.js';
import { findFunction, loadTemplate, type Template } from '../template.js';
import type { EmulatorState } from './provision.js';

/** One function's SQS event: which function, which of its events, and the queue it reads. */
export interface QueueSource {
  logicalId: string;
  event: string;
  queueUrl: string;
  queueArn: string;
  /** The function's timeout: a received message stays invisible that long, as Lambda keeps it. */
  timeoutSeconds: number;
}

/** The SQS events of the template's functions, on the stack's queues (`only`: these functions alone). */
export function queueSources(
  state: EmulatorState,
  options: { template?: Template; only?: readonly string[] } = {},
): QueueSource[] {
  const template = options.template ?? loadTemplate();
  const sources: QueueSource[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::Function' || !state.resources[logicalId]) continue;
    if (options.only && !options.only.includes(logicalId)) continue;
    const events = resource.Properties?.Events;
    if (!isObject(events)) continue;
    for (const [event, spec] of Object.entries(events)) {
      if (!isObject(spec) || spec.Type !== 'SQS' || !isObject(spec.Properties)) continue;
      const queue = spec.Properties.Queue;
      const target =
        isObject(queue) && Array.isArray(queue['Fn::GetAtt']) ? queue['Fn::GetAtt'][0] : undefined;
      const provisioned = typeof target === 'string' ? state.resources[target] : undefined;
      if (!provisioned?.attributes.Arn) continue;
      sources.push({
        logicalId,
        event,
        queueUrl: provisioned.ref,
        queueArn: provisioned.attributes.Arn,
        timeoutSeconds: findFunction(template, logicalId).timeoutSeconds,
      });
    }
  }
  return sources;
}

/** The event Lambda's event source mapping builds for one received message (BatchSize 1). */
export function sqsEventOf(
  message: Message,
  source: Pick<QueueSource, 'queueArn'>,
  region: string,
): SQSEvent {
  const attributes = message.Attributes ?? {};
  return {
    Records: [
      {
        messageId: String(message.MessageId),
        receiptHandle: String(message.ReceiptHandle),
        body: String(message.Body),
        attributes: {
          ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
          SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
          SenderId: attributes.SenderId ?? 'emulator',
          ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: String(message.MD5OfBody ?? ''),
        eventSource: 'aws:sqs',
        eventSourceARN: source.queueArn,
        awsRegion: region,
      },
    ],
  };
}

/** Whether the handler's answer tells Lambda to keep the message: batch item failures reported. */
const keeps = (result: unknown) =>
  isObject(result) && Array.isArray(result.batchItemFailures) && result.batchItemFailures.length > 0;

export interface Delivery {
  messageId: string;
  /** The handler's outcome; undefined when it threw (`error`). */
  outcome?: InvokeOutcome;
  error?: unknown;
  /** Deleted from the queue: the handler answered and reported no failure. */
  deleted: boolean;
}

/**
 * Receives one message from `source`'s queue and delivers it to its function; undefined when none came within
 * `waitSeconds`. `envVars` as local/invoke.ts takes them (a test's settings for the function).
 */
export async function deliverOne(
  sqs: Pick<SQSClient, 'send'>,
  source: QueueSource,
  state: EmulatorState,
  options: {
    waitSeconds?: number;
    envVars?: Record<string, Record<string, string>>;
    /** Runs the handler (the emulator keeps its stdout for itself: cli/output.ts withStdoutOnStderr). */
    around?: <T>(run: () => Promise<T>) => Promise<T>;
  } = {},
): Promise<Delivery | undefined> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: source.queueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: options.waitSeconds ?? 0,
      VisibilityTimeout: source.timeoutSeconds,
      MessageSystemAttributeNames: ['All'],
    }),
  );
  const message = Messages[0];
  if (!message) return undefined;
  const messageId = String(message.MessageId);
  let outcome: InvokeOutcome;
  try {
    const invoke = () =>
      invokeFunction({
        logicalId: source.logicalId,
        event: sqsEventOf(message, source, state.region),
        state,
        ...(options.envVars ? { envVars: options.envVars } : {}),
      });
    outcome = await (options.around ? options.around(invoke) : invoke());
  } catch (error) {
    return { messageId, error, deleted: false };
  }
  if (keeps(outcome.result)) return { messageId, outcome, deleted: false };
  await sqs.send(
    new DeleteMessageCommand({ QueueUrl: source.queueUrl, ReceiptHandle: message.ReceiptHandle }),
  );
  return { messageId, outcome, deleted: true };
}

/**
 * Polls every source until stopped, as `runbook emulator` runs it: one delivery at a time, whatever the queue —
 * a handler runs with its function's environment set in this process (local/invoke.ts), which two at once would
 * mix. `stateOf` is read before each delivery: the stack's description may change while the emulator runs (a
 * parameter set by a test or an operator). `onDelivery` hears each delivery (the emulator says it on stderr).
 */
export function pollSources(options: {
  sqs: Pick<SQSClient, 'send'>;
  sources: readonly QueueSource[];
  stateOf: () => EmulatorState;
  onDelivery?: (source: QueueSource, delivery: Delivery) => void;
  onError?: (source: QueueSource, error: unknown) => void;
  around?: <T>(run: () => Promise<T>) => Promise<T>;
  idleMs?: number;
}): { stop(): Promise<void> } {
  let stopped = false;
  let wake: (() => void) | undefined;
  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.idleMs ?? 1000);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const loop = (async () => {
    while (!stopped) {
      let delivered = false;
      for (const source of options.sources) {
        if (stopped) break;
        try {
          const delivery = await deliverOne(options.sqs, source, options.stateOf(), {
            ...(options.around ? { around: options.around } : {}),
          });
          if (delivery) {
            delivered = true;
            options.onDelivery?.(source, delivery);
          }
        } catch (error) {
          // The queue unreachable (the emulator stopping): said, and tried again on the next round.
          if (!stopped) options.onError?.(source, error);
        }
      }
      if (!delivered && !stopped) await idle();
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
