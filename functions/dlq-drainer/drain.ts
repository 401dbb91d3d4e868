// DLQ drainer: redrive dead letters at a bounded rate, at-least-once, never losing one, never replaying a
// stale one — plan (read the queue) → receive → classify → stale/filter guard → redrive → delete → release.
//
// SQS's native redrive (StartMessageMoveTask) only moves messages back to SQS source queues; a DLQ fed by
// Lambda's asynchronous invocations needs each event invoked again, and nothing native has a stale guard or
// a dry run (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html).
//
// Lossless by construction: a message leaves the DLQ only by DeleteMessage after its redrive was confirmed
// (per entry of a batch answer). Everything else — stale, filtered, failed, not reached before the deadline —
// is held invisible until the end of the run (so this run never receives it twice), then released with
// visibility 0. If the function dies first, the visibility timeout brings them back anyway.

import { randomUUID } from 'node:crypto';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type AuditLedger, newAuditId } from '../../shared/audit.js';
import { describe } from '../../shared/budget.js';
import { isAwsError, NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { type Clock, mapSettled, retryThrottled, systemClock, TokenBucket } from '../../shared/rate.js';
import { insideWindow, type ThrottleWindow, throttleWindows } from '../../shared/throttle-windows.js';
import type { Door } from '../../shared/triggers/index.js';
import { type BatchLimits, entryBytes, packBatches, SQS_LIMITS } from './batches.js';
import { countBy, cut, keep } from './bounded.js';
import { invokeProblem, lambdaTargetChecker } from './lambda-target.js';
import { ageBucket, classify, type DeadLetter, sendableAttributes } from './messages.js';
import { checkQueues, nameOfUrl, sqsEndpoint } from './queue-url.js';
import { sampleBody } from './sample.js';
import type { DrainRequest } from './schema.js';

export interface DrainConfig {
  /** Queue names this deployment may drain; empty allows any the role can read. */
  allowedQueues: string[];
  /** The deployment's account: a queue given as a URL must be in it. */
  accountId: string;
  /** Queue names an SQS target may name; empty: the source queues of the drained DLQ (its redrive relationship). */
  allowedTargetQueues: string[];
  /** SendMessageBatch limits (SQS's by default). */
  batchLimits?: BatchLimits;
  targetFunction?: string;
  targetQualifier: string;
  quarantineQueueUrl?: string;
  maxAgeSeconds: number;
  ratePerSecond: number;
  concurrency: number;
  maxMessages: number;
  waitSeconds: number;
  /** Stop this long before the deadline. */
  reserveMs: number;
}

type Logger = Pick<Log, 'info' | 'warn'>;

export interface DrainProgress {
  received: number;
  redriven: number;
  failed: number;
  stale: number;
  filtered: number;
  /** The queue's approximate depth when the run began. */
  atStart: number;
  /** The most this run will receive. */
  limit: number;
}

export interface DrainDeps {
  sqs: SQSClient;
  lambda: LambdaClient;
  ledger: Pick<AuditLedger, 'record' | 'list'>;
  logger: Logger;
  now: () => Date;
  config: DrainConfig;
  /** Time left before the Lambda deadline (context.getRemainingTimeInMillis). */
  remainingMs: () => number;
  clock?: Clock;
  onProgress?: (progress: DrainProgress) => void;
}

export interface Origin {
  door: Door;
  actor: string;
  correlationId: string;
}

export type Mode = 'drain' | 'peek';

type Route = { type: 'lambda'; functionName: string; qualifier: string } | { type: 'sqs'; queueUrl: string };

export interface DrainResult {
  mode: Mode;
  queue: string;
  queueUrl: string;
  received: number;
  redriven: number;
  failed: number;
  skipped: { stale: number; filtered: number };
  /** Stale messages moved to the quarantine queue (the others stay in the DLQ). */
  quarantined: number;
  /** Received, but the deadline came before their turn: released for the next run. */
  notAttempted: number;
  /** The queue's depth after the run (visible + in flight), approximate as SQS says. */
  remainingApprox: number;
  atStartApprox: number;
  byErrorCode: Record<string, number>;
  byKind: Record<string, number>;
  byAge: Record<string, number>;
  /** RequestID or message id of each redriven message: a key twice means an event redriven twice. */
  redrivenKeys: string[];
  duplicateKeys: string[];
  /** Redriven, but the delete failed: still in the DLQ and will be redriven again by a later run. */
  notDeleted: string[];
  failures: { key: string; error: string }[];
  stale: { key: string; reason: string; sentAt: string }[];
  /** Kept in the DLQ because, with its attributes, it is larger than SQS accepts in one message. */
  tooLarge: number;
  /** How many items each list above left out: every list is bounded whatever the number of messages. */
  omitted: Record<string, number>;
  /** First bytes of a few bodies, secrets masked with the log redaction rules (`redacted` says if any was). */
  samples: { kind: string; key: string; errorCode: string; body: string; redacted: boolean }[];
  /** How sample bodies were treated, for whoever reads the answer. */
  samplesNote?: string;
  /** Why the run ended: the queue answered empty, maxMessages was reached, or the deadline neared. */
  stoppedBy: 'empty' | 'maxMessages' | 'deadline';
  dryRun: boolean;
  auditId: string;
  notified: boolean;
}

const LIST_LIMIT = 50;
/** Redriven keys kept in the answer and the audit record; the rest are counted in `omitted`. */
const KEY_LIMIT = 100;
/** Distinct error codes counted by name; any more are counted under "(other)". */
const CODE_LIMIT = 25;
const SAMPLE_BYTES = 200;
const SAMPLES_NOTE = `sample bodies are redacted with the log rules (sensitive keys, secret-shaped values) and cut to ${SAMPLE_BYTES} characters`;
const PEEK_DEFAULT_MAX = 100;
// SQS allows 12 hours at most (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
const MAX_VISIBILITY_SECONDS = 43_200;

/**
 * The bucket's burst: one token at ordinary rates, so the rate is a strict ceiling; at 200/s and above a token
 * every few milliseconds is finer than a timer can wait (setTimeout sleeps at least about 1 ms, and a late
 * waker loses its slot), so up to 10 ms of tokens (at most 10) may be taken at once. Any one-second window
 * then holds at most rate + burst redrives: within 1% of the rate.
 */
export function burstFor(ratePerSecond: number): number {
  return Math.max(1, Math.min(10, Math.floor(ratePerSecond / 100)));
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, i * size + size));

