// Actions reached through the ops API, against the emulator, when the API call's time runs out. API Gateway
// answers an HTTP API call within 30 s whatever the function's timeout (shared/api-budget.ts): each action must
// stop, record and answer before that, saying what it did and how to go on — never act on after the caller was
// answered 503. The handlers run as API Gateway invokes them (invokeApi), with an invocation whose clock runs out
// as the action reads it (time passing as it works, never slept): a drain stops and reports the remainder; a kill
// switch stops with its restoreId and the same request resumes it; a fleet disable in prod is held although
// reading its plan takes most of the call; a fleet run whose plan leaves it no time in the call continues from
// the continuation queue, with the function's whole timeout, and finishes.
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { prepareFleet, watchListFile } from '../../local/fleet/provision.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { invokeApi } from '../support/api-event.js';
import { deliverAll } from '../support/deliver.js';
import { uniqueName } from '../support/names.js';
import { createGroup, estate, fullSchedule } from '../support/schedules.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const SCHEDULES = 30;
const LETTERS = 40;

const sqs = new SQSClient({});
const scheduler = new SchedulerClient({});

// The world's clock, run ahead by the time a test's invocation says has passed: the API call's 28 s are counted
// from Date.now() (shared/api-budget.ts), the invocation's own time from its context; both move on together.
const realNow = Date.now;
let elapsed = 0;

/**
 * The clock of an invocation of `timeoutMs` (the function's timeout) in which `passed(n)` ms have passed at the
 * nth read of it: the action stops for the API call's time, which runs out long before its own.
 */
const invocationClock = (timeoutMs: number, passed: (reads: number) => number) => (reads: number) => {
  elapsed = passed(reads);
  return Math.max(0, timeoutMs - elapsed);
};
/** `stepMs` pass at each read. */
const steady = (stepMs: number) => (reads: number) => reads * stepMs;
/** None at the first `reads` reads, `thenMs` at every later one. */
const noneUntil = (reads: number, thenMs: number) => (read: number) => (read <= reads ? 0 : thenMs);

