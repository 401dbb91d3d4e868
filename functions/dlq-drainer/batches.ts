// SendMessageBatch by bytes, not by count (issue 13, point 7). Ten near-limit messages in one batch exceed
// the batch's total and SQS refuses the whole batch, so the same ten failed on every run and nothing moved.
//
// SQS's limits (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html):
// a message is at most 1 MiB (1,048,576 bytes; 256 KiB before August 2025), a batch holds at most 10 entries
// and at most 1 MiB in all, and a message's size is its body plus every message attribute's name, data type
// and value (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-message-attributes).
// moto 5.2 has the same 1 MiB limit (it counts bodies only, so it is never stricter than this count).
import type { MessageAttributeValue, SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';

export interface BatchLimits {
  maxMessageBytes: number;
  maxBatchBytes: number;
  maxEntries: number;
}

export const SQS_LIMITS: BatchLimits = {
  maxMessageBytes: 1_048_576,
  maxBatchBytes: 1_048_576,
  maxEntries: 10,
};

const utf8 = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text, 'utf8'));

function attributeBytes(name: string, value: MessageAttributeValue): number {
  const binary = value.BinaryValue === undefined ? 0 : value.BinaryValue.byteLength;
  return utf8(name) + utf8(value.DataType) + utf8(value.StringValue) + binary;
}

/** The size SQS counts for an entry: its body and its message attributes (names, types and values). */
export function entryBytes(
  entry: Pick<SendMessageBatchRequestEntry, 'MessageBody' | 'MessageAttributes'>,
): number {
  const attributes = Object.entries(entry.MessageAttributes ?? {});
  return (
    utf8(entry.MessageBody) + attributes.reduce((sum, [name, value]) => sum + attributeBytes(name, value), 0)
  );
}

/**
 * Packs items into batches within the limits, in order (a FIFO group keeps its order). An item that cannot fit
 * even alone is returned in `tooLarge`, never sent: the caller keeps its message and reports it.
 */
export function packBatches<T>(
  items: readonly T[],
  bytesOf: (item: T) => number,
  limits: BatchLimits = SQS_LIMITS,
): { batches: T[][]; tooLarge: { item: T; bytes: number }[] } {
  const batches: T[][] = [];
  const tooLarge: { item: T; bytes: number }[] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (bytes > limits.maxMessageBytes || bytes > limits.maxBatchBytes) {
      tooLarge.push({ item, bytes });
      continue;
    }
    if (current.length === limits.maxEntries || currentBytes + bytes > limits.maxBatchBytes) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}
