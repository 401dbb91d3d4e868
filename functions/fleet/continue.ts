// Longer than one invocation (issue 16, point 7): a fleet run that cannot finish before the function's timeout
// stops cleanly, records what is done and what remains, and sends itself one message on the continuation queue
// (FLEET_CONTINUATION_QUEUE_URL); the fleet function receives it (the SQS door, BatchSize 1) and runs the same
// request over the workloads that remain, as the next part of the same chain in the ledger.
//
// Why a queue and not Step Functions: the work is already resumable by re-running it (every per-workload action
// is idempotent, and a kill switch stopped midway resumes its own restoreId, skipping what it already
// disabled), so all a continuation needs is "run this again, soon, without a person" — one message. The queue
// retries a part that fails (a 5xx) and keeps it in a retained DLQ if it never succeeds, and the chain is
// tested end to end against moto by receiving the message and invoking the handler with it, exactly as Lambda's
// event source mapping would. Step Functions would add a state machine, its IAM and its own history beside the
// ledger, and moto cannot run its tasks without Docker, so that path could not be tested here.
//
// Limits: a continuation runs the same request over the remaining workloads, not over remaining schedules — a
// workload stopped midway runs its action again (which resumes). A part that made no progress with the
// function's whole timeout, or the MAX_PARTS-th, does not continue: the record says so and a person re-runs. A
// part begun by an API call had API Gateway's 28 s only (shared/api-budget.ts): it continues even without
// progress, since its next part runs from the queue with the whole timeout. SQS delivers at least once: a
// duplicate message finds its part already recorded and does nothing.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { type AuditRecord, newAuditId } from '../../shared/audit.js';
import { NotFoundError, ValidationError } from '../../shared/errors.js';
import type { Workload } from '../../shared/fleet/workload.js';
import type { Origin } from '../../shared/origin.js';
import { redact } from '../../shared/redact.js';
import { parseInput } from '../../shared/validate.js';
import { type FleetAction, type FleetRequest, MUTATING } from './schema.js';
import type { FleetDeps, WorkloadResult } from './types.js';

/**
 * Time kept back from each workload's kill switch for the fleet's own record and continuation message: the kill
 * switch stops its writes 5 s before the deadline it is given (shared/rate.ts), so this one's is earlier.
 */
export const FLEET_RESERVE_MS = 10_000;
/** Below this much time left, a fleet run starts no other workload (each keeps FLEET_RESERVE_MS and 5 s more). */
export const CONTINUE_MARGIN_MS = FLEET_RESERVE_MS + 10_000;
/** A chain stops here whatever is left: 100 parts of a 15-minute function are more than a day. */
export const MAX_PARTS = 100;

const AUDIT_ID = /^\d{8}T\d{9}Z-[0-9a-f]{8}$/;

/** The message one part sends the next. */
export const continuationSchema = z.strictObject({
  /** The part this continues. */
  continues: z.string().regex(AUDIT_ID, 'expected the auditId of the fleet run this continues'),
  /** The auditId the next part records under: named by the part before, so a duplicate delivery is seen. */
  auditId: z.string().regex(AUDIT_ID, 'expected the auditId this continuation records under'),
  /** The request, as the first part parsed it (checked against that part's record). */
  request: z.record(z.string(), z.unknown()),
});
export type ContinuationMessage = z.infer<typeof continuationSchema>;

/** What a part records of the chain (its details), and what its answer says of it. */
export interface Chain {
  /** This part's number, from 1. */
  part: number;
  continues?: string;
  continuation?: { auditId: string; queued: boolean; remaining: number; why?: string };
}

/** The part a continuation runs: where it records, what it continues, and the workloads that remain. */
export interface Part {
  auditId: string;
  continues: string;
  number: number;
  workloads: Workload[];
  /** Remaining workloads no longer in the watch list: failed lines of this part. */
  gone: WorkloadResult[];
}

/** FleetDeps.continueWith over SQS: one message on the continuation queue. */
export const queueSender =
  (sqs: Pick<SQSClient, 'send'>, queueUrl: string): NonNullable<FleetDeps['continueWith']> =>
  async (message) => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
  };

export const isRemaining = (line: WorkloadResult) => line.outcome === 'skipped';

export const stopNow = (deps: FleetDeps) => () =>
  deps.remainingMs !== undefined && deps.remainingMs() < CONTINUE_MARGIN_MS;

/**
 * Whether this part did anything a next part would not do again: finished a workload, or changed part of one
 * (a kill switch stopped midway, whose line carries what restores it). A part that only read — a selection too
 * large to read within one invocation — would make no more progress next time: it stops the chain instead.
 * Not a part cut short by an API call (nextPart): its next part has far more time than it had.
 */
const progressed = (results: readonly WorkloadResult[]) =>
  results.some((line) => !isRemaining(line) || line.restore !== undefined);

/**
 * After a part is recorded: whether it continues, and the message that does. Nothing when every workload is
 * done, on a dry run, or without a queue (the answer then says to re-run the same request).
 */