describe('actions through the ops API when the API call’s time runs out (against the emulator)', {
  timeout: 180_000,
}, () => {
  let state: EmulatorState;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('api-time'),
    });
  });

  afterAll(() => {
    sqs.destroy();
    scheduler.destroy();
  });

  beforeEach(() => {
    elapsed = 0;
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + elapsed);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  async function dlqOf(tag: string, count: number) {
    const name = uniqueName(`at-${tag}-dlq`);
    const url = String((await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl);
    await fillQueue(
      sqs,
      url,
      Array.from({ length: count }, (_, i) => lambdaDeadLetter({ i }, { requestId: `at-${tag}-${i}` })),
    );
    const depth = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages);
    };
    return { name, url, depth };
  }

  async function groupOf(tag: string, count = SCHEDULES) {
    const group = uniqueName(`at-${tag}`);
    await createGroup(
      scheduler,
      group,
      Array.from({ length: count }, (_, n) => fullSchedule(`run-${String(n).padStart(2, '0')}`)),
    );
    const states = async () =>
      Object.values(await estate(scheduler, group)).map((one) => (one as { State: string }).State);
    return { group, states };
  }

  const count = (states: string[], value: string) => states.filter((item) => item === value).length;

  it('a drain through the API stops before the call’s time runs out and reports what it redrove and what is left; the same request resumes it', async () => {
    // Prepare
    const dlq = await dlqOf('drain', LETTERS);
    const env = {
      DlqDrainerFunction: { DLQ_QUEUES: dlq.name, DLQ_RATE_PER_SECOND: '500', DLQ_WAIT_SECONDS: '1' },
    };
    const drain = (clock?: (reads: number) => number) =>
      invokeApi(
        state,
        'DlqDrainerFunction',
        { method: 'POST', path: '/dlq/drain', body: { queue: dlq.name, reason: 'replay' }, principal: ALICE },
        env,
        clock,
      );

    // Act: a call whose time runs out (5 s left: below DLQ_RESERVE_MS) after a few reads, while the function's
    // 300 s would go on; then the same request again
    const first = await drain(invocationClock(300_000, noneUntil(8, 23_000)));
    const left = await dlq.depth();
    const again = await drain();

    // Assess: answered 200 in time, with the remainder; nothing lost, the rest redriven by the same request
    expect(first.statusCode, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ ok: true, stoppedBy: 'deadline', failed: 0 });
    expect(first.body.next).toContain('the same request drains the rest');
    expect(first.body.redriven).toBeLessThan(LETTERS);
    expect(first.body.redriven + left).toBe(LETTERS);
    expect(first.body.remainingApprox).toBe(left);
    expect(again.body).toMatchObject({ ok: true, redriven: left, remainingApprox: 0, stoppedBy: 'empty' });
    expect(await dlq.depth()).toBe(0);
  });

  it('a kill switch through the API stops before the call’s time runs out with its restoreId and what is left; the same request resumes that restoreId', async () => {
    // Prepare
    const { group, states } = await groupOf('ks');
    const env = { KillSwitchFunction: { SCHEDULE_GROUPS: group } };
    const disable = (clock?: (reads: number) => number) =>
      invokeApi(
        state,
        'KillSwitchFunction',
        {
          method: 'POST',
          path: '/schedules/disable',
          body: { group, all: true, reason: 'runaway' },
          principal: ALICE,
        },
        env,
        clock,
      );

    // Act: 250 ms pass at each read of the clock (121 reads in all for 30 schedules, measured): the API call's
    // 28 s end long before the function's 120 s, and the kill switch's pacer stops 5 s before them
    const first = await disable(invocationClock(120_000, steady(250)));
    const midway = await states();
    const again = await disable();

    // Assess
    expect(first.statusCode, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      ok: true,
      action: 'disable',
      changed: true,
      restoreId: expect.any(String),
    });
    expect(first.body.counts.skipped).toBeGreaterThan(0);
    expect(first.body.warnings.join(' ')).toContain('run the same request again to finish');
    expect(count(midway, 'DISABLED')).toBeGreaterThan(0);
    expect(count(midway, 'DISABLED')).toBe(SCHEDULES - first.body.counts.skipped);
    expect(again.body).toMatchObject({ ok: true, resumed: true, restoreId: first.body.restoreId });
    expect(count(await states(), 'DISABLED')).toBe(SCHEDULES);
  });

  /** One watched workload of the fleet function, its schedules in `group`, and the settings to watch it. */
  async function fleetOf(tag: string, more: Partial<Workload> = {}, settings: Record<string, string> = {}) {
    const prepared = await prepareFleet({
      prefix: uniqueName(`at-${tag}`),
      members: [{ name: `${tag}-fx` }],
    });
    const workload = { ...(prepared.watchList.workloads[0] as Workload), ...more };
    const watchList = { ...prepared.watchList, workloads: [workload] };
    const env = {
      WATCH_LIST: JSON.stringify(watchListFile(watchList)),
      WATCH_TAG_DISCOVERY: 'false',
      ...settings,
    };
    return { workload, envVars: { FleetFunction: env, ApprovalsFunction: env } };
  }

  it('a fleet disable through the API in prod is held although reading its plan takes most of the call', async () => {
    // Prepare: 30 schedules read at 200 ms of the call each read of its clock: the plan takes most of the 28 s
    const { group, states } = await groupOf('held');
    const { workload, envVars } = await fleetOf(
      'held',
      { scheduleGroups: [group] },
      { RUNBOOK_ENV: 'prod', APPROVALS_REQUIRED: '2' },
    );
    const clock = invocationClock(900_000, steady(200));

    // Act
    const asked = await invokeApi(
      state,
      'FleetFunction',
      {
        method: 'POST',
        path: '/fleet/disable',
        body: { workloads: [workload.name], reason: 'fx runaway' },
        principal: ALICE,
      },
      envVars,
      clock,
    );
    const pending = await invokeApi(
      state,
      'ApprovalsFunction',
      {
        method: 'GET',
        path: `/approvals/${asked.body.approvalId}`,
        body: undefined,
        principal: BOB,
        routeKey: 'GET /approvals/{id}',
      },
      envVars,
    );

    // Assess: held with every schedule planned, though the plan used more than the 3 s it once had
    expect(asked.statusCode, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({
      held: true,
      status: 'pending',
      after: { workloads: 1, schedules: SCHEDULES },
    });
    expect(elapsed).toBeGreaterThan(3_000);
    expect(pending.body).toMatchObject({ status: 'pending', requester: ALICE });
    expect(count(await states(), 'ENABLED')).toBe(SCHEDULES);
  });

  it('a fleet drain through the API whose plan leaves no time in the call continues from the queue with the whole timeout, and finishes', async () => {
    // Prepare: a DLQ the fleet drains (not held: below ApprovalDrainAbove, outside prod)
    const dlq = await dlqOf('fleet', 12);
    const { workload, envVars } = await fleetOf('cont', { dlqs: [{ queue: dlq.name, sources: [] }] });

    // Act: the plan's read sees the call's 28 s; by the run's, 12 s are left (below the run's 20 s margin),
    // while the function has 884 s
    const first = await invokeApi(
      state,
      'FleetFunction',
      {
        method: 'POST',
        path: '/fleet/drain',
        body: { workloads: [workload.name], reason: 'poison fixed' },
        principal: ALICE,
      },
      envVars,
      invocationClock(900_000, noneUntil(1, 16_000)),
    );
    const whileQueued = await dlq.depth();
    const parts = await deliverAll(state, 'FleetFunction', envVars);

    // Assess: the call answered at once that the run goes on from the queue; the next part drained the DLQ
    expect(first.statusCode, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({
      ok: true,
      action: 'drain',
      continuation: { queued: true, remaining: 1 },
    });
    expect(whileQueued).toBe(12);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.outcome?.result).toMatchObject({
      ok: true,
      action: 'drain',
      counts: { succeeded: 1 },
    });
    expect(await dlq.depth()).toBe(0);
  });
});
