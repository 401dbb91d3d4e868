// A fleet run held for approval as ONE request (issue 18) through the real handlers against the emulator: three
// workloads in two accounts, each with its schedules; in prod (ApprovalFor=auto) a fleet disable through the API
// is held with every workload's plan; two signed principals other than the requester approve it, and
// ApprovalsFunction carries the pinned run out with the FleetFunction role's credentials (assumed, then chained
// to the member account's role); a plan gone stale is re-planned; break-glass acts alone, recorded and notified.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fillQueue, lambdaDeadLetter } from '../../local/dlq.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { adminCredentials, RUNBOOK_ACCOUNT } from '../../local/fleet/accounts.js';
import { prepareFleet, watchListFile } from '../../local/fleet/provision.js';
import { invokeFunction } from '../../local/invoke.js';
import { projectRoot } from '../../local/template.js';
import type { AuditLedger } from '../../shared/audit.js';
import type { Workload } from '../../shared/fleet/workload.js';
import { type ApiAnswer, invokeApi } from '../support/api-event.js';
import { deliverNext } from '../support/deliver.js';
import { ledgerOf } from '../support/fleet.js';
import { FROZEN_NOW } from '../support/freeze.js';
import { uniqueName } from '../support/names.js';
import { type OpsInbox, opsInbox } from '../support/ops-inbox.js';
import { createGroup, fullSchedule } from '../support/schedules.js';

const MEMBER = '222222222222';
const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';
const REASON = 'duplicate charges across payments';

const sqs = new SQSClient({});
const sns = new SNSClient({});
const home = new SchedulerClient({});

/** A sample event of events/, to change for one test. */
// biome-ignore lint/suspicious/noExplicitAny: a sample event's fields are read and changed freely
const sampleEvent = (name: string): any =>
  JSON.parse(readFileSync(join(projectRoot, 'events', name), 'utf8'));