export function nextPart(
  deps: FleetDeps,
  request: FleetRequest,
  results: readonly WorkloadResult[],
  number: number,
): { auditId: string; remaining: number; why?: string } | undefined {
  const remaining = results.filter(isRemaining).length;
  if (remaining === 0 || request.dryRun) return undefined;
  const auditId = newAuditId(deps.now());
  if (!deps.continueWith)
    return { auditId, remaining, why: 'no continuation queue: run the same request again' };
  // An API call's part that started nothing (its plan took the call's time) continues all the same: the queue
  // runs the next part with the whole timeout, and that part, if it too makes no progress, stops the chain.
  if (!progressed(results) && !deps.apiCall)
    return { auditId, remaining, why: 'this part made no progress: run the same request again' };
  if (number >= MAX_PARTS)
    return { auditId, remaining, why: `${MAX_PARTS} parts already: run the same request again` };
  return { auditId, remaining };
}

/** A request as the ledger keeps it: redacted, keys in order (DynamoDB keeps no order of a map's keys). */
function canonical(value: unknown): string {
  const sort = (item: unknown): unknown => {
    if (Array.isArray(item)) return item.map(sort);
    if (item && typeof item === 'object')
      return Object.fromEntries(
        Object.keys(item)
          .sort()
          .map((key) => [key, sort((item as Record<string, unknown>)[key])]),
      );
    return item;
  };
  return JSON.stringify(sort(redact(value)));
}

/**
 * A continuation message, checked against the ledger before anything runs: its part before must be a recorded
 * fleet run of the same request that named this part; refused (4xx: the message is deleted, never retried)
 * otherwise. Undefined when the part already ran (a duplicate delivery).
 */
export async function continuation(
  deps: FleetDeps,
  payload: unknown,
): Promise<{ request: FleetRequest; origin: Origin; part: Part } | { duplicate: string }> {
  const message = parseInput(continuationSchema, payload);
  const action = message.request.action;
  if (!MUTATING.includes(action as FleetAction) || message.request.dryRun !== false)
    throw new ValidationError(
      'request.action: only a fleet action that changes something continues',
      'request.action',
    );
  const before = await deps.ledger.get(message.continues, { expand: true });
  if (!before?.action.startsWith('fleet.'))
    throw new NotFoundError(`continues: no fleet run ${message.continues} in the ledger`, 'continues');
  // The request is the one its first part parsed (a selector's window already in minutes): it is not parsed
  // again but must be exactly what the part before recorded, which only this function writes.
  if (before.action !== `fleet.${action}` || canonical(message.request) !== canonical(before.request))
    throw new ValidationError(`request: not the request fleet run ${message.continues} recorded`, 'request');
  const request = message.request as unknown as FleetRequest;
  const chain = chainOf(before);
  if (chain.continuation?.auditId !== message.auditId || !chain.continuation.queued)
    throw new ValidationError(
      `auditId: fleet run ${message.continues} queued no continuation ${message.auditId}`,
      'auditId',
    );
  if (await deps.ledger.get(message.auditId)) return { duplicate: message.auditId };
  const names = linesOf(before)
    .filter(isRemaining)
    .map((line) => line.workload);
  const list = await deps.watchList();
  const workloads: Workload[] = [];
  const gone: WorkloadResult[] = [];
  for (const name of names) {
    const workload = list.workloads.find((item) => item.name === name);
    if (workload) workloads.push(workload);
    else
      gone.push({
        workload: name,
        account: 'unknown',
        outcome: 'failed',
        summary: 'no longer in the watch list',
        error: { code: 'NotFound', message: `${name} is no longer in the watch list` },
      });
  }
  return {
    request,
    // The person (or alarm) who asked stays the actor of every part; the door says how this part came.
    // An approved run's parts are the approved run: each part's records name the approval (and pass a freeze).
    origin: {
      door: 'queue',
      actor: before.actor,
      correlationId: before.correlationId,
      ...(before.approval ? { approval: { ...before.approval, before: null } } : {}),
    },
    part: { auditId: message.auditId, continues: message.continues, number: chain.part + 1, workloads, gone },
  };
}

/**
 * A recorded fleet run and the parts that continued it, in order (at most MAX_PARTS): what `status --audit-id`
 * reports and `undo` reverses. A part is followed only where it was queued; one never queued never ran.
 */
export async function partsFrom(deps: Pick<FleetDeps, 'ledger'>, auditId: string): Promise<AuditRecord[]> {
  const first = await deps.ledger.get(auditId, { expand: true });
  // An undo is a fleet run too: undoing it puts back what it reversed.
  if (!first?.action.startsWith('fleet.'))
    throw new NotFoundError(`no fleet run ${auditId} in the ledger`, 'auditId');
  const parts = [first];
  for (let next = chainOf(first).continuation; next?.queued && parts.length < MAX_PARTS; ) {
    const part = await deps.ledger.get(next.auditId, { expand: true });
    if (!part) break;
    parts.push(part);
    next = chainOf(part).continuation;
  }
  return parts;
}

export const linesOf = (record: Pick<AuditRecord, 'details'>): WorkloadResult[] =>
  ((record.details as { workloads?: WorkloadResult[] } | undefined)?.workloads ?? []) as WorkloadResult[];

export const chainOf = (record: Pick<AuditRecord, 'details'>): Chain => {
  const chain = (record.details as { chain?: Chain } | undefined)?.chain;
  return chain ?? { part: 1 };
};
