import * as z from 'zod';
import { arnHintedSchema, functionNameSchema, queueNameInArn } from '../../shared/arn.js';
import { intSetting, listSetting, optionalSetting } from '../../shared/env.js';
import { ValidationError } from '../../shared/errors.js';
import { breakGlassSchema } from '../../shared/reason.js';

// Lambda's own rules: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
const QUALIFIER = /^(?!\d+$)[A-Za-z0-9_-]{1,128}$|^[1-9][0-9]{0,9}$/;
// A queue name (80 characters of letters, digits, - and _, `.fifo` allowed) or its URL.
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$/;
const QUEUE_URL = /^https?:\/\/[^\s/]+(\/[0-9]{12}|\/[0-9a-z-]+)\/[A-Za-z0-9_-]{1,75}(\.fifo)?$/;

/**
 * A typo (`--rate 50000`) is refused. SQS standard queues take this many sends a second without complaint;
 * a Lambda target is better served far below it (its throttles are retried, but they are wasted work).
 */
export const MAX_RATE_PER_SECOND = 5000;
/** SQS keeps a message 14 days at most: an older age limit means nothing. */
export const MAX_AGE_SECONDS = 1_209_600;

const queue = arnHintedSchema(
  (value) => QUEUE_NAME.test(value) || QUEUE_URL.test(value),
  queueNameInArn,
  (named) =>
    named ? `expected the queue's name or URL, not its ARN: ${named}` : 'expected an SQS queue name or URL',
  z.string({ error: 'queue is required: the DLQ name or URL' }).trim(),
);

const queueUrl = z
  .string({ error: 'expected an SQS queue URL' })
  .refine((value) => QUEUE_URL.test(value), 'expected an SQS queue URL');

const queueName = z
  .string({ error: 'expected an SQS queue name' })
  .refine((value) => QUEUE_NAME.test(value), 'expected an SQS queue name');

// An SQS target by name (preferred) or by URL; either way it must be in the deployment's allow-list, and a URL
// must be on the drainer's own SQS endpoint (queue-url.ts checks both before any network call).
const sqsTarget = z
  .strictObject({ type: z.literal('sqs'), queue: queueName.optional(), queueUrl: queueUrl.optional() })
  .superRefine((target, context) => {
    if ((target.queue === undefined) === (target.queueUrl === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['queue'],
        message: 'give the target queue by name (queue) or by URL (queueUrl), one of them',
      });
    }
  });

export const targetSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('lambda'),
      functionName: functionNameSchema(),
      qualifier: z.string().regex(QUALIFIER, 'expected an alias such as "live" or a version').optional(),
    }),
    sqsTarget,
    z.strictObject({ type: z.literal('source') }),
  ],
  { error: 'type must be "lambda", "sqs" or "source"' },
);

export type Target = z.infer<typeof targetSchema>;

const filterSchema = z
  .strictObject({
    errorCode: z.string().min(1, 'errorCode must not be empty').max(256).optional(),
    attribute: z
      .strictObject({
        name: z.string({ error: 'name is required' }).min(1, 'name must not be empty').max(256),
        value: z.string({ error: 'value is required' }).max(1024),
      })
      .optional(),
  })
  .refine(
    (filter) => filter.errorCode !== undefined || filter.attribute !== undefined,
    'filter needs errorCode or attribute (or leave filter out)',
  );

export type Filter = z.infer<typeof filterSchema>;

const positiveInt = (max: number, what: string) =>
  z
    .number({ error: `expected a number of ${what}` })
    .int(`expected a whole number of ${what}`)
    .min(1, `must be at least 1`)
    .max(max, `must be at most ${max}`);

/** One drain or peek request, whichever door it came through (direct, the API, the schedule). */
export const drainRequestSchema = z.strictObject({
  queue,
  target: targetSchema.optional(),
  maxMessages: positiveInt(100_000, 'messages').optional(),
  ratePerSecond: z
    .number({ error: 'expected a number of messages per second' })
    .gt(0, 'must be above 0')
    .max(MAX_RATE_PER_SECOND, `must be at most ${MAX_RATE_PER_SECOND} (a drain must not flood its target)`)
    .optional(),
  concurrency: positiveInt(50, 'requests in flight').optional(),
  maxAgeSeconds: positiveInt(MAX_AGE_SECONDS, 'seconds').optional(),
  filter: filterSchema.optional(),
  dryRun: z.boolean().default(false),
  /** Act alone, without the approval this drain would need: recorded and notified as break-glass (issue 18). */
  breakGlass: breakGlassSchema,
  reason: z
    .string({ error: 'reason is required: say why you drain' })
    .trim()
    .min(3, 'reason must be at least 3 characters')
    .max(500, 'reason must be at most 500 characters'),
});

export type DrainRequest = z.infer<typeof drainRequestSchema>;

/** The function's configuration, from template.yaml. */
export const drainConfigSchema = z.object({
  /** The deployment's account (AWS::AccountId): a queue given as a URL must be in it. */
  DLQ_ACCOUNT_ID: z.string().regex(/^[0-9]{12}$/, 'expected a 12-digit account id'),
  /** Queue names an SQS target may name (comma-separated); empty: the drained DLQ's source queues. */
  DLQ_TARGET_QUEUES: listSetting,
  /** The queues this deployment may drain (names, comma-separated); empty allows any the role can read. */
  DLQ_QUEUES: listSetting,
  /** The function Lambda-fed dead letters are re-invoked on when the request names no target. */
  DLQ_TARGET_FUNCTION: optionalSetting,
  DLQ_TARGET_QUALIFIER: z.string().optional().default('live'),
  /** Where stale messages go; empty leaves them in the DLQ. */
  DLQ_QUARANTINE_QUEUE_URL: optionalSetting,
  DLQ_MAX_AGE_SECONDS: intSetting(3600, 1, MAX_AGE_SECONDS),
  DLQ_RATE_PER_SECOND: intSetting(10, 1, MAX_RATE_PER_SECOND),
  DLQ_CONCURRENCY: intSetting(10, 1, 50),
  DLQ_MAX_MESSAGES: intSetting(1000, 1, 100_000),
  /** Long-poll wait of each receive: an empty answer after it means the queue is drained. */
  DLQ_WAIT_SECONDS: intSetting(2, 1, 20),
  /** Stop this long before the Lambda deadline, to release held messages and write the audit record. */
  DLQ_RESERVE_MS: intSetting(8000, 1000, 60_000),
});

/** A direct invocation (and the schedule) may say `mode: "peek"` beside the request; the default drains. */
export function directPayload(payload: unknown): { mode: 'drain' | 'peek'; payload: unknown } {
  const { mode = 'drain', ...rest } = (payload ?? {}) as Record<string, unknown>;
  if (mode !== 'drain' && mode !== 'peek')
    throw new ValidationError('mode: expected "drain" or "peek"', 'mode');
  return { mode, payload: rest };
}
