// An approved run carried out off the API call (functions/approvals/later.ts), against the emulator, on a
// workload of more than a handful: three schedule groups of 8 schedules each, some disabled by hand (the defect was
// time, not size: the approved run now has a queue invocation's time, and the test that runs it out of time
// reproduces the pressure with the invocation's clock; the 2,000-schedule estate is a bench-sized check). Issue 18's defect
// was that such a fleet disable, approved, answered StalePlan (the re-read cut short inside the 29 s API call)
// or did nothing ("not reached"). Here the last vote answers 202 at once; the queued message, delivered to
// ApprovalsFunction as Lambda's event source mapping would (through the emulator's stand-in), carries the run
// out: every schedule that was enabled is disabled, those disabled by hand are left alone, and the run's one
// undo puts the estate back exactly. A run that runs out of time continues itself (FleetContinuationQueue)
// and finishes; a duplicate or forged message does nothing and says why.

import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqsEventOf } from '../../local/emulator/event-sources.js';
import { type EmulatorState, provisionStack, resolveContext } from '../../local/emulator/provision.js';
import { prepareFleet, watchListFile } from '../../local/fleet/provision.js';
import { lambdaContext, withEnvironment } from '../../local/invoke.js';
import { findFunction, loadTemplate, resolveEnvironment } from '../../local/template.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { type ApiAnswer, invokeApi } from '../support/api-event.js';
import { deliverAll, deliverNext } from '../support/deliver.js';
import { ledgerOf } from '../support/fleet.js';
import { uniqueName } from '../support/names.js';
import { estate, fullSchedule } from '../support/schedules.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';
const PER_GROUP = 8;
const TOTAL = 3 * PER_GROUP;
/** Of each group, every tenth schedule is disabled by hand before the incident. */
const byHand = (n: number) => n % 10 === 0;
const BY_HAND = 3 * Math.ceil(PER_GROUP / 10);

const sqs = new SQSClient({});
const scheduler = new SchedulerClient({});

type Handler = (event: unknown, context: Context) => Promise<Record<string, unknown>>;

