// The receive loop a drain and a peek share: a few pollers receive batches of dead letters, each letter is
// classified (classify.ts), the batch goes to the caller's handling (act.ts redrives, survey.ts only looks),
// and at the end every message still held is released. Lossless by construction: what the handling neither
// deleted nor held is impossible; what it held goes back to the DLQ at once, and if the function dies first
// the visibility timeout brings it back anyway.
import { type Message, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { type Decision, decide } from './classify.js';
import { classify, type DeadLetter } from './messages.js';
import { release } from './release.js';
import { counted, failedOne, progressOf, staleOne, summaryOf } from './tally.js';
import type { DrainDeps, DrainPlan, RunState, StoppedBy } from './types.js';

// SQS allows 12 hours at most (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
const MAX_VISIBILITY_SECONDS = 43_200;

interface Sorted {
  /** Every letter received for the first time in this run, in order. */
  received: DeadLetter[];
  /** Not to be replayed, with why: counted already; the caller holds them or moves them to quarantine. */
  stale: Extract<Decision, { kind: 'stale' }>[];
  /** Routed and fresh: the caller redrives them (or, in a dry run, holds them). */
  redrive: Extract<Decision, { kind: 'redrive' }>[];
}

/** One received batch, classified, for the caller to handle. */
export interface Batch extends Sorted {
  run: RunState;
  /** Requests in flight this batch may use. */
  perBatch: number;
  /** True once the deadline nears or another poller failed: start nothing new. */
  shouldStop: () => boolean;
}

export type HandleBatch = (batch: Batch) => Promise<void>;

/**
 * Receives until the queue answers empty, `plan.limit` messages were received or the deadline nears; hands
 * each batch to `handle`; releases what was held. A poller's failure stops the others at their next step and
 * is thrown after the release.
 */
export async function sweep(deps: DrainDeps, plan: DrainPlan, handle: HandleBatch): Promise<StoppedBy> {
  const run: RunState = { plan, held: [], seen: new Set(), redrivenCount: new Map() };
  const state = { aborted: false, stoppedBy: 'empty' as StoppedBy, quota: plan.limit };
  const shouldStop = () => state.aborted || deps.remainingMs() < deps.config.reserveMs;
  // A few pollers so a receive overlaps the redrive of the previous batch; in-flight requests stay within
  // `concurrency` in all.
  const pollers = Math.max(1, Math.min(5, Math.ceil(plan.concurrency / 10)));
  const perBatch = Math.max(1, Math.floor(plan.concurrency / pollers));
  const poll = async () => {
    while (true) {
      if (shouldStop()) {
        if (!state.aborted) state.stoppedBy = 'deadline';
        return;
      }
      const want = Math.min(10, state.quota);
      if (want <= 0) {
        state.stoppedBy = 'maxMessages';
        return;
      }
      state.quota -= want;
      const messages = await receive(deps, plan, want);
      state.quota += want - messages.length;
      if (messages.length === 0) return;
      await handle({ run, ...(await decideAll(deps, run, messages)), perBatch, shouldStop });
      deps.onProgress?.(progressOf(plan.tally, plan.atStart, plan.limit));
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: pollers }, () =>
      poll().catch((error: unknown) => {
        state.aborted = true;
        throw error;
      }),
    ),
  );
  await release(deps, plan.queueUrl, run.held);
  const failure = settled.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  deps.logger.info(
    `${plan.mode === 'peek' ? 'dlq.peek' : 'dlq.drain'} ${plan.queueName}: ${plan.tally.redriven} redriven, ${plan.tally.failed} failed`,
    { ...summaryOf(plan.tally), stoppedBy: state.stoppedBy },
  );
  return state.stoppedBy;
}

async function receive(deps: DrainDeps, plan: DrainPlan, want: number): Promise<Message[]> {
  // Held messages must stay invisible for the whole run (plus a margin), or this run would receive them
  // again; a peek holds them only until its own end, moments later.
  const visibility =
    plan.mode === 'peek' ? 30 : Math.min(MAX_VISIBILITY_SECONDS, Math.ceil(deps.remainingMs() / 1000) + 60);
  const { Messages = [] } = await deps.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: plan.queueUrl,
      MaxNumberOfMessages: want,
      WaitTimeSeconds: deps.config.waitSeconds,
      VisibilityTimeout: visibility,
      MessageSystemAttributeNames: ['SentTimestamp', 'MessageGroupId', 'ApproximateReceiveCount'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages;
}

/**
 * Classifies a batch in order and settles what needs no redrive: a message this run already received is held
 * and not counted, a filtered one is held, an unroutable one is failed (and held); stale ones are counted.
 */
async function decideAll(deps: DrainDeps, run: RunState, messages: Message[]): Promise<Sorted> {
  const nowMs = deps.now().getTime();
  const classifier = { plan: run.plan, config: deps.config, now: deps.now };
  const sorted: Sorted = { received: [], stale: [], redrive: [] };
  for (const message of messages) {
    const letter = classify(message);
    if (run.seen.has(String(message.MessageId))) {
      // SQS may deliver a message twice (at-least-once); this run already holds or handled it. The copy is
      // released with the others (a release after the first copy's delete fails harmlessly).
      deps.logger.warn('message received twice in one run; ignored the second copy', { key: letter.key });
      run.held.push(message);
      continue;
    }
    run.seen.add(String(message.MessageId));
    counted(run.plan.tally, letter, nowMs);
    sorted.received.push(letter);
    const decision = await decide(classifier, letter);
    if (decision.kind === 'filtered') {
      run.plan.tally.skipped.filtered++;
      run.held.push(message);
    } else if (decision.kind === 'stale') {
      staleOne(run.plan.tally, letter, decision.reason);
      sorted.stale.push(decision);
    } else if (decision.kind === 'unroutable') failedOne(run, letter, decision.reason);
    else sorted.redrive.push(decision);
  }
  return sorted;
}
