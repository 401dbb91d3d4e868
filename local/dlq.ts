// Dead letters as AWS writes them, for the emulator: the drill, the bench and the tests fill a DLQ with these
// and read queues back to check that nothing was lost. Never bundled into a function.
import { randomUUID } from 'node:crypto';
import {
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** A failed asynchronous invocation as Lambda sends it to a function's DLQ: the event, plus three attributes. */
export function lambdaDeadLetter(
  event: unknown,
  options: { requestId?: string; errorCode?: string; errorMessage?: string } = {},
): Omit<SendMessageBatchRequestEntry, 'Id'> {
  return {
    MessageBody: JSON.stringify(event),
    MessageAttributes: {
      RequestID: { DataType: 'String', StringValue: options.requestId ?? randomUUID() },
      ErrorCode: { DataType: 'String', StringValue: options.errorCode ?? '200' },
      ErrorMessage: {
        DataType: 'String',
        StringValue: options.errorMessage ?? 'Task timed out after 60.00 seconds',
      },
    },
  };
}

/** An on-failure destination record, as Lambda writes it after the last retry. */
export function destinationRecord(
  functionArn: string,
  event: unknown,
  requestId: string = randomUUID(),
): Omit<SendMessageBatchRequestEntry, 'Id'> {
  return {
    MessageBody: JSON.stringify({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `${functionArn}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'upstream timeout' },
    }),
  };
}

/** A message that came from an SQS source queue (its consumer failed it maxReceiveCount times). */
export function sourceMessage(body: string, attributes: Record<string, string> = {}) {
  return {
    MessageBody: body,
    ...(Object.keys(attributes).length > 0
      ? {
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }
      : {}),
  };
}

/** Sends entries in batches of ten, a few batches at a time. */
export async function fillQueue(
  sqs: SQSClient,
  queueUrl: string,
  entries: Omit<SendMessageBatchRequestEntry, 'Id'>[],
): Promise<void> {
  const batches: Omit<SendMessageBatchRequestEntry, 'Id'>[][] = [];
  for (let i = 0; i < entries.length; i += 10) batches.push(entries.slice(i, i + 10));
  for (let i = 0; i < batches.length; i += 5) {
    await Promise.all(
      batches.slice(i, i + 5).map(async (batch) => {
        const answer = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((entry, index) => ({ ...entry, Id: String(index) })),
          }),
        );
        if ((answer.Failed ?? []).length > 0) {
          throw new Error(`could not fill ${queueUrl}: ${JSON.stringify(answer.Failed)}`);
        }
      }),
    );
  }
}

export interface ReadMessage {
  body: string;
  attributes: Record<string, string>;
  groupId?: string;
}

/**
 * Reads every message a queue holds, hiding each for `visibilitySeconds` so none is read twice; they come back
 * afterwards. For checks only: a queue of a few hundred messages.
 */
export async function readAll(
  sqs: SQSClient,
  queueUrl: string,
  visibilitySeconds = 120,
): Promise<ReadMessage[]> {
  const out: ReadMessage[] = [];
  let empty = 0;
  // Two empty answers in a row: SQS samples servers, so one empty short answer does not mean empty.
  while (empty < 2) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: visibilitySeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId'],
      }),
    );
    empty = Messages.length === 0 ? empty + 1 : 0;
    for (const message of Messages) {
      out.push({
        body: String(message.Body),
        attributes: Object.fromEntries(
          Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
            name,
            String(value.StringValue),
          ]),
        ),
        ...(message.Attributes?.MessageGroupId ? { groupId: message.Attributes.MessageGroupId } : {}),
      });
    }
  }
  return out;
}

export interface RecordedInvoke {
  functionName: string;
  qualifier?: string;
  invocationType?: string;
  payload: string;
  /** performance.now() when it was sent (recorded once Lambda accepted it). */
  at: number;
}

// The part of the Lambda client this needs; moto's Invoke with InvocationType Event runs no code and keeps
// nothing we could read back, so the invocations are recorded on the way out instead.
type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
interface WithStack {
  middlewareStack: {
    add(
      middleware: (next: Next, context: { commandName?: string }) => Next,
      options: { step: 'initialize'; name: string; override: boolean },
    ): void;
    remove(name: string): boolean;
  };
}

/** Records every Invoke a Lambda client sends; `stop()` removes the recorder. */
export function recordInvokes(client: unknown): { calls: RecordedInvoke[]; stop(): void } {
  const calls: RecordedInvoke[] = [];
  const stack = (client as WithStack).middlewareStack;
  const name = 'runbookInvokeRecorder';
  stack.add(
    (next, context) => async (args) => {
      const sentAt = performance.now();
      const answer = await next(args);
      if (context.commandName === 'InvokeCommand') {
        const input = args.input;
        const payload = input.Payload;
        calls.push({
          functionName: String(input.FunctionName),
          ...(input.Qualifier !== undefined ? { qualifier: String(input.Qualifier) } : {}),
          ...(input.InvocationType !== undefined ? { invocationType: String(input.InvocationType) } : {}),
          payload:
            typeof payload === 'string' ? payload : Buffer.from(payload as Uint8Array).toString('utf8'),
          at: sentAt,
        });
      }
      return answer;
    },
    { step: 'initialize', name, override: true },
  );
  return { calls, stop: () => void stack.remove(name) };
}
