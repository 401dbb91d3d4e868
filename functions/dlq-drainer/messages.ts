// What a dead letter is, read from the message alone: the three kinds the drainer knows, the payload to send
// back, the key that makes a second redrive of the same event visible, and the error that put it there.
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { functionNameOf } from '../../shared/arn.js';
import { isObject } from '../../shared/validate.js';

export type DeadLetterKind = 'lambda-async' | 'lambda-destination' | 'sqs';

export interface DeadLetter {
  message: Message;
  kind: DeadLetterKind;
  /** RequestID (Lambda) or the message id (SQS): the same event redriven twice shows up twice. */
  key: string;
  /** What to send back: the original event (Lambda kinds) or the body as is (SQS). */
  payload: string;
  errorCode: string;
  /** The function a destination record names (bare name); undefined for the other kinds. */
  functionName?: string;
  /** SentTimestamp, epoch ms: when the message entered the DLQ. */
  sentAt: number;
}

const stringAttribute = (message: Message, name: string): string | undefined =>
  message.MessageAttributes?.[name]?.StringValue;

interface DestinationRecord {
  requestContext: { requestId?: string; functionArn: string; condition?: string };
  requestPayload: unknown;
  responseContext?: { functionError?: string; statusCode?: number };
}

function destinationRecord(body: string | undefined): DestinationRecord | undefined {
  if (body?.[0] !== '{') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || !('requestPayload' in parsed)) return undefined;
  const context = parsed.requestContext;
  if (!isObject(context) || typeof context.functionArn !== 'string') return undefined;
  return parsed as unknown as DestinationRecord;
}

/**
 * Recognises a dead letter's kind:
 * - a Lambda asynchronous-invocation DLQ message: the body is the original event and Lambda adds the message
 *   attributes RequestID, ErrorCode and ErrorMessage
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq);
 * - an on-failure destination record: a JSON invocation record with `requestContext` (requestId, functionArn,
 *   condition), `requestPayload` (the original event) and `responseContext`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-async-destinations);
 * - anything else came from an SQS source queue's redrive policy and goes back as it is.
 */
export function classify(message: Message): DeadLetter {
  const sentAt = Number(message.Attributes?.SentTimestamp ?? Number.NaN);
  const requestId = stringAttribute(message, 'RequestID');
  const errorCode = stringAttribute(message, 'ErrorCode');
  if (requestId && errorCode !== undefined) {
    return {
      message,
      kind: 'lambda-async',
      key: requestId,
      payload: message.Body ?? '',
      errorCode,
      sentAt,
    };
  }
  const record = destinationRecord(message.Body);
  if (record) {
    return {
      message,
      kind: 'lambda-destination',
      key: record.requestContext.requestId ?? String(message.MessageId),
      payload: JSON.stringify(record.requestPayload ?? null),
      errorCode: record.responseContext?.functionError ?? record.requestContext.condition ?? 'unknown',
      functionName: functionNameOf(record.requestContext.functionArn),
      sentAt,
    };
  }
  return {
    message,
    kind: 'sqs',
    key: String(message.MessageId),
    payload: message.Body ?? '',
    errorCode: errorCode ?? 'none',
    sentAt,
  };
}

/** Message attributes as SendMessage takes them back (list values are reserved by SQS and never set). */
export function sendableAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.DataType,
      ...(value.StringValue !== undefined ? { StringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { BinaryValue: value.BinaryValue } : {}),
    };
  }
  return out;
}

/** Age buckets for a peek: how late a replay would be. */
export function ageBucket(ageMs: number): string {
  if (!Number.isFinite(ageMs)) return 'unknown';
  if (ageMs < 5 * 60_000) return '<5m';
  if (ageMs < 3_600_000) return '5m-1h';
  if (ageMs < 86_400_000) return '1h-1d';
  return '>=1d';
}
