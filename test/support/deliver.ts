// Delivers what a test stack's queues hold to the functions that read them, as Lambda's event source mapping
// would: through the emulator's own stand-in (local/emulator/event-sources.ts), one message at a time, when
// the test says so — a test stack has no poller running (moto has no event source mappings).
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Delivery, deliverOne, queueSources } from '../../local/emulator/event-sources.js';
import type { EmulatorState } from '../../local/emulator/provision.js';

const sqs = new SQSClient({});

/**
 * Delivers the next message of `logicalId`'s SQS event (`event`, default its only one) to it, with the
 * functions' extra environment; undefined when the queue holds none.
 */
export async function deliverNext(
  state: EmulatorState,
  logicalId: string,
  envVars: Record<string, Record<string, string>> = {},
  event?: string,
): Promise<Delivery | undefined> {
  const sources = queueSources(state, { only: [logicalId] }).filter(
    (source) => event === undefined || source.event === event,
  );
  const source = sources[0];
  if (!source || sources.length > 1)
    throw new Error(
      `${logicalId}: expected one SQS event${event ? ` named ${event}` : ''}, found ${sources.length}`,
    );
  return deliverOne(sqs, source, state, { envVars });
}

/** Delivers every message `logicalId`'s queue holds, and those its runs queue meanwhile (at most `max`). */
export async function deliverAll(
  state: EmulatorState,
  logicalId: string,
  envVars: Record<string, Record<string, string>> = {},
  max = 20,
): Promise<Delivery[]> {
  const done: Delivery[] = [];
  for (let delivery = await deliverNext(state, logicalId, envVars); delivery; ) {
    done.push(delivery);
    if (done.length >= max) break;
    delivery = await deliverNext(state, logicalId, envVars);
  }
  return done;
}
