// M-of-N approval (issue 18, point 2) through the real handlers against the emulator: a drain above
// ApprovalDrainAbove (or any drain during a freeze) asked through the API is held as pending with its plan and
// announced; approvals come through the API from signed principals (API Gateway v2 events with different
// requestContext.authorizer.iam.userArn); enough of them carry the plan out exactly, unless the estate changed.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { AuditLedger } from '../../shared/audit.js';
import { type ApiAnswer, invokeApi } from '../support/api-event.js';
import { deliverNext } from '../support/deliver.js';
import { FROZEN_NOW } from '../support/freeze.js';
import { uniqueName } from '../support/names.js';
import { type OpsInbox, opsInbox } from '../support/ops-inbox.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';

const sqs = new SQSClient({});
const sns = new SNSClient({});
const scheduler = new SchedulerClient({});

describe('approvals (against the emulator)', { timeout: 120_000 }, () => {
  let state: EmulatorState;
  let ledger: AuditLedger;
  let dlqName: string;
  let dlqUrl: string;
  let opsChannel: OpsInbox;
  let env: Record<string, string>;
  /** Every request a test asked for: withdrawn after it, so the next test's same drain is a new request. */
  const opened = new Set<string>();

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('approvals'),
    });
    dlqName = String(state.resources.WorkloadDLQ?.attributes.QueueName);
    dlqUrl = String(state.resources.WorkloadDLQ?.ref);
    ledger = new AuditLedger({
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({})),
      sns,
      tableName: String(state.resources.AuditTable?.ref),
    });
    // The on-call channel, as a queue subscribed to the ops topic.
    opsChannel = await opsInbox({ sqs, sns }, String(state.resources.OpsTopic?.ref), 'ops-inbox');
  });

  beforeEach(async () => {
    env = { APPROVAL_DRAIN_ABOVE: '2', APPROVALS_REQUIRED: '2', APPROVAL_TTL_MINUTES: '30' };
    await sqs.send(new PurgeQueueCommand({ QueueUrl: dlqUrl }));
  });

  afterEach(async () => {
    vi.useRealTimers();
    // Anyone may reject a pending request, its requester included; a settled one answers 409, which is fine.
    for (const id of opened) await vote(id, 'reject', ALICE, 'test over');
    opened.clear();
  });

  afterAll(() => {
    sqs.destroy();
    sns.destroy();
    scheduler.destroy();
  });

  async function api(
    logicalId: string,
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    principal: string,
    routeKey?: string,
  ): Promise<ApiAnswer> {
    const answer = await invokeApi(
      state,
      logicalId,
      { method, path, body, principal, routeKey },
      {
        DlqDrainerFunction: env,
        ApprovalsFunction: env,
        KillSwitchFunction: env,
      },
    );
    for (const id of [answer.body?.approvalId, answer.body?.replannedAs])
      if (typeof id === 'string') opened.add(id);
    return answer;
  }

  const askToDrain = (principal = ALICE, extra: Record<string, unknown> = {}) =>
    api(
      'DlqDrainerFunction',
      'POST',
      '/dlq/drain',
      { queue: dlqName, reason: 'replay after fix', ...extra },
      principal,
    );
  const vote = (id: string, how: 'approve' | 'reject', principal: string, reason?: string) =>
    api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${id}/${how}`,
      reason ? { reason } : undefined,
      principal,
      `POST /approvals/{id}/${how}`,
    );
  const status = (id: string, principal = BOB) =>
    api('ApprovalsFunction', 'GET', `/approvals/${id}`, undefined, principal, 'GET /approvals/{id}');

  const fill = (count: number, tag: string) =>
    fillQueue(
      sqs,
      dlqUrl,
      Array.from({ length: count }, (_, i) => lambdaDeadLetter({ run: i }, { requestId: `${tag}-${i}` })),
    );

  const depth = async () => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: dlqUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes?.ApproximateNumberOfMessages) +
      Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };

  const inbox = () => opsChannel.read();

  /**
   * The approved run, carried out from the approved-run queue as Lambda's event source mapping would deliver it:
   * a drain, like a kill switch, may take longer than an API call (functions/approvals/later.ts).
   */
  const carriedOut = async () => {
    const delivered = await deliverNext(state, 'ApprovalsFunction', { ApprovalsFunction: env });
    expect(delivered?.deleted, JSON.stringify(delivered)).toBe(true);
    // biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields freely
    return delivered?.outcome?.result as any;
  };

  it('holds a drain above ApprovalDrainAbove as pending with its plan, tells the ops topic, answers 202, changes nothing', async () => {
    // Prepare
    await fill(3, 'held');

    // Act
    const asked = await askToDrain();

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toMatchObject({
      ok: true,
      status: 'pending',
      action: 'dlq.drain',
      required: 2,
      before: { approximateMessages: 3 },
      after: { approximateMessages: 0 },
    });
    expect(asked.body.needs.join(' ')).toContain('above ApprovalDrainAbove (2)');
    expect(asked.body.approve).toBe(`runbook approve ${asked.body.approvalId}`);
    expect(await depth()).toBe(3);
    const record = await ledger.get(asked.body.approvalId);
    expect(record).toMatchObject({
      action: 'dlq.drain',
      outcome: 'pending',
      actor: ALICE,
      before: { approximateMessages: 3 },
      request: { queue: dlqName, maxMessages: 1000 },
    });
    const told = (await inbox()).find((body) => body.auditId === asked.body.approvalId);
    expect(told).toMatchObject({ action: 'dlq.drain', outcome: 'pending', actor: ALICE });
  });

  it('answers a drain asked twice, by another principal with another reason, with the one pending request, told once', async () => {
    // Prepare
    await fill(3, 'twice');
    await inbox();
    const first = await askToDrain();

    // Act
    const again = await askToDrain(BOB, { reason: 'orders stuck since 03:00, replay them' });

    // Assess
    expect(first.body.existing).toBeUndefined();
    expect(again.statusCode).toBe(202);
    expect(again.body).toMatchObject({
      approvalId: first.body.approvalId,
      status: 'pending',
      existing: true,
      requester: ALICE,
      notified: false,
      needs: first.body.needs,
      expiresAt: first.body.expiresAt,
    });
    const told = (await inbox()).filter((body) => body.action === 'dlq.drain');
    expect(told.map((body) => body.auditId)).toEqual([first.body.approvalId]);
    // Bob asked too, but is not its requester: his approval counts.
    expect((await vote(first.body.approvalId, 'approve', BOB)).body).toMatchObject({ approvedBy: [BOB] });
    expect(await depth()).toBe(3);
  });

  it('makes one pending request of three asks at the same instant', async () => {
    // Prepare
    await fill(3, 'at-once');

    // Act
    const asks = await Promise.all([askToDrain(ALICE), askToDrain(BOB), askToDrain(CAROL)]);

    // Assess
    expect(asks.map((ask) => ask.statusCode)).toEqual([202, 202, 202]);
    expect(new Set(asks.map((ask) => ask.body.approvalId)).size).toBe(1);
    expect(asks.filter((ask) => ask.body.existing !== true)).toHaveLength(1);
    const id = asks[0]?.body.approvalId as string;
    expect((await status(id)).body).toMatchObject({ status: 'pending' });
    expect(await depth()).toBe(3);
  });

  it('makes a new request once the open one is settled, or has expired, or the estate changed', async () => {
    // Prepare
    await fill(3, 'renew');
    const first = await askToDrain();
    await vote(first.body.approvalId, 'reject', CAROL, 'wait for the fix');

    // Act
    const afterRejection = await askToDrain(BOB);
    await fill(1, 'renew-more');
    const otherPlan = await askToDrain(BOB);
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31 * 60_000 });
    const afterExpiry = await askToDrain(BOB);
    const askedAgain = await askToDrain(ALICE);

    // Assess
    const ids = [first, afterRejection, otherPlan, afterExpiry].map((ask) => ask.body.approvalId);
    expect(new Set(ids).size).toBe(4);
    for (const ask of [afterRejection, otherPlan, afterExpiry]) {
      expect(ask.body).toMatchObject({ status: 'pending', notified: true });
      expect(ask.body.existing).toBeUndefined();
    }
    expect(otherPlan.body.before).toMatchObject({ approximateMessages: 4 });
    expect(askedAgain.body).toMatchObject({ approvalId: afterExpiry.body.approvalId, existing: true });
  });

  it('refuses an approval by the requester', async () => {
    // Prepare
    await fill(3, 'self');
    const asked = await askToDrain();

    // Act
    const own = await vote(asked.body.approvalId, 'approve', ALICE);

    // Assess
    expect(own.statusCode).toBe(403);
    expect(own.body.error.message).toContain('cannot approve it');
    expect((await status(asked.body.approvalId)).body).toMatchObject({ status: 'pending', approvedBy: [] });
    expect(await depth()).toBe(3);
  });

  it('carries the plan out exactly once two distinct principals other than the requester approve', async () => {
    // Prepare
    await fill(3, 'two');
    const asked = await askToDrain();
    const id = asked.body.approvalId as string;

    // Act
    const first = await vote(id, 'approve', BOB, 'checked the consumer is fixed');
    const again = await vote(id, 'approve', BOB);
    const second = await vote(id, 'approve', CAROL);
    const whileQueued = await depth();
    const done = await carriedOut();

    // Assess
    expect(first.body).toMatchObject({ status: 'pending', approvedBy: [BOB] });
    expect(again.statusCode).toBe(409);
    expect(second.statusCode).toBe(202);
    expect(second.body).toMatchObject({ status: 'approved', carrying: true });
    expect(whileQueued).toBe(3);
    expect(done).toMatchObject({
      status: 'executed',
      result: { redriven: 3, dryRun: false, approval: { approvalId: id, approvedBy: [BOB, CAROL] } },
    });
    // The estate is what the plan said it would leave.
    expect(await depth()).toBe(asked.body.after.approximateMessages);
    const run = await ledger.get(done.result.auditId);
    expect(run).toMatchObject({
      action: 'dlq.drain',
      actor: ALICE,
      outcome: 'succeeded',
      approval: { approvalId: id, approvedBy: [BOB, CAROL] },
    });
    expect((await status(id)).body).toMatchObject({ status: 'executed', resultAuditId: run?.auditId });
    expect((await vote(id, 'approve', 'arn:aws:iam::123456789012:user/dave')).statusCode).toBe(409);
  });

  it('refuses an approval of a stale plan and records it re-planned, to be approved again', async () => {
    // Prepare
    await fill(3, 'stale');
    const asked = await askToDrain();
    const id = asked.body.approvalId as string;
    await vote(id, 'approve', BOB);
    await fill(1, 'arrived-later');

    // Act
    const last = await vote(id, 'approve', CAROL);
    const refused = await carriedOut();

    // Assess: approved, then not carried out: the plan read again differs
    expect(last.statusCode).toBe(202);
    expect(refused).toMatchObject({ acted: false, status: 'stale' });
    expect(await depth()).toBe(4);
    const old = (await status(id)).body;
    expect(old).toMatchObject({ status: 'stale', replannedAs: refused.replannedAs });
    expect(refused.approve).toBe(`runbook approve ${old.replannedAs}`);
    const replanned = (await status(old.replannedAs)).body;
    expect(replanned).toMatchObject({
      status: 'pending',
      requester: ALICE,
      approvedBy: [],
      plan: { before: { approximateMessages: 4 } },
    });
  });

  it('cannot approve an expired request', async () => {
    // Prepare
    await fill(3, 'expired');
    const asked = await askToDrain();
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 31 * 60_000 });

    // Act
    const late = await vote(asked.body.approvalId, 'approve', BOB);

    // Assess
    expect(late.statusCode).toBe(409);
    expect(late.body.error.message).toContain('expired');
    expect((await status(asked.body.approvalId)).body.status).toBe('expired');
    expect(await depth()).toBe(3);
  });

  it('refuses a drain during a freeze and lets it through once approved', async () => {
    // Prepare: a small drain, needing approval only because of the freeze
    await fill(2, 'frozen');
    env = { ...env, FREEZE_WINDOWS: FROZEN_NOW() };

    // Act
    const asked = await askToDrain();
    const direct = await invokeFunction({
      logicalId: 'DlqDrainerFunction',
      event: { actor: 'cli:alice@laptop', queue: dlqName, reason: 'replay after fix' },
      state,
      envVars: { DlqDrainerFunction: env },
    });
    const afterAsking = await depth();
    await vote(asked.body.approvalId, 'approve', BOB);
    await vote(asked.body.approvalId, 'approve', CAROL);
    const done = { body: await carriedOut() };

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(asked.body.needs).toHaveLength(1);
    expect(asked.body.needs[0]).toContain('change freeze');
    expect(direct.result).toMatchObject({ ok: false, error: { code: 'Conflict' } });
    expect(afterAsking).toBe(2);
    expect(done.body).toMatchObject({ status: 'executed', result: { redriven: 2 } });
    expect(await depth()).toBe(0);
  });

  it('holds a kill switch disable in prod, and disables exactly the planned schedules once two others approve', async () => {
    // Prepare: prod, where ApprovalFor=auto makes the kill switch need approval
    env = { ...env, RUNBOOK_ENV: 'prod' };
    const group = String(state.resources.WorkloadScheduleGroup?.ref);
    const states = async () => {
      const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
      return Object.fromEntries(
        await Promise.all(
          Schedules.map(async ({ Name }) => {
            const one = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name }));
            return [`${group}/${Name}`, one.State] as const;
          }),
        ),
      );
    };
    const before = await states();

    // Act
    const asked = await api(
      'KillSwitchFunction',
      'POST',
      '/schedules/disable',
      { group, all: true, reason: 'runaway orders: stop the 09:35 run' },
      ALICE,
    );
    const direct = await invokeFunction({
      logicalId: 'KillSwitchFunction',
      event: { actor: 'cli:alice@laptop', action: 'disable', group, all: true, reason: 'runaway orders' },
      state,
      envVars: { KillSwitchFunction: env },
    });
    const whileHeld = await states();
    await vote(asked.body.approvalId, 'approve', BOB);
    const approved = await vote(asked.body.approvalId, 'approve', CAROL);
    const whileQueued = await states();
    // A kill switch may take longer than an API call: carried out from the approved-run queue.
    const delivered = await deliverNext(state, 'ApprovalsFunction', { ApprovalsFunction: env });
    // biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields freely
    const done = { body: delivered?.outcome?.result as any };

    // Assess
    expect(Object.keys(before).length).toBeGreaterThan(0);
    expect(Object.values(before).every((value) => value === 'ENABLED')).toBe(true);
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toMatchObject({
      action: 'schedules.disable',
      before: { schedules: Object.keys(before).length },
    });
    expect(direct.result).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(whileHeld).toEqual(before);
    expect(approved.statusCode).toBe(202);
    expect(approved.body).toMatchObject({ status: 'approved', carrying: true });
    expect(whileQueued).toEqual(before);
    expect(delivered?.deleted).toBe(true);
    expect(done.body).toMatchObject({ status: 'executed', result: { dryRun: false } });
    // The estate is the plan's `after`: every schedule the plan listed, DISABLED; nothing else touched.
    const planned = await ledger.get(asked.body.approvalId, { expand: true });
    const listed = (planned?.details as { schedules: { schedule: string }[] } | undefined)?.schedules ?? [];
    expect(listed.map((item) => item.schedule).sort()).toEqual(Object.keys(before).sort());
    const after = planned?.after as { state: string; disabled: number };
    expect(after).toEqual({ disabled: listed.length, state: 'DISABLED' });
    expect(Object.values(await states()).every((value) => value === after.state)).toBe(true);
    expect(await ledger.get(done.body.result.auditId)).toMatchObject({
      actor: ALICE,
      approval: { approvalId: asked.body.approvalId, approvedBy: [BOB, CAROL] },
    });

    // Clean up: the enable never needs approval
    const restored = await invokeFunction({
      logicalId: 'KillSwitchFunction',
      event: { action: 'enable', restoreId: done.body.result.restoreId, reason: 'approvals test over' },
      state,
      envVars: { KillSwitchFunction: env },
    });
    expect(restored.result).toMatchObject({ ok: true });
    expect(await states()).toEqual(before);
  });

  it('records and notifies a break-glass drain, done alone by the requester', async () => {
    // Prepare
    await fill(3, 'glass');
    await inbox();

    // Act
    const acted = await askToDrain(ALICE, {
      breakGlass: { reason: 'orders are failing now; approvers asleep' },
    });

    // Assess
    expect(acted.statusCode).toBe(200);
    expect(acted.body).toMatchObject({
      redriven: 3,
      breakGlass: { reason: 'orders are failing now; approvers asleep' },
    });
    expect(await depth()).toBe(0);
    expect(await ledger.get(acted.body.auditId)).toMatchObject({
      actor: ALICE,
      outcome: 'succeeded',
      breakGlass: { reason: 'orders are failing now; approvers asleep' },
    });
    const told = (await inbox()).find((body) => body.auditId === acted.body.auditId);
    expect(told).toMatchObject({ breakGlass: { reason: 'orders are failing now; approvers asleep' } });
  });

  it('lets anyone, the requester included, reject a request, which then takes no approval', async () => {
    // Prepare
    await fill(3, 'reject');
    const asked = await askToDrain();

    // Act
    const rejected = await vote(asked.body.approvalId, 'reject', CAROL, 'wait for the fix to deploy');
    const late = await vote(asked.body.approvalId, 'approve', BOB);

    // Assess
    expect(rejected.body).toMatchObject({ status: 'rejected', rejectedBy: CAROL });
    expect(late.statusCode).toBe(409);
    expect(await depth()).toBe(3);
  });

  it.each([
    ['an unknown id', '20261122T154501123Z-00000000', 404],
    ['a malformed id', 'not-an-id', 400],
  ])('refuses an approval of %s, naming the field', async (_, id, statusCode) => {
    // Act
    const answer = await vote(id, 'approve', BOB);

    // Assess
    expect(answer.statusCode).toBe(statusCode);
    expect(answer.body.error.field).toBe('id');
  });

  it('refuses a direct invocation of the approvals function: an approver must be signed', async () => {
    // Act
    const outcome = await invokeFunction({
      logicalId: 'ApprovalsFunction',
      event: { actor: BOB, approvalId: '20261122T154501123Z-00000000' },
      state,
    });

    // Assess
    expect(outcome.result).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
  });
});
