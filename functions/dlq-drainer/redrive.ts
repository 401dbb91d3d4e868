// Redriving dead letters: a Lambda-fed letter is invoked again, one Invoke each; SQS-fed letters are sent to
// their queue in batches that fit SQS's limits by bytes (batches.ts). What SQS or Lambda confirmed is
// returned; what they did not is returned failed, with why, so the caller keeps it.
import { randomUUID } from 'node:crypto';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry } from '@aws-sdk/client-sqs';
import { DependencyError, describe } from '../../shared/errors.js';
import { type Clock, retryThrottled } from '../../shared/rate.js';
import { entryBytes, packBatches, SQS_LIMITS } from './batches.js';
import { invokeProblem } from './lambda-target.js';
import { type DeadLetter, sendableAttributes } from './messages.js';
import type { DrainDeps, LambdaRoute, Tally } from './types.js';

export interface Failed {
  letter: DeadLetter;
  error: string;
}

type Attributes = Record<string, { DataType: string; StringValue: string }>;

/** The text kept for a failed letter: a dependency's own words, or a short secret-free description. */
export const failureText = (error: unknown): string =>
  error instanceof DependencyError ? error.message : describe(error);

/**
 * Invokes the route with the letter's original event. InvocationType Event: the event goes through Lambda's
 * asynchronous queue again, with its retries and its DLQ, exactly as the first time
 * (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html). Throttling is retried; any answer but the
 * documented success throws a DependencyError, so the letter is kept.
 */
export async function invoke(
  deps: Pick<DrainDeps, 'lambda'>,
  letter: DeadLetter,
  route: LambdaRoute,
  options: { clock: Clock; shouldStop: () => boolean },
): Promise<void> {
  const answer = await retryThrottled(
    () =>
      deps.lambda.send(
        new InvokeCommand({
          FunctionName: route.functionName,
          Qualifier: route.qualifier,
          InvocationType: 'Event',
          Payload: Buffer.from(letter.payload),
        }),
      ),
    { attempts: 3, ...options },
  );
  const problem = invokeProblem(answer, 'Event');
  if (problem) throw new DependencyError(problem);
}

/** One SendMessageBatch entry for a letter: its body and attributes, and for FIFO its group and a fresh id. */
function entryOf(letter: DeadLetter, fifo: boolean, auditId: string, extra?: Attributes) {
  const attributes = { ...sendableAttributes(letter.message.MessageAttributes), ...extra };
  const groupId = letter.message.Attributes?.MessageGroupId;
  const entry: Omit<SendMessageBatchRequestEntry, 'Id'> = {
    MessageBody: letter.payload,
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    // A FIFO queue drops a message whose deduplication id it saw in the last 5 minutes, silently: a
    // redrive gets a fresh one (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-exactly-once-processing.html).
    ...(fifo
      ? { MessageGroupId: groupId ?? letter.key, MessageDeduplicationId: `${auditId}-${randomUUID()}` }
      : {}),
  };
  return { letter, entry };
}

/**
 * Sends letters to one queue in batches that fit SQS's limits by bytes; returns the letters SQS confirmed,
 * by entry. A letter too large for any batch is not sent and comes back failed (counted in `tooLarge`).
 */
export async function sendBatch(
  deps: Pick<DrainDeps, 'sqs' | 'config'>,
  run: { auditId: string; tally: Tally },
  letters: DeadLetter[],
  queueUrl: string,
  extra?: (letter: DeadLetter) => Attributes,
): Promise<{ sent: DeadLetter[]; failed: Failed[] }> {
  const fifo = queueUrl.endsWith('.fifo');
  const entries = letters.map((letter) => entryOf(letter, fifo, run.auditId, extra?.(letter)));
  const limits = deps.config.batchLimits ?? SQS_LIMITS;
  const { batches, tooLarge } = packBatches(entries, ({ entry }) => entryBytes(entry), limits);
  const sent: DeadLetter[] = [];
  const failed: Failed[] = tooLarge.map(({ item, bytes }) => {
    run.tally.tooLarge++;
    return {
      letter: item.letter,
      error: `too large: ${bytes} bytes with its attributes, SQS takes ${limits.maxMessageBytes} at most; kept in the DLQ`,
    };
  });
  for (const batch of batches) {
    try {
      const answer = await deps.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map(({ entry }, index) => ({ ...entry, Id: String(index) })),
        }),
      );
      const failedIds = new Map((answer.Failed ?? []).map((entry) => [entry.Id, entry]));
      const okIds = new Set((answer.Successful ?? []).map((entry) => entry.Id));
      batch.forEach(({ letter }, index) => {
        const failure = failedIds.get(String(index));
        if (okIds.has(String(index)) && !failure) sent.push(letter);
        else
          failed.push({ letter, error: failure ? `${failure.Code}: ${failure.Message ?? ''}` : 'no answer' });
      });
    } catch (error) {
      // This batch is not sent; the ones before it were, and are deleted as usual.
      failed.push(...batch.map(({ letter }) => ({ letter, error: describe(error) })));
    }
  }
  return { sent, failed };
}
