// SQS-delivered messages (an event source mapping with BatchSize 1) to one Invocation: the message body, parsed.
// https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
//
// What SQS does with the answer decides what a bad message costs (shared/middleware/doors.ts): a thrown error
// fails the batch, and the message comes back after its visibility timeout until maxReceiveCount moves it to
// the queue's dead-letter queue; a returned answer deletes it. So a message that can never succeed (malformed:
// a 4xx) is answered and deleted at once, logged and counted as Refused, while a failure that may pass (a 5xx:
// the ledger unreachable) is thrown, retried, and kept in the retained DLQ if it never does.
import type { Context, SQSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ConfigurationError, ValidationError } from '../errors.js';
import { isObject, parseInput } from '../validate.js';
import type { QueueInvocation } from './types.js';

export function isSqsEvent(event: unknown): event is SQSEvent {
  if (!isObject(event) || !Array.isArray(event.Records)) return false;
  const first: unknown = event.Records[0];
  return isObject(first) && first.eventSource === 'aws:sqs';
}

// Built on its first use, as the other doors' schemas are (apigw.ts).
const recordSchema = z.lazy(() =>
  z.object({
    messageId: z.string().min(1).max(100),
    body: z.string().max(262_144, 'an SQS message body is at most 256 KiB'),
    eventSourceARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]{1,80}$/, 'expected a queue ARN'),
  }),
);

export function fromSqs(event: SQSEvent, context: Pick<Context, 'awsRequestId'>): QueueInvocation {
  if (event.Records.length !== 1)
    // The event source mapping's setting, not the sender's mistake: thrown as a 500, so every message of the
    // batch is kept (retried, then dead-lettered) rather than deleted unread.
    throw new ConfigurationError(
      `expected one SQS message per invocation (BatchSize 1), got ${event.Records.length}`,
    );
  const record = parseInput(recordSchema, event.Records[0], 'Records.0');
  let payload: unknown;
  try {
    payload = JSON.parse(record.body);
  } catch (cause) {
    throw new ValidationError('Records.0.body: the message body is not JSON', 'Records.0.body', cause);
  }
  return {
    door: 'queue',
    actor: `queue:${record.eventSourceARN.slice(record.eventSourceARN.lastIndexOf(':') + 1)}`,
    correlationId: record.messageId || context.awsRequestId,
    payload,
    queueArn: record.eventSourceARN,
  };
}
