// Approved runs carried out off the API call. An approved fleet run, or a kill switch over a few thousand
// schedules, reads its plan again and acts at a paced rate: minutes of work, where an API call has 29 s (API
// Gateway's limit) — inside the call the fresh plan was cut short and read as stale, or left the run no time.
// So the vote that reaches quorum settles the request approved and sends ONE message naming it (approve.ts
// queueRun) on the approved-run queue (APPROVED_RUN_QUEUE_URL); this function receives it (the SQS door,
// BatchSize 1) with its whole timeout, and carries the stored plan out as approve.ts does inside the call.
//
// The message is not trusted: it names an approval, nothing else, and the request's own state decides. Only a
// request that is approved (by enough principals other than its requester) and of an action carried out later
// is run, and only by the delivery that claims it (approved → executing, a conditional update): a duplicate
// delivery, or a message naming a pending, rejected, settled or unknown request, does nothing and says why
// (logged, and in the answer). A crash after the claim leaves the request executing: never run twice; the
// run's own record (fleet status, the kill switch's restoreId) says how far it got.
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { enoughApprovals } from '../../shared/approval/decide.js';
import type { ApprovalState } from '../../shared/approval/store.js';
import { NotFoundError } from '../../shared/errors.js';
import { parseInput } from '../../shared/validate.js';
import { type ApprovalsDeps, carryOut } from './approve.js';
import { approvalIdSchema } from './schema.js';

/**
 * The actions whose approved run is carried out off the API call: a fleet run (a plan per workload, then the
 * run, continuing itself through FleetContinuationQueue), and a single kill switch (its plan reads every
 * schedule, its run writes each, one pacer for both: 2,000 schedules at the default 200 calls/s are 20 s of
 * calls before any other, past what is left of an API call), and a drain (one held for approval is a large
 * one, above ApprovalDrainAbove: inside the call it redrove ~200 letters at 10 a second and left the rest to be
 * asked for, and approved, again). A key revocation is one call: it stays inside the API call.
 */
export const CARRIED_OUT_LATER: ReadonlySet<string> = new Set([
  'fleet.disable',
  'fleet.drain',
  'schedules.disable',
  'dlq.drain',
]);

/** The one message the approving vote sends: the approval's id, nothing the consumer would have to trust. */
export const approvedRunSchema = z.strictObject({ approvalId: approvalIdSchema });

/** ApprovalsDeps.later's `send` over SQS: one message on the approved-run queue. */
export const approvedRunSender =
  (sqs: Pick<SQSClient, 'send'>, queueUrl: string) =>
  async (approvalId: string): Promise<void> => {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ approvalId }) }),
    );
  };

export interface LaterDeps extends ApprovalsDeps {
  logger: {
    info(message: string, ...extra: unknown[]): void;
    warn(message: string, ...extra: unknown[]): void;
  };
}

/** Why this request is not run by this delivery, or undefined when it is to be claimed and run. */
function notToRun(state: ApprovalState): string | undefined {
  if (state.status === 'executing' || state.status === 'executed')
    return `it is ${state.status} already: a duplicate delivery`;
  if (state.status !== 'approved') return `it is ${state.status}, not approved`;
  if (!CARRIED_OUT_LATER.has(state.forAction))
    return `${state.forAction} is carried out inside the approving call, never from this queue`;
  if (!enoughApprovals(state, state.required))
    return `it has ${state.votes} of ${state.required} approval(s) from principals other than its requester`;
  return undefined;
}

/** One message off the approved-run queue: the named request's plan carried out, once, if it is approved. */
export async function runApproved(deps: LaterDeps, payload: unknown, correlationId: string): Promise<object> {
  const { approvalId } = parseInput(approvedRunSchema, payload);
  const nothing = (why: string, status?: string) => {
    deps.logger.warn(`approved run ${approvalId}: nothing done, ${why}`, { approvalId });
    return { acknowledged: true, acted: false, approvalId, ...(status ? { status } : {}), why };
  };
  let state: ApprovalState;
  try {
    state = await deps.approvals.get(approvalId);
  } catch (error) {
    // Answered, so deleted: the id names no request, and never will.
    if (error instanceof NotFoundError) return nothing('no such approval request');
    throw error;
  }
  const why = notToRun(state);
  if (why) return nothing(why, state.status);
  const claimed = await deps.approvals.settle(approvalId, 'approved', 'executing');
  if (!claimed) return nothing('another delivery claimed it first', 'executing');
  deps.logger.info(`approved run ${approvalId}: carrying out ${state.forAction}`, { approvalId });
  const carried = await carryOut(deps, claimed, 'executing', correlationId, true);
  if ('held' in carried)
    return {
      acknowledged: true,
      acted: false,
      approvalId,
      status: 'stale',
      replannedAs: carried.held.approvalId,
      approve: carried.held.approve,
      why: `the estate changed since it was planned: re-planned as ${carried.held.approvalId}, which needs approval again`,
    };
  return {
    acknowledged: true,
    acted: true,
    approvalId,
    status: carried.state.status,
    result: carried.result,
  };
}
