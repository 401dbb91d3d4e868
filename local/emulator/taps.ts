// The template's SNS subscriptions, reproduced in the emulator. moto delivers SNS to Lambda by "invoking"
// a function whose code it does not run, so each SNS event of a function is subscribed instead to a tap: an
// SQS queue with the subscription's own FilterPolicy and scope. What reaches a tap is exactly what SNS
// would deliver to that function; local/alarms.ts hands it to the real handler. moto applies message-body
// filter policies as SNS does (measured with moto 5.2.1), so the routing under test is the template's.
import type { SNSClient } from '@aws-sdk/client-sns';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { isObject } from '../../shared/validate.js';
import type { JsonObject, ResolveContext, Template } from '../template.js';
import { resolveValue } from '../template.js';

export interface Tap {
  /** The subscribed function's logical id, and the name of its SNS event in the template. */
  function: string;
  event: string;
  topicArn: string;
  queueUrl: string;
  filterPolicy?: JsonObject;
}

export async function subscribeTaps(options: {
  template: Template;
  ctx: ResolveContext;
  functions: string[];
  physical: (logicalId: string) => string;
  sns: SNSClient;
  sqs: SQSClient;
}): Promise<Tap[]> {
  const taps: Tap[] = [];
  for (const logicalId of options.functions) {
    const events = options.template.Resources[logicalId]?.Properties?.Events;
    if (!isObject(events)) continue;
    for (const [name, event] of Object.entries(events)) {
      if (!isObject(event) || event.Type !== 'SNS' || !isObject(event.Properties)) continue;
      const properties = resolveValue(options.ctx, event.Properties) as JsonObject;
      const topicArn = String(properties.Topic);
      // SQS queue names are at most 80 characters.
      const queueName = `${options.physical(logicalId)}-${name}-tap`.slice(-80);
      const { QueueUrl } = await options.sqs.send(new CreateQueueCommand({ QueueName: queueName }));
      const { Attributes } = await options.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      const filterPolicy = isObject(properties.FilterPolicy) ? properties.FilterPolicy : undefined;
      await options.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: String(Attributes?.QueueArn),
          Attributes: {
            ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}),
            ...(typeof properties.FilterPolicyScope === 'string'
              ? { FilterPolicyScope: properties.FilterPolicyScope }
              : {}),
          },
        }),
      );
      taps.push({
        function: logicalId,
        event: name,
        topicArn,
        queueUrl: String(QueueUrl),
        ...(filterPolicy ? { filterPolicy } : {}),
      });
    }
  }
  return taps;
}
