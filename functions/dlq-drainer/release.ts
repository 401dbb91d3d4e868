// How a dead letter leaves this run: deleted once its redrive (or its move to quarantine) was confirmed, or
// released — visibility 0, back in the DLQ at once for a person or the next run.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { describe } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import type { DeadLetter } from './messages.js';
import { notDeletedOne } from './tally.js';
import type { Tally } from './types.js';

type Deps = { sqs: SQSClient; logger: Pick<Log, 'warn'> };

/** SQS's batch calls take ten entries at most. */
export const chunks = <T>(items: readonly T[], size = 10): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

/** Deletes redriven messages; a failed delete leaves a redriven message in the DLQ, reported in the tally. */
export async function remove(
  deps: Deps,
  queueUrl: string,
  letters: DeadLetter[],
  tally: Tally,
): Promise<DeadLetter[]> {
  const deleted: DeadLetter[] = [];
  for (const group of chunks(letters)) {
    try {
      const answer = await deps.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: group.map((letter, index) => ({
            Id: String(index),
            ReceiptHandle: letter.message.ReceiptHandle,
          })),
        }),
      );
      const ok = new Set((answer.Successful ?? []).map((entry) => entry.Id));
      group.forEach((letter, index) => {
        if (ok.has(String(index))) deleted.push(letter);
        else notDeletedOne(tally, letter);
      });
    } catch (error) {
      deps.logger.warn('DeleteMessageBatch failed: these messages were redriven and stay in the DLQ', {
        error: describe(error),
      });
      for (const letter of group) notDeletedOne(tally, letter);
    }
  }
  return deleted;
}

/** Visibility 0 for every held message: back in the DLQ at once, for a person or the next run. */
export async function release(deps: Deps, queueUrl: string, messages: Message[]): Promise<void> {
  for (const group of chunks(messages)) {
    try {
      const answer = await deps.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: group.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
      if ((answer.Failed ?? []).length > 0) {
        deps.logger.warn('some messages could not be released; they reappear when their visibility ends', {
          failed: answer.Failed,
        });
      }
    } catch (error) {
      // Not lost: the visibility timeout returns them to the queue on its own.
      deps.logger.warn('release failed; the messages reappear when their visibility ends', {
        error: describe(error),
      });
    }
  }
}