const notThere = (error: unknown) =>
  isAwsError(error, 'QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue');

/** The URL SQS gives for a queue of the deployment's account, by name: never one a request wrote. */
async function resolveQueue(deps: DrainDeps, name: string, field: string): Promise<string> {
  try {
    const { QueueUrl } = await deps.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    return String(QueueUrl);
  } catch (error) {
    if (notThere(error)) throw new NotFoundError(`no queue ${name}`, field, error);
    throw error;
  }
}

async function depth(deps: DrainDeps, queueUrl: string, field: string): Promise<number> {
  try {
    const { Attributes = {} } = await deps.sqs.send(
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

/**
 * Drains (or, for a peek or a dry run, only reads) a dead-letter queue. Bad input and a missing queue are
 * refused before the first ReceiveMessage; after that every message ends redriven-and-deleted or back in
 * the DLQ (or in quarantine), and the result says which.
 */
export async function drain(
  deps: DrainDeps,
  request: DrainRequest,
  origin: Origin,
  mode: Mode = 'drain',
): Promise<DrainResult> {
  const { config, logger } = deps;
  const dryRun = mode === 'peek' || request.dryRun;

  // ---- check: every queue the request names, without a network call (a URL could name any host)
  const { source, target, targetField } = checkQueues(request, await sqsEndpoint(deps.sqs), config);
  const queueName = source.name;

  // ---- plan: everything that can refuse the request happens before anything is received
  const queueUrl = await resolveQueue(deps, source.name, 'queue');
  const atStart = await depth(deps, queueUrl, 'queue');
  const maxAgeMs = (request.maxAgeSeconds ?? config.maxAgeSeconds) * 1000;
  const limit = request.maxMessages ?? (mode === 'peek' ? PEEK_DEFAULT_MAX : config.maxMessages);
  const concurrency = request.concurrency ?? config.concurrency;
  const clock = deps.clock ?? systemClock;
  const ratePerSecond = request.ratePerSecond ?? config.ratePerSecond;
  const bucket = new TokenBucket({ ratePerSecond, burst: burstFor(ratePerSecond), clock });
  const auditId = newAuditId(deps.now());
  // Set when a poller fails: the others stop at their next step, so the release and the record come last.
  let aborted = false;
  const shouldStop = () => aborted || deps.remainingMs() < config.reserveMs;

  let sourceQueues: Promise<string[]> | undefined;
  const sources = () => {
    // The DLQ's redrive relationship: the queues whose RedrivePolicy names it.
    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListDeadLetterSourceQueues.html
    sourceQueues ??= deps.sqs
      .send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: queueUrl, MaxResults: 10 }))
      .then((answer) => answer.queueUrls ?? []);
    return sourceQueues;
  };
  const targetUrl = target ? await resolveQueue(deps, target.name, targetField) : undefined;
  if (targetUrl !== undefined) {
    // No configured allow-list: the DLQ's own source queues are the only SQS targets.
    if (config.allowedTargetQueues.length === 0 && !(await sources()).includes(targetUrl)) {
      throw new ValidationError(
        `${targetField}: ${target?.name} is not a source queue of ${queueName} (its redrive policy does not name it)`,
        targetField,
      );
    }
    await depth(deps, targetUrl, targetField);
  }
  const lambdaProblem = lambdaTargetChecker(deps.lambda);
  if (request.target?.type === 'lambda') {
    const qualifier = request.target.qualifier ?? config.targetQualifier;
    const problem = await lambdaProblem(request.target.functionName, qualifier);
    if (problem) {
      const field = problem.startsWith('no function') ? 'target.functionName' : 'target.qualifier';
      throw new NotFoundError(problem, field);
    }
  } else if (request.target === undefined && config.targetFunction && mode !== 'peek') {
    const problem = await lambdaProblem(config.targetFunction, config.targetQualifier);
    if (problem) throw new NotFoundError(`the configured target: ${problem}; give a target`, 'target');
  }
  const windows = new Map<string, Promise<ThrottleWindow[]>>();
  const windowsOf = (functionName: string) => {
    let found = windows.get(functionName);
    if (!found) {
      found = throttleWindows(deps.ledger, functionName);
      windows.set(functionName, found);
    }
    return found;
  };

  const result: Omit<DrainResult, 'remainingApprox' | 'notified' | 'stoppedBy'> = {
    mode,
    queue: queueName,
    queueUrl,
    received: 0,
    redriven: 0,
    failed: 0,
    skipped: { stale: 0, filtered: 0 },
    quarantined: 0,
    notAttempted: 0,
    atStartApprox: atStart,
    byErrorCode: {},
    byKind: {},
    byAge: {},
    redrivenKeys: [],
    duplicateKeys: [],
    notDeleted: [],
    failures: [],
    stale: [],
    tooLarge: 0,
    omitted: {},
    samples: [],
    ...(dryRun ? { samplesNote: SAMPLES_NOTE } : {}),
    dryRun,
    auditId,
  };
  const held: Message[] = [];
  const seen = new Set<string>();
  const redrivenCount = new Map<string, number>();
  let quarantineUrl: Promise<string> | undefined;
  let stoppedBy: DrainResult['stoppedBy'] = 'empty';
  let quota = limit;
  const report = () =>
    deps.onProgress?.({
      received: result.received,
      redriven: result.redriven,
      failed: result.failed,
      stale: result.skipped.stale,
      filtered: result.skipped.filtered,
      atStart,
      limit,
    });

  /** Where a letter goes; a Lambda route only once its function and qualifier are known to exist. */
  async function routeOf(letter: DeadLetter): Promise<Route | string> {
    const route = await plainRouteOf(letter);
    if (typeof route === 'string' || route.type === 'sqs') return route;
    return (await lambdaProblem(route.functionName, route.qualifier)) ?? route;
  }

  async function plainRouteOf(letter: DeadLetter): Promise<Route | string> {
    const target = request.target;
    if (target?.type === 'lambda') {
      return {
        type: 'lambda',
        functionName: target.functionName,
        qualifier: target.qualifier ?? config.targetQualifier,
      };
    }
    if (targetUrl !== undefined) return { type: 'sqs', queueUrl: targetUrl };
    if (letter.kind === 'sqs') {
      const urls = await sources();
      const only = urls[0];
      if (urls.length === 1 && only !== undefined) {
        // A configured allow-list binds the redrive relationship too (IAM allows sending there only).
        const allowed = config.allowedTargetQueues;
        if (allowed.length > 0 && !allowed.includes(nameOfUrl(only))) {
          return `the source queue ${nameOfUrl(only)} is not in DLQ_TARGET_QUEUES (${allowed.join(', ')})`;
        }
        return { type: 'sqs', queueUrl: only };
      }
      return urls.length === 0
        ? 'no source queue names this DLQ in its redrive policy: give target {type:"sqs",queue}'
        : `${urls.length} source queues use this DLQ: give target {type:"sqs",queue}`;
    }
    const functionName = letter.functionName ?? config.targetFunction;
    if (!functionName) return 'no target function configured: give target {type:"lambda",functionName}';
    return { type: 'lambda', functionName, qualifier: config.targetQualifier };
  }

  /** Why a message must not be replayed, or undefined. */
  async function staleness(letter: DeadLetter, route: Route | string): Promise<string | undefined> {
    const age = deps.now().getTime() - letter.sentAt;
    if (!Number.isFinite(age)) return 'no SentTimestamp: its age is unknown';
    if (age > maxAgeMs) return `older than ${maxAgeMs / 1000} s (${Math.round(age / 1000)} s)`;
    if (typeof route !== 'string' && route.type === 'lambda') {
      const window = insideWindow(await windowsOf(route.functionName), new Date(letter.sentAt));
      if (window) {
        return `created while the kill switch throttled ${window.functionName} (${window.from} → ${window.to ?? 'still throttled'})`;
      }
    }
    return undefined;
  }

  function matches(letter: DeadLetter): boolean {
    const filter = request.filter;
    if (!filter) return true;
    if (filter.errorCode !== undefined && letter.errorCode !== filter.errorCode) return false;
    if (filter.attribute) {
      const value = letter.message.MessageAttributes?.[filter.attribute.name]?.StringValue;
      if (value !== filter.attribute.value) return false;
    }
    return true;
  }

  async function invoke(letter: DeadLetter, route: Extract<Route, { type: 'lambda' }>): Promise<void> {
    // InvocationType Event: the event goes through Lambda's asynchronous queue again, with its retries and
    // its DLQ, exactly as the first time (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
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
      { attempts: 3, clock, shouldStop },
    );
    const problem = invokeProblem(answer, 'Event');
    if (problem) throw new Error(problem);
  }

  /**
   * Sends letters to one queue in batches that fit SQS's limits by bytes (batches.ts); returns the letters SQS
   * confirmed, by entry. A letter too large for any batch is not sent and comes back failed, so it is kept.
   */
  async function sendBatch(
    letters: DeadLetter[],
    queueUrl: string,
    extra?: (letter: DeadLetter) => Record<string, { DataType: string; StringValue: string }>,
  ): Promise<{ sent: DeadLetter[]; failed: { letter: DeadLetter; error: string }[] }> {
    const fifo = queueUrl.endsWith('.fifo');
    const entries = letters.map((letter) => {
      const attributes = { ...sendableAttributes(letter.message.MessageAttributes), ...extra?.(letter) };
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
    });
    const limits = config.batchLimits ?? SQS_LIMITS;
    const { batches, tooLarge } = packBatches(entries, ({ entry }) => entryBytes(entry), limits);
    const sent: DeadLetter[] = [];
    const failed: { letter: DeadLetter; error: string }[] = tooLarge.map(({ item, bytes }) => {
      result.tooLarge++;
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
          const id = String(index);
          const failure = failedIds.get(id);
          if (okIds.has(id) && !failure) sent.push(letter);
          else {
            const error = failure ? `${failure.Code}: ${failure.Message ?? ''}` : 'no answer';
            failed.push({ letter, error });
          }
        });
      } catch (error) {
        // This batch is not sent; the ones before it were, and are deleted as usual.
        failed.push(...batch.map(({ letter }) => ({ letter, error: describe(error) })));
      }
    }
    return { sent, failed };
  }

  /** Deletes redriven messages; a failed delete leaves a redriven message in the DLQ, reported. */
  async function remove(letters: DeadLetter[]): Promise<DeadLetter[]> {
    const deleted: DeadLetter[] = [];
    for (const group of chunks(letters, 10)) {
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
          else keep(result.notDeleted, cut(letter.key), LIST_LIMIT, result.omitted, 'notDeleted');
        });
      } catch (error) {
        logger.warn('DeleteMessageBatch failed: these messages were redriven and stay in the DLQ', {
          error: describe(error),
        });
        for (const letter of group) {
          keep(result.notDeleted, cut(letter.key), LIST_LIMIT, result.omitted, 'notDeleted');
        }
      }
    }
    return deleted;
  }

  const fail = (letter: DeadLetter, error: string) => {
    result.failed++;
    keep(
      result.failures,
      { key: cut(letter.key), error: cut(error) },
      LIST_LIMIT,
      result.omitted,
      'failures',
    );
    held.push(letter.message);
  };
  const redriven = (letter: DeadLetter) => {
    result.redriven++;
    // Every key is remembered (memory grows with maxMessages, at most 100,000); only the first few are listed.
    const times = (redrivenCount.get(letter.key) ?? 0) + 1;
    redrivenCount.set(letter.key, times);
    if (times === 2) keep(result.duplicateKeys, cut(letter.key), LIST_LIMIT, result.omitted, 'duplicateKeys');
    keep(result.redrivenKeys, cut(letter.key), KEY_LIMIT, result.omitted, 'redrivenKeys');
  };

  async function quarantine(letters: DeadLetter[], reasons: Map<DeadLetter, string>): Promise<void> {
    const configured = config.quarantineQueueUrl;
    if (!configured || dryRun || letters.length === 0) {
      held.push(...letters.map((letter) => letter.message));
      return;
    }
    try {
      // By name, like every queue: the URL every call carries is the one SQS answers.
      quarantineUrl ??= resolveQueue(deps, nameOfUrl(configured), 'DLQ_QUARANTINE_QUEUE_URL');
      const { sent, failed } = await sendBatch(letters, await quarantineUrl, (letter) => ({
        DrainerStaleReason: {
          DataType: 'String',
          StringValue: (reasons.get(letter) ?? 'stale').slice(0, 256),
        },
      }));
      held.push(...failed.map(({ letter }) => letter.message));
      const deleted = await remove(sent);
      result.quarantined += deleted.length;
    } catch (error) {
      logger.warn('quarantine failed: the stale messages stay in the DLQ', { error: describe(error) });
      held.push(...letters.map((letter) => letter.message));
    }
  }

  async function handleBatch(messages: Message[], perBatch: number): Promise<void> {
    const now = deps.now().getTime();
    const toRedrive: { letter: DeadLetter; route: Route }[] = [];
    const staleLetters: DeadLetter[] = [];
    const reasons = new Map<DeadLetter, string>();
    for (const message of messages) {
      const letter = classify(message);
      if (seen.has(String(message.MessageId))) {
        // SQS may deliver a message twice (at-least-once); this run already holds or handled it. The copy is
        // released with the others (a release after the first copy's delete fails harmlessly).
        logger.warn('message received twice in one run; ignored the second copy', { key: letter.key });
        held.push(message);
        continue;
      }
      result.received++;
      seen.add(String(message.MessageId));
      countBy(result.byErrorCode, letter.errorCode, CODE_LIMIT);
      countBy(result.byKind, letter.kind, CODE_LIMIT);
      countBy(result.byAge, ageBucket(now - letter.sentAt), CODE_LIMIT);
      if (dryRun && result.samples.filter((s) => s.kind === letter.kind).length < 3) {
        result.samples.push({
          kind: letter.kind,
          key: cut(letter.key),
          errorCode: cut(letter.errorCode),
          ...sampleBody(letter.payload, SAMPLE_BYTES),
        });
      }
      if (!matches(letter)) {
        result.skipped.filtered++;
        held.push(message);
        continue;
      }
      const route = await routeOf(letter);
      const why = await staleness(letter, route);
      if (why) {
        result.skipped.stale++;
        const sentAt = Number.isFinite(letter.sentAt) ? new Date(letter.sentAt).toISOString() : 'unknown';
        keep(
          result.stale,
          { key: cut(letter.key), reason: cut(why), sentAt },
          LIST_LIMIT,
          result.omitted,
          'stale',
        );
        staleLetters.push(letter);
        reasons.set(letter, why);
        continue;
      }
      if (typeof route === 'string') {
        fail(letter, route);
        continue;
      }
      if (dryRun) {
        held.push(message);
        continue;
      }
      toRedrive.push({ letter, route });
    }
    await quarantine(staleLetters, reasons);

    // One unit per Lambda invoke; one per target queue for SQS (SendMessageBatch takes ten at once).
    const units: { letters: DeadLetter[]; route: Route }[] = [];
    const byQueue = new Map<string, DeadLetter[]>();
    for (const { letter, route } of toRedrive) {
      if (route.type === 'lambda') units.push({ letters: [letter], route });
      else byQueue.set(route.queueUrl, [...(byQueue.get(route.queueUrl) ?? []), letter]);
    }
    for (const [url, letters] of byQueue) units.push({ letters, route: { type: 'sqs', queueUrl: url } });

    const done: DeadLetter[] = [];
    const outcomes = await mapSettled(units, { concurrency: perBatch, shouldStop }, async (unit) => {
      // One token per message: the rate is of redriven messages, whatever the batching.
      for (const _ of unit.letters) await bucket.take();
      if (shouldStop()) return 'skipped' as const;
      if (unit.route.type === 'lambda') {
        await invoke(unit.letters[0] as DeadLetter, unit.route);
        done.push(unit.letters[0] as DeadLetter);
      } else {
        const { sent, failed } = await sendBatch(unit.letters, unit.route.queueUrl);
        done.push(...sent);
        for (const { letter, error } of failed) fail(letter, error);
      }
      return 'done' as const;
    });
    outcomes.forEach((outcome, index) => {
      const unit = units[index] as (typeof units)[number];
      if (outcome.status === 'error') {
        for (const letter of unit.letters) fail(letter, describe(outcome.error));
      } else if (outcome.status === 'skipped' || outcome.value === 'skipped') {
        result.notAttempted += unit.letters.length;
        held.push(...unit.letters.map((letter) => letter.message));
      }
    });
    const deleted = await remove(done);
    for (const letter of done) redriven(letter);
    if (deleted.length < done.length) {
      logger.warn('some redriven messages could not be deleted and will be redriven again', {
        keys: result.notDeleted,
      });
    }
    report();
  }

  async function poller(perBatch: number): Promise<void> {
    while (true) {
      if (shouldStop()) {
        if (!aborted) stoppedBy = 'deadline';
        return;
      }
      const want = Math.min(10, quota);
      if (want <= 0) {
        stoppedBy = 'maxMessages';
        return;
      }
      quota -= want;
      // Held messages must stay invisible for the whole run (plus a margin), or this run would receive them
      // again; a peek holds them only until its own end, moments later.
      const visibility =
        mode === 'peek' ? 30 : Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(deps.remainingMs() / 1000) + 60);
      const { Messages = [] } = await deps.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: want,
          WaitTimeSeconds: config.waitSeconds,
          VisibilityTimeout: visibility,
          MessageSystemAttributeNames: ['SentTimestamp', 'MessageGroupId', 'ApproximateReceiveCount'],
          MessageAttributeNames: ['All'],
        }),
      );
      quota += want - Messages.length;
      if (Messages.length === 0) return;
      await handleBatch(Messages, perBatch);
    }
  }

  const entry = {
    action: mode === 'peek' ? 'dlq.peek' : 'dlq.drain',
    actor: origin.actor,
    reason: request.reason,
    target: `queue:${queueName}`,
    request,
    before: { queueUrl, approximateMessages: atStart },
    dryRun,
    correlationId: origin.correlationId,
  };

  // ---- act: a few pollers so a receive overlaps the redrive of the previous batch; in-flight requests stay
  // within `concurrency` in all.
  const pollers = Math.max(1, Math.min(5, Math.ceil(concurrency / 10)));
  const perBatch = Math.max(1, Math.floor(concurrency / pollers));
  const settled = await Promise.allSettled(
    Array.from({ length: pollers }, () =>
      poller(perBatch).catch((error: unknown) => {
        aborted = true;
        throw error;
      }),
    ),
  );
  await release(deps, queueUrl, held);
  const failure = settled.find((outcome) => outcome.status === 'rejected')?.reason as unknown;
  if (failure !== undefined) {
    await deps.ledger
      .record(
        {
          ...entry,
          after: { ...summaryOf(result), error: cut(describe(failure)) },
          outcome: 'failed',
        },
        auditId,
      )
      .catch((cause: unknown) => logger.warn('could not record the failed drain', { cause }));
    throw failure;
  }

  const remainingApprox = await depth(deps, queueUrl, 'queue');
  const outcome = dryRun
    ? 'planned'
    : result.redriven + result.quarantined > 0
      ? 'succeeded'
      : result.failed > 0
        ? 'failed'
        : 'unchanged';
  const record = await deps.ledger.record(
    {
      ...entry,
      after: { ...summaryOf(result), remainingApprox, stoppedBy },
      outcome,
      details: {
        // A redrive cannot be undone: the event ran again. The keys say which did.
        // Bounded like the answer: the first keys of each list, and how many each left out.
        redrivenKeys: result.redrivenKeys,
        duplicateKeys: result.duplicateKeys,
        notDeleted: result.notDeleted,
        failures: result.failures,
        stale: result.stale,
      },
    },
    auditId,
  );
  logger.info(`${entry.action} ${queueName}: ${result.redriven} redriven, ${result.failed} failed`, {
    ...summaryOf(result),
    stoppedBy,
  });
  return { ...result, remainingApprox, stoppedBy, notified: record.notified };
}

function summaryOf(result: Omit<DrainResult, 'remainingApprox' | 'notified' | 'stoppedBy'>) {
  return {
    received: result.received,
    redriven: result.redriven,
    failed: result.failed,
    skipped: result.skipped,
    quarantined: result.quarantined,
    notAttempted: result.notAttempted,
    byErrorCode: result.byErrorCode,
    byKind: result.byKind,
    tooLarge: result.tooLarge,
    omitted: result.omitted,
  };
}

/** Visibility 0 for every held message: back in the DLQ at once, for a person or the next run. */
async function release(deps: DrainDeps, queueUrl: string, messages: Message[]): Promise<void> {
  for (const group of chunks(messages, 10)) {
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
