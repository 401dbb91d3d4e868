// The on-call channel in a test: a queue subscribed to the stack's ops topic (raw delivery), and what has
// reached it so far. The approval tests read it to prove a held request, a break-glass act or a vote was told.

import { type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { uniqueName } from './names.js';

export interface OpsInbox {
  url: string;
  /** Every message that has arrived since the last read, parsed (each is the ledger's JSON record). */
  read(): Promise<Record<string, unknown>[]>;
}

export async function opsInbox(
  clients: { sqs: SQSClient; sns: SNSClient },
  topicArn: string,
  prefix = 'ops-inbox',
  /** A subscription filter policy (on message attributes), as a person's subscription may have. */
  filterPolicy?: unknown,
): Promise<OpsInbox> {
  const { sqs, sns } = clients;
  const url = String((await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }))).QueueUrl);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: Attributes?.QueueArn,
      Attributes: {
        RawMessageDelivery: 'true',
        ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}),
      },
    }),
  );
  return {
    url,
    async read() {
      const bodies: Record<string, unknown>[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        if (Messages.length === 0) return bodies;
        bodies.push(...Messages.map((message) => JSON.parse(String(message.Body))));
      }
    },
  };
}