describe('fleet runs held for approval (against the emulator)', { timeout: 180_000 }, () => {
  let state: EmulatorState;
  let ledger: AuditLedger;
  let member: SchedulerClient;
  let opsChannel: OpsInbox;
  let env: Record<string, string>;

  beforeAll(async () => {
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('fleet-approvals'),
    });
    ledger = ledgerOf(state);
    member = new SchedulerClient({ credentials: await adminCredentials(MEMBER) });
    // The on-call channel, as a queue subscribed to the ops topic.
    opsChannel = await opsInbox({ sqs, sns }, String(state.resources.OpsTopic?.ref), 'fleet-ops-inbox');
  });

  beforeEach(async () => {
    await inbox();
  });

  afterAll(() => {
    sqs.destroy();
    sns.destroy();
    home.destroy();
    member.destroy();
  });

  const schedulerOf = (workload: Workload) => (workload.account ? member : home);

  /**
   * Three workloads of team payments — orders and refunds in the runbook's account, risk in the member account —
   * each with a schedule group of two schedules; prod, so ApprovalFor=auto holds every kill switch disable.
   */
  async function paymentsFleet(tag: string) {
    const prepared = await prepareFleet({
      prefix: uniqueName(`fa-${tag}`),
      members: [
        { name: `${tag}-orders`, tags: { team: 'payments' }, versions: 2 },
        { name: `${tag}-refunds`, tags: { team: 'payments' }, versions: 2 },
        { name: `${tag}-risk`, account: MEMBER, tags: { team: 'payments' }, versions: 2 },
      ],
    });
    const workloads = prepared.watchList.workloads;
    for (const workload of workloads) {
      const group = uniqueName(`fa-${workload.name}`);
      await createGroup(schedulerOf(workload), group, [
        fullSchedule('settle'),
        fullSchedule('report', { ScheduleExpression: 'rate(1 hour)' }),
      ]);
      workload.scheduleGroups = [group];
    }
    const settings = {
      WATCH_LIST: JSON.stringify(watchListFile(prepared.watchList)),
      WATCH_TAG_DISCOVERY: 'false',
      RUNBOOK_ENV: 'prod',
      APPROVALS_REQUIRED: '2',
      APPROVAL_DRAIN_ABOVE: '2',
    };
    env = settings;
    return workloads;
  }

  /** Every schedule of the workloads, by workload/group/name: its State. */
  async function states(workloads: readonly Workload[]): Promise<Record<string, string>> {
    const found: Record<string, string> = {};
    for (const workload of workloads) {
      const scheduler = schedulerOf(workload);
      for (const group of workload.scheduleGroups) {
        const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
        for (const { Name } of Schedules) {
          const one = await scheduler.send(new GetScheduleCommand({ GroupName: group, Name }));
          found[`${workload.name}/${group}/${Name}`] = String(one.State);
        }
      }
    }
    return found;
  }

  const api = (
    logicalId: 'FleetFunction' | 'ApprovalsFunction',
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    principal: string,
    routeKey?: string,
  ): Promise<ApiAnswer> =>
    invokeApi(
      state,
      logicalId,
      { method, path, body, principal, routeKey },
      {
        FleetFunction: env,
        ApprovalsFunction: env,
      },
    );

  const ask = (action: 'disable' | 'drain', extra: Record<string, unknown> = {}) =>
    api(
      'FleetFunction',
      'POST',
      `/fleet/${action}`,
      { tags: { team: 'payments' }, reason: REASON, ...extra },
      ALICE,
    );
  const vote = (id: string, principal: string) =>
    api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${id}/approve`,
      undefined,
      principal,
      'POST /approvals/{id}/approve',
    );
  const status = (id: string) =>
    api('ApprovalsFunction', 'GET', `/approvals/${id}`, undefined, BOB, 'GET /approvals/{id}');

  const inbox = () => opsChannel.read();

  /** The approved run the last vote queued, delivered to ApprovalsFunction as Lambda's event source mapping would. */
  async function carryQueued() {
    const delivery = await deliverNext(state, 'ApprovalsFunction', { ApprovalsFunction: env });
    expect(delivery?.deleted, JSON.stringify(delivery)).toBe(true);
    // biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields freely
    return delivery?.outcome?.result as any;
  }

  it('holds a fleet disable in prod as one pending request with every workload’s plan, announces it, changes nothing; a direct invocation is refused naming the route', async () => {
    // Prepare
    const workloads = await paymentsFleet('held');
    const before = await states(workloads);

    // Act
    const asked = await ask('disable');
    const direct = await invokeFunction({
      logicalId: 'FleetFunction',
      event: { actor: 'cli:alice@laptop', action: 'disable', tags: { team: 'payments' }, reason: REASON },
      state,
      envVars: { FleetFunction: env },
    });

    // Assess
    expect(Object.keys(before)).toHaveLength(6);
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toMatchObject({
      held: true,
      status: 'pending',
      action: 'fleet.disable',
      target: 'fleet',
      required: 2,
      before: { workloads: 3 },
      after: { workloads: 3, schedules: 6 },
    });
    expect(asked.body.needs.join(' ')).toContain('approves every kill switch disable');
    expect(await states(workloads)).toEqual(before);
    // One record, the request's: its request pinned to the three workloads, every workload's plan in details.
    const record = await ledger.get(asked.body.approvalId, { expand: true });
    expect(record).toMatchObject({ action: 'fleet.disable', outcome: 'pending', actor: ALICE });
    expect(record?.request).toMatchObject({ action: 'disable', workloads: workloads.map((w) => w.name) });
    expect(record?.request).not.toHaveProperty('tags');
    const details = record?.details as { workloads: { workload: string; account: string; count: number }[] };
    const lines = details.workloads;
    expect(lines.map(({ workload, account, count }) => [workload, account, count])).toEqual([
      ['held-orders', 'self', 2],
      ['held-refunds', 'self', 2],
      ['held-risk', MEMBER, 2],
    ]);
    const told = await inbox();
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({ auditId: asked.body.approvalId, outcome: 'pending', actor: ALICE });
    expect(direct.result).toMatchObject({ ok: false, error: { code: 'Forbidden' } });
    expect(JSON.stringify(direct.result)).toContain('POST /fleet/disable');
  });

  it('carries the run out exactly once two principals other than the requester approve: every planned schedule in both accounts, each record naming the approvers', async () => {
    // Prepare
    const workloads = await paymentsFleet('two');
    const asked = await ask('disable');
    const id = asked.body.approvalId as string;
    // A workload given the selector's tag meanwhile is not part of the approved run.
    const list = JSON.parse(env.WATCH_LIST as string);
    list.workloads.push({
      ...list.workloads[0],
      name: 'two-late',
      functionName: `${list.workloads[0].functionName}-late`,
    });
    env = { ...env, WATCH_LIST: JSON.stringify(list) };

    // Act
    const own = await vote(id, ALICE);
    const first = await vote(id, BOB);
    const second = await vote(id, CAROL);
    const whileQueued = await states(workloads);
    const carried = await carryQueued();

    // Assess: the last vote answers at once (202), and the run is carried out from the queue
    expect(own.statusCode).toBe(403);
    expect(first.body).toMatchObject({ status: 'pending', approvedBy: [BOB] });
    expect(second.statusCode, JSON.stringify(second.body)).toBe(202);
    expect(second.body).toMatchObject({
      status: 'approved',
      carrying: true,
      follow: `runbook approval ${id}`,
    });
    expect(Object.values(whileQueued)).toEqual(Array(6).fill('ENABLED'));
    const approval = { approvalId: id, approvedBy: [BOB, CAROL] };
    expect(carried).toMatchObject({
      ok: true,
      acted: true,
      status: 'executed',
      result: { action: 'disable', selected: 3, counts: { succeeded: 3 }, approval },
    });
    expect(Object.values(await states(workloads))).toEqual(Array(6).fill('DISABLED'));
    const run = await ledger.get(carried.result.auditId, { expand: true });
    expect(run).toMatchObject({ action: 'fleet.disable', actor: ALICE, outcome: 'succeeded', approval });
    expect(run?.request).toMatchObject({ workloads: workloads.map((w) => w.name) });
    expect((await status(id)).body).toMatchObject({
      status: 'executed',
      resultAuditId: run?.auditId,
      result: { auditId: run?.auditId, counts: { succeeded: 3 } },
    });
    for (const line of carried.result.workloads as { workload: string; auditId: string }[]) {
      const own = await ledger.get(line.auditId);
      expect(own, line.workload).toMatchObject({ action: 'schedules.disable', actor: ALICE, approval });
      expect(own?.account).toBe(line.workload === 'two-risk' ? MEMBER : RUNBOOK_ACCOUNT);
      // Its undo goes through the fleet, which reaches the workload's groups and account; the stack's own kill
      // switch (`schedules enable --restore-id`) reaches neither
      expect(own?.undo).toMatch(new RegExp(`^runbook fleet enable --workload ${line.workload} --reason `));
    }

    // Clean up: an enable is never held, in prod too (it puts back what the disable stopped).
    const enabled = await api(
      'FleetFunction',
      'POST',
      '/fleet/enable',
      { workloads: workloads.map((w) => w.name), reason: 'fixed' },
      ALICE,
    );
    expect(enabled.statusCode).toBe(200);
    expect(Object.values(await states(workloads))).toEqual(Array(6).fill('ENABLED'));
  });

  it('does not carry out a stale plan (a schedule edited since): it is re-planned as a new pending request', async () => {
    // Prepare
    const workloads = await paymentsFleet('stale');
    const asked = await ask('disable');
    const id = asked.body.approvalId as string;
    await vote(id, BOB);
    const risk = workloads[2] as Workload;
    const group = risk.scheduleGroups[0] as string;
    await member.send(
      new UpdateScheduleCommand({
        ...fullSchedule('report', { ScheduleExpression: 'rate(2 hours)' }),
        GroupName: group,
      }),
    );

    // Act
    const approved = await vote(id, CAROL);
    const carried = await carryQueued();
    const late = await vote(id, 'arn:aws:iam::123456789012:user/dave');

    // Assess: approved, then found stale when carried out: nothing changed, a new request to approve
    expect(approved.statusCode).toBe(202);
    expect(carried).toMatchObject({ acted: false, status: 'stale' });
    expect(carried.approve).toBe(`runbook approve ${carried.replannedAs}`);
    expect(Object.values(await states(workloads))).toEqual(Array(6).fill('ENABLED'));
    const old = (await status(id)).body;
    expect(old).toMatchObject({
      status: 'stale',
      replannedAs: carried.replannedAs,
      approve: carried.approve,
    });
    // A vote on the stale request names the command that approves the new one
    expect(late.statusCode).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'StalePlan', field: 'id', approve: carried.approve });
    expect(late.body.error.message).toContain(carried.approve);
    const replanned = (await status(old.replannedAs)).body;
    expect(replanned).toMatchObject({
      status: 'pending',
      action: 'fleet.disable',
      requester: ALICE,
      approvedBy: [],
      plan: { request: { workloads: workloads.map((w) => w.name) }, before: { workloads: 3 } },
    });
    expect(replanned.plan.before.plan).not.toBe(asked.body.before.plan);
  });

  it('acts alone on a break-glass fleet disable, recorded and notified as such on the run and every workload', async () => {
    // Prepare
    const workloads = await paymentsFleet('glass');
    const breakGlass = { reason: 'charges doubling now; approvers unreachable' };

    // Act
    const acted = await ask('disable', { breakGlass });

    // Assess
    expect(acted.statusCode, JSON.stringify(acted.body)).toBe(200);
    expect(acted.body).toMatchObject({ action: 'disable', counts: { succeeded: 3 }, breakGlass });
    expect(Object.values(await states(workloads))).toEqual(Array(6).fill('DISABLED'));
    expect(await ledger.get(acted.body.auditId)).toMatchObject({ actor: ALICE, breakGlass });
    for (const line of acted.body.workloads as { auditId: string }[])
      expect(await ledger.get(line.auditId)).toMatchObject({ breakGlass });
    const told = (await inbox()).find((body) => body.auditId === acted.body.auditId);
    expect(told).toMatchObject({ action: 'fleet.disable', breakGlass });
  });

  it('never holds an alarm’s fleet disable: a machine cannot wait for people (prod, where a person’s would be held)', async () => {
    // Prepare: the orders workload lists an alarm as its kill switch alarm
    const workloads = await paymentsFleet('alarm');
    const orders = workloads[0] as Workload;
    const alarmName = uniqueName('fa-runaway');
    const list = JSON.parse(env.WATCH_LIST as string);
    list.workloads[0].killSwitchAlarms = [alarmName];
    env = { ...env, WATCH_LIST: JSON.stringify(list) };
    const event = sampleEvent('sns/alarm-killswitch-alarm.json');
    const sent = event.Records[0].Sns;
    sent.Message = JSON.stringify({
      ...JSON.parse(sent.Message),
      AlarmName: alarmName,
      AlarmArn: `arn:aws:cloudwatch:us-east-1:${RUNBOOK_ACCOUNT}:alarm:${alarmName}`,
    });

    // Act
    const outcome = await invokeFunction({
      logicalId: 'FleetFunction',
      event,
      state,
      envVars: { FleetFunction: env },
    });

    // Assess
    expect(outcome.result).toMatchObject({ acted: true, action: 'disable', counts: { succeeded: 1 } });
    const after = await states(workloads);
    for (const [key, value] of Object.entries(after))
      expect([key, value]).toEqual([key, key.startsWith(`${orders.name}/`) ? 'DISABLED' : 'ENABLED']);
  });

  /** The first workload of a payments fleet with a Lambda DLQ holding `count` letters; its queue's depth. */
  async function fleetWithDlq(tag: string, count: number) {
    const workloads = await paymentsFleet(tag);
    const queue = uniqueName(`fa-${tag}-dlq`);
    const queueUrl = String((await sqs.send(new CreateQueueCommand({ QueueName: queue }))).QueueUrl);
    await fillQueue(
      sqs,
      queueUrl,
      Array.from({ length: count }, (_, i) => lambdaDeadLetter({ i }, { requestId: `fa-${tag}-${i}` })),
    );
    const list = JSON.parse(env.WATCH_LIST as string);
    list.workloads[0].dlqs = [{ queue, sources: [] }];
    env = { ...env, WATCH_LIST: JSON.stringify(list) };
    const depth = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages);
    };
    return { orders: workloads[0] as Workload, depth };
  }

  it('holds a fleet drain when a workload’s DLQ holds more than ApprovalDrainAbove, and drains it once approved', async () => {
    // Prepare: 3 letters (ApprovalDrainAbove is 2); drains are not held by policy
    const { orders, depth } = await fleetWithDlq('drain', 3);

    // Act
    const asked = await ask('drain', { workloads: [orders.name], tags: undefined });
    await vote(asked.body.approvalId, BOB);
    const approved = await vote(asked.body.approvalId, CAROL);
    const done = await carryQueued();

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(asked.body).toMatchObject({ action: 'fleet.drain', after: { messagesUpTo: 3 } });
    expect(asked.body.needs.join(' ')).toContain('above ApprovalDrainAbove (2)');
    expect(approved.statusCode, JSON.stringify(approved.body)).toBe(202);
    expect(done).toMatchObject({
      status: 'executed',
      result: { action: 'drain', counts: { succeeded: 1 }, approval: { approvedBy: [BOB, CAROL] } },
    });
    expect(await depth()).toBe(0);
  });

  it('holds a fleet drain whose DLQs are each within ApprovalDrainAbove but together above it, judging the total', async () => {
    // Prepare: two workloads' DLQs of 2 letters each (ApprovalDrainAbove is 2: neither alone needs approval)
    const workloads = await paymentsFleet('total');
    const list = JSON.parse(env.WATCH_LIST as string);
    for (const index of [0, 1]) {
      const queue = uniqueName(`fa-total-${index}`);
      const queueUrl = String((await sqs.send(new CreateQueueCommand({ QueueName: queue }))).QueueUrl);
      await fillQueue(
        sqs,
        queueUrl,
        [0, 1].map((i) => lambdaDeadLetter({ i }, { requestId: `fa-total-${index}-${i}` })),
      );
      list.workloads[index].dlqs = [{ queue, sources: [] }];
    }
    env = { ...env, WATCH_LIST: JSON.stringify(list) };
    const names = workloads.slice(0, 2).map((workload) => workload.name);

    // Act
    const asked = await ask('drain', { workloads: names, tags: undefined });
    await api(
      'ApprovalsFunction',
      'POST',
      `/approvals/${asked.body.approvalId}/reject`,
      undefined,
      ALICE,
      'POST /approvals/{id}/reject',
    );
    const one = await ask('drain', { workloads: names.slice(0, 1), tags: undefined });

    // Assess: the two together are held for their total; either alone is not held
    expect(asked.statusCode, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({ action: 'fleet.drain', after: { messagesUpTo: 4 } });
    expect(asked.body.needs).toEqual([
      'a fleet drain of up to 4 messages over 2 DLQ(s) is above ApprovalDrainAbove (2) in all',
    ]);
    expect(one.statusCode, JSON.stringify(one.body)).toBe(200);
    expect(one.body).toMatchObject({ action: 'drain', counts: { succeeded: 1 } });
  });

  it('holds a fleet drain during a freeze, even of one letter, and lets it through the freeze once approved; asked directly, the freeze refuses it', async () => {
    // Prepare: one letter (below ApprovalDrainAbove), a freeze in force
    const { orders, depth } = await fleetWithDlq('frozen', 1);
    env = { ...env, FREEZE_WINDOWS: FROZEN_NOW() };

    // Act
    const direct = await invokeFunction({
      logicalId: 'FleetFunction',
      event: { actor: 'cli:alice@laptop', action: 'drain', workloads: [orders.name], reason: REASON },
      state,
      envVars: { FleetFunction: env },
    });
    const asked = await ask('drain', { workloads: [orders.name], tags: undefined });
    await vote(asked.body.approvalId, BOB);
    await vote(asked.body.approvalId, CAROL);
    const done = await carryQueued();

    // Assess
    expect(direct.result).toMatchObject({ ok: true, counts: { failed: 1 } });
    expect(JSON.stringify(direct.result)).toContain('freeze');
    expect(asked.statusCode).toBe(202);
    expect(asked.body.needs.join(' ')).toContain('change freeze');
    expect(done).toMatchObject({ status: 'executed', result: { counts: { succeeded: 1 } } });
    expect(await depth()).toBe(0);
  });
});