describe('approved runs carried out off the API call (against the emulator)', { timeout: 300_000 }, () => {
  let state: EmulatorState;
  let ledger: AuditLedger;
  let env: Record<string, string>;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('approved-run'),
    });
    ledger = ledgerOf(state);
  });

  afterAll(() => {
    sqs.destroy();
    scheduler.destroy();
  });

  /** One workload with three groups of PER_GROUP schedules (a tenth disabled by hand); prod, so held. */
  async function bigWorkload(tag: string): Promise<{ workload: Workload; groups: string[] }> {
    const prepared = await prepareFleet({
      prefix: uniqueName(`ar-${tag}`),
      members: [{ name: `${tag}-fx` }],
    });
    const workload = prepared.watchList.workloads[0] as Workload;
    const groups = [1, 2, 3].map((n) => uniqueName(`ar-${tag}-${n}`));
    for (const group of groups) {
      await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
      const names = Array.from({ length: PER_GROUP }, (_, n) => n);
      // Ten at a time: moto takes them as fast as it can, and a test need not wait for one at a time.
      for (let start = 0; start < names.length; start += 10)
        await Promise.all(
          names.slice(start, start + 10).map((n) =>
            scheduler.send(
              new CreateScheduleCommand({
                ...fullSchedule(
                  `settle-${String(n).padStart(3, '0')}`,
                  byHand(n) ? { State: 'DISABLED' } : {},
                ),
                GroupName: group,
              }),
            ),
          ),
        );
    }
    workload.scheduleGroups = groups;
    env = {
      WATCH_LIST: JSON.stringify(watchListFile(prepared.watchList)),
      WATCH_TAG_DISCOVERY: 'false',
      RUNBOOK_ENV: 'prod',
      APPROVALS_REQUIRED: '2',
      // The SDK's own retries, as the functions have them on AWS: over hundreds of reads moto answers a rare
      // 500 when a whole suite's requests race inside it, and one unreadable schedule refuses an approved run
      // (PlanUnreadable). Every call made here is one moto implements: a 500 is never one retried in vain.
      AWS_MAX_ATTEMPTS: '3',
    };
    return { workload, groups };
  }

  const envVars = () => ({ FleetFunction: env, ApprovalsFunction: env });
  const api = (
    logicalId: 'FleetFunction' | 'ApprovalsFunction',
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    principal: string,
    routeKey?: string,
  ): Promise<ApiAnswer> =>
    invokeApi(state, logicalId, { method, path, body, principal, routeKey }, envVars());
  const vote = (id: string, principal: string, how: 'approve' | 'reject' = 'approve') =>
    api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${id}/${how}`,
      undefined,
      principal,
      `POST /approvals/{id}/${how}`,
    );
  const status = (id: string) =>
    api('ApprovalsFunction', 'GET', `/approvals/${id}`, undefined, BOB, 'GET /approvals/{id}');
  const askDisable = (workload: Workload) =>
    api(
      'FleetFunction',
      'POST',
      '/fleet/disable',
      { workloads: [workload.name], reason: 'fx settlement runaway' },
      ALICE,
    );

  const estateOf = async (groups: readonly string[]) =>
    Object.fromEntries(
      await Promise.all(groups.map(async (group) => [group, await estate(scheduler, group)])),
    );
  const statesOf = (whole: Record<string, Record<string, unknown>>) =>
    Object.values(whole).flatMap((group) =>
      Object.values(group).map((one) => (one as { State: string }).State),
    );
  const count = (states: string[], value: string) => states.filter((item) => item === value).length;

  /** Asked by alice, approved by bob and carol: the approval id and the last vote's answer. */
  async function approved(workload: Workload) {
    const asked = await askDisable(workload);
    expect(asked.statusCode, JSON.stringify(asked.body)).toBe(202);
    const id = asked.body.approvalId as string;
    await vote(id, BOB);
    return { id, asked, last: await vote(id, CAROL) };
  }

  it('carries out an approved fleet disable of three groups off the API call, continuing through the fleet’s queue when its time runs out: every enabled schedule disabled, the hand-disabled left alone, and the one undo restores the estate exactly', async () => {
    // Prepare: the approved run's invocation has time for its plans and part of its writes only. Its clock is
    // read before every paced call: 24 schedules take 143 reads in all (measured), the approval’s
    // fresh plan and the run’s own about 105 of them; past 120 it reports 1 s left (110 and 130 pass too).
    const { workload, groups } = await bigWorkload('late');
    const before = await estateOf(groups);
    const { id, asked, last } = await approved(workload);
    const whileQueued = statesOf(await estateOf(groups));
    const message = await receiveOne(String(state.resources.ApprovedRunQueue?.ref));

    // Act: the first part, in an invocation that runs out of time
    const first = await approvalsHandler(sqsEventOf(message, queueOf('ApprovedRunQueue'), state.region), 120);
    const midway = statesOf(await estateOf(groups));
    // The rest: each continuation delivered to FleetFunction, with its full timeout
    const parts = await deliverAll(state, 'FleetFunction', envVars());
    const after = await estateOf(groups);

    // Assess: the plan counted the enabled schedules; the last vote answered at once and changed nothing itself
    expect(count(statesOf(before), 'ENABLED')).toBe(TOTAL - BY_HAND);
    expect(asked.body.after).toEqual({ workloads: 1, schedules: TOTAL - BY_HAND });
    expect(last.statusCode).toBe(202);
    expect(last.body).toMatchObject({ status: 'approved', carrying: true, follow: `runbook approval ${id}` });
    expect(count(whileQueued, 'DISABLED')).toBe(BY_HAND);
    // The run: a first part cut short, the rest continued, every schedule disabled and nothing but the state changed
    const result = (
      first as {
        result: { counts: Record<string, number>; continuation?: { queued: boolean }; auditId: string };
      }
    ).result;
    expect(first).toMatchObject({ ok: true, acted: true, status: 'executed' });
    expect(result.continuation).toMatchObject({ queued: true });
    expect(count(midway, 'DISABLED')).toBeGreaterThan(BY_HAND);
    expect(count(midway, 'DISABLED')).toBeLessThan(TOTAL);
    expect(parts.length).toBeGreaterThanOrEqual(1);
    expect(parts.every((part) => part.deleted)).toBe(true);
    expect(statesOf(after).every((value) => value === 'DISABLED')).toBe(true);
    for (const group of groups)
      for (const [name, schedule] of Object.entries(before[group] as Record<string, { State: string }>))
        expect((after[group] as Record<string, unknown>)[name]).toEqual({ ...schedule, State: 'DISABLED' });
    expect((await status(id)).body).toMatchObject({ status: 'executed', resultAuditId: result.auditId });
    expect(await ledger.get(result.auditId)).toMatchObject({
      action: 'fleet.disable',
      actor: ALICE,
      approval: { approvalId: id, approvedBy: [BOB, CAROL] },
    });

    // Act: the one undo of the run reverses every part
    const undone = await api(
      'FleetFunction',
      'POST',
      '/fleet/undo',
      { auditId: result.auditId, reason: 'fixed' },
      ALICE,
    );

    // Assess
    expect(undone.statusCode, JSON.stringify(undone.body)).toBe(200);
    expect(await estateOf(groups)).toEqual(before);
  });

  it('fails, and says why, an approved run whose plan cannot be read again in time: never a partial plan taken for a stale one', async () => {
    // Prepare
    const { workload, groups } = await smallWorkload('short');
    const { id } = await approved(workload);
    const message = await receiveOne(String(state.resources.ApprovedRunQueue?.ref));

    // Act: an invocation whose time runs out while the plan is read again
    const answer = await approvalsHandler(sqsEventOf(message, queueOf('ApprovedRunQueue'), state.region), 4);
    const read = (await status(id)).body;

    // Assess: answered (so the message is deleted, never retried), nothing changed, no new request
    expect(answer).toMatchObject({ ok: false, error: { code: 'PlanTooLarge' }, batchItemFailures: [] });
    expect(statesOf(await estateOf(groups)).every((value) => value === 'ENABLED')).toBe(true);
    expect(read).toMatchObject({ status: 'failed', why: expect.stringContaining('did not finish') });
    expect(read.replannedAs).toBeUndefined();
  });

  it('does nothing on a duplicate delivery, or on a message naming a pending, rejected or unknown request, and says why', async () => {
    // Prepare: a small workload; one request approved and carried out, one pending, one rejected
    const { workload, groups } = await smallWorkload('dup');
    const { id } = await approved(workload);
    const queueUrl = String(state.resources.ApprovedRunQueue?.ref);
    const message = await receiveOne(queueUrl);
    const event = sqsEventOf(message, queueOf('ApprovedRunQueue'), state.region);
    const once = await approvalsHandler(event);
    const afterOnce = await estateOf(groups);
    const pending = (await askDisable(workload)).body.approvalId as string;
    await scheduler.send(
      new CreateScheduleCommand({ ...fullSchedule('late-addition'), GroupName: groups[0] as string }),
    );
    const rejected = (await askDisable(workload)).body.approvalId as string;
    await vote(rejected, CAROL, 'reject');
    const forged = (approvalId: string) =>
      approvalsHandler(
        sqsEventOf(
          { MessageId: uniqueName('forged'), Body: JSON.stringify({ approvalId }) },
          queueOf('ApprovedRunQueue'),
          state.region,
        ),
      );

    // Act
    const again = await approvalsHandler(event);
    const forPending = await forged(pending);
    const forRejected = await forged(rejected);
    const forUnknown = await forged('20261122T154501123Z-3fa9c2d1');
    const malformed = await approvalsHandler(
      sqsEventOf(
        { MessageId: 'bad', Body: JSON.stringify({ approvalId: id, run: 'now' }) },
        queueOf('ApprovedRunQueue'),
        state.region,
      ),
    );

    // Assess: one run; every other message answered (so deleted) with why, and nothing changed
    expect(once).toMatchObject({ ok: true, acted: true, status: 'executed' });
    expect(again).toMatchObject({
      ok: true,
      acted: false,
      status: 'executed',
      why: expect.stringContaining('duplicate'),
    });
    expect(forPending).toMatchObject({ acted: false, status: 'pending', why: 'it is pending, not approved' });
    expect(forRejected).toMatchObject({
      acted: false,
      status: 'rejected',
      why: 'it is rejected, not approved',
    });
    expect(forUnknown).toMatchObject({ acted: false, why: 'no such approval request' });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'ValidationError' }, batchItemFailures: [] });
    for (const answer of [again, forPending, forRejected, forUnknown])
      expect(answer.batchItemFailures).toEqual([]);
    const now = await estateOf(groups);
    expect(now[groups[0] as string]).toMatchObject(afterOnce[groups[0] as string] as object);
    expect((now[groups[0] as string] as Record<string, { State: string }>)['late-addition']?.State).toBe(
      'ENABLED',
    );
    expect((await status(pending)).body).toMatchObject({ status: 'pending', approvedBy: [] });
  });

  it('re-plans a plan gone stale by the time it is carried out: a new pending request, named with the command that approves it', async () => {
    // Prepare
    const { workload, groups } = await smallWorkload('stale');
    const { id, last } = await approved(workload);
    await scheduler.send(
      new CreateScheduleCommand({ ...fullSchedule('added-meanwhile'), GroupName: groups[0] as string }),
    );

    // Act
    const delivered = await deliverNext(state, 'ApprovalsFunction', envVars());
    const old = (await status(id)).body;

    // Assess
    expect(last.statusCode).toBe(202);
    expect(delivered?.deleted).toBe(true);
    const answer = delivered?.outcome?.result as { replannedAs: string; approve: string };
    expect(answer).toMatchObject({ acted: false, status: 'stale' });
    expect(answer.approve).toBe(`runbook approve ${answer.replannedAs}`);
    expect(statesOf(await estateOf(groups)).every((value) => value === 'ENABLED')).toBe(true);
    expect(old).toMatchObject({ status: 'stale', replannedAs: answer.replannedAs, approve: answer.approve });
    expect((await status(answer.replannedAs)).body).toMatchObject({ status: 'pending', requester: ALICE });
  });

  /** One workload, one group of three schedules. */
  async function smallWorkload(tag: string) {
    const prepared = await prepareFleet({
      prefix: uniqueName(`ar-${tag}`),
      members: [{ name: `${tag}-fx` }],
    });
    const workload = prepared.watchList.workloads[0] as Workload;
    const group = uniqueName(`ar-${tag}`);
    await scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    for (const name of ['a', 'b', 'c'])
      await scheduler.send(new CreateScheduleCommand({ ...fullSchedule(name), GroupName: group }));
    workload.scheduleGroups = [group];
    env = {
      WATCH_LIST: JSON.stringify(watchListFile(prepared.watchList)),
      WATCH_TAG_DISCOVERY: 'false',
      RUNBOOK_ENV: 'prod',
      APPROVALS_REQUIRED: '2',
    };
    return { workload, groups: [group] };
  }

  const queueOf = (logicalId: string) => ({ queueArn: String(state.resources[logicalId]?.attributes.Arn) });

  /** Takes the one message the queue holds off it (so no stand-in delivers it too). */
  async function receiveOne(queueUrl: string) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    const message = Messages[0] as NonNullable<(typeof Messages)[number]>;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
    return message;
  }

  /**
   * ApprovalsFunction's handler with the stack's environment, as Lambda runs it; with `clockReads`, an
   * invocation whose remaining time runs out (1 s) once its clock was read that many times.
   */
  async function approvalsHandler(event: SQSEvent, clockReads?: number): Promise<Record<string, unknown>> {
    const template = loadTemplate();
    const spec = findFunction(template, 'ApprovalsFunction');
    const { variables } = resolveEnvironment(resolveContext(template, state), spec);
    const { handler } = (await import('../../functions/approvals/handler.js')) as unknown as {
      handler: Handler;
    };
    const context = lambdaContext(spec, String(state.resources.ApprovalsFunction?.ref));
    let reads = 0;
    if (clockReads !== undefined)
      context.getRemainingTimeInMillis = () => (++reads > clockReads ? 1_000 : 900_000);
    return withEnvironment({ ...variables, ...env }, () => handler(event, context));
  }
});
