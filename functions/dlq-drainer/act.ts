// The drain's act: every batch the sweep receives is redriven at the paced rate — stale letters moved to
// quarantine (when one is configured), the others invoked or sent — and a letter is deleted only after its
// redrive was confirmed. Whatever is not confirmed is held and released at the end of the run.
import { describe } from '../../shared/errors.js';
import { burstFor, type Clock, mapSettled, systemClock, TokenBucket } from '../../shared/rate.js';
import type { Decision } from './classify.js';
import type { DeadLetter } from './messages.js';
import { nameOfUrl } from './queue-url.js';
import { depth, resolveQueue } from './reads.js';
import { failureText, invoke, sendBatch } from './redrive.js';
import { remove } from './release.js';
import { type Batch, sweep } from './sweep.js';
import { failedOne, redrivenOne } from './tally.js';
import type { DrainDeps, DrainOutcome, DrainPlan, Route } from './types.js';

/** What the batches of one drain share: the rate limit, and the quarantine queue once resolved. */
interface Pace {
  bucket: TokenBucket;
  clock: Clock;
  /** The quarantine queue's URL as SQS answers it, resolved once per run when first needed. */
  quarantineUrl?: Promise<string>;
}

export async function actDrain(deps: DrainDeps, plan: DrainPlan): Promise<DrainOutcome> {
  const clock = deps.clock ?? systemClock;
  const rate = plan.ratePerSecond;
  const pace: Pace = {
    bucket: new TokenBucket({ ratePerSecond: rate, burst: burstFor(rate), clock }),
    clock,
  };
  const stoppedBy = await sweep(deps, plan, (batch) => redriveBatch(deps, pace, batch));
  return { stoppedBy, remainingApprox: await depth(deps.sqs, plan.queueUrl, 'queue') };
}

async function redriveBatch(deps: DrainDeps, pace: Pace, batch: Batch): Promise<void> {
  const { run } = batch;
  await quarantine(deps, pace, batch);
  const units = unitsOf(batch.redrive);
  const done: DeadLetter[] = [];
  const outcomes = await mapSettled(
    units,
    { concurrency: batch.perBatch, shouldStop: batch.shouldStop },
    async (unit) => {
      // One token per message: the rate is of redriven messages, whatever the batching.
      for (const _ of unit.letters) await pace.bucket.take();
      if (batch.shouldStop()) return 'skipped' as const;
      done.push(...(await redriveUnit(deps, pace, batch, unit)));
      return 'done' as const;
    },
  );
  outcomes.forEach((outcome, index) => {
    const unit = units[index] as Unit;
    if (outcome.status === 'error') {
      for (const letter of unit.letters) failedOne(run, letter, failureText(outcome.error));
    } else if (outcome.status === 'skipped' || outcome.value === 'skipped') {
      run.plan.tally.notAttempted += unit.letters.length;
      run.held.push(...unit.letters.map((letter) => letter.message));
    }
  });
  const deleted = await remove(deps, run.plan.queueUrl, done, run.plan.tally);
  for (const letter of done) redrivenOne(run, letter);
  if (deleted.length < done.length) {
    deps.logger.warn('some redriven messages could not be deleted and will be redriven again', {
      keys: run.plan.tally.notDeleted,
    });
  }
}

/** Redrives one unit; returns the letters confirmed. A letter SQS refused is failed (and held) here. */
async function redriveUnit(deps: DrainDeps, pace: Pace, batch: Batch, unit: Unit): Promise<DeadLetter[]> {
  if (unit.route.type === 'lambda') {
    const letter = unit.letters[0] as DeadLetter;
    await invoke(deps, letter, unit.route, { clock: pace.clock, shouldStop: batch.shouldStop });
    return [letter];
  }
  const { sent, failed } = await sendBatch(deps, batch.run.plan, unit.letters, unit.route.queueUrl);
  for (const { letter, error } of failed) failedOne(batch.run, letter, error);
  return sent;
}

interface Unit {
  letters: DeadLetter[];
  route: Route;
}

/** One unit per Lambda invoke; one per target queue for SQS (SendMessageBatch takes ten at once). */
function unitsOf(redrive: Extract<Decision, { kind: 'redrive' }>[]): Unit[] {
  const units: Unit[] = [];
  const byQueue = new Map<string, DeadLetter[]>();
  for (const { letter, route } of redrive) {
    if (route.type === 'lambda') units.push({ letters: [letter], route });
    else byQueue.set(route.queueUrl, [...(byQueue.get(route.queueUrl) ?? []), letter]);
  }
  for (const [url, letters] of byQueue) units.push({ letters, route: { type: 'sqs', queueUrl: url } });
  return units;
}

/** Stale letters go to the quarantine queue, with why, when one is configured; otherwise they stay in the DLQ. */
async function quarantine(deps: DrainDeps, pace: Pace, { run, stale }: Batch): Promise<void> {
  const configured = deps.config.quarantineQueueUrl;
  const letters = stale.map(({ letter }) => letter);
  if (!configured || letters.length === 0) {
    run.held.push(...letters.map((letter) => letter.message));
    return;
  }
  const reasons = new Map(stale.map(({ letter, reason }) => [letter, reason]));
  try {
    // By name, like every queue: the URL every call carries is the one SQS answers.
    pace.quarantineUrl ??= resolveQueue(deps.sqs, nameOfUrl(configured), 'DLQ_QUARANTINE_QUEUE_URL');
    const { sent, failed } = await sendBatch(deps, run.plan, letters, await pace.quarantineUrl, (letter) => ({
      DrainerStaleReason: { DataType: 'String', StringValue: (reasons.get(letter) ?? 'stale').slice(0, 256) },
    }));
    run.held.push(...failed.map(({ letter }) => letter.message));
    const deleted = await remove(deps, run.plan.queueUrl, sent, run.plan.tally);
    run.plan.tally.quarantined += deleted.length;
  } catch (error) {
    deps.logger.warn('quarantine failed: the stale messages stay in the DLQ', { error: describe(error) });
    run.held.push(...letters.map((letter) => letter.message));
  }
}
