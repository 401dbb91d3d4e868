// What a drain reads besides the messages: a queue's URL and depth, the DLQ's source queues, whether a Lambda
// target exists, and the kill switch's throttle windows — the last three asked once per run, whatever the
// number of messages that need them.
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { AuditLedger } from '../../shared/audit.js';
import { isAwsError, NotFoundError } from '../../shared/errors.js';
import { type ThrottleWindow, throttleWindows } from '../../shared/throttle-windows.js';
import { lambdaTargetChecker } from './lambda-target.js';

const notThere = (error: unknown) =>
  isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');

/** The URL SQS gives for a queue of the deployment's account, by name: never one a request wrote. */
export async function resolveQueue(sqs: SQSClient, name: string, field: string): Promise<string> {
  try {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    return String(QueueUrl);
  } catch (error) {
    if (notThere(error)) throw new NotFoundError(`no queue ${name}`, field, error);
    throw error;
  }
}

/** Visible + in flight, approximate as SQS says. */
export async function depth(sqs: SQSClient, queueUrl: string, field: string): Promise<number> {
  try {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages ?? 0) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  } catch (error) {
    if (notThere(error)) throw new NotFoundError(`no queue ${queueUrl}`, field, error);
    throw error;
  }
}

export interface Lookups {
  /** The DLQ's redrive relationship: the queues whose RedrivePolicy names it. */
  sources(): Promise<string[]>;
  /** Why a Lambda target cannot be invoked, or undefined (lambda-target.ts). */
  lambdaProblem(functionName: string, qualifier: string): Promise<string | undefined>;
  /** The kill switch's throttle windows of a function, from the ledger. */
  windows(functionName: string): Promise<ThrottleWindow[]>;
}

/** The run's lookups, each answer kept for the whole run. */
export function lookups(
  deps: { sqs: SQSClient; lambda: LambdaClient; ledger: Pick<AuditLedger, 'list'> },
  queueUrl: string,
): Lookups {
  let sourceQueues: Promise<string[]> | undefined;
  const windows = new Map<string, Promise<ThrottleWindow[]>>();
  return {
    sources() {
      // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListDeadLetterSourceQueues.html
      sourceQueues ??= deps.sqs
        .send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl, MaxResults: 10 }))
        .then((answer) => answer.queueUrls ?? []);
      return sourceQueues;
    },
    lambdaProblem: lambdaTargetChecker(deps.lambda),
    windows(functionName) {
      let found = windows.get(functionName);
      if (!found) {
        found = throttleWindows(deps.ledger, functionName);
        windows.set(functionName, found);
      }
      return found;
    },
  };
}
