// The emulator's stand-in for Lambda's SQS event source mappings (local/emulator/event-sources.ts), against a
// stack provisioned from template.yaml: it finds the template's SQS events on the stack's queues, delivers a
// queued approved run to ApprovalsFunction's real handler so that the run is really carried out, deletes a
// message only when the handler answered, and leaves one whose handler threw on the queue, as Lambda does.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetScheduleCommand, ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOne, pollSources, queueSources } from '../../local/emulator/event-sources.js';
import { type EmulatorState, provisionStack } from '../../local/emulator/provision.js';
import { ApprovalStore } from '../../shared/approval/store.js';
import { invokeApi } from '../support/api-event.js';
import { uniqueName } from '../support/names.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/Lead/carol';

const sqs = new SQSClient({});
const scheduler = new SchedulerClient({});

describe('the emulator’s SQS event source mappings', { timeout: 120_000 }, () => {
  let state: EmulatorState;
  let approvals: ApprovalStore;

  beforeAll(async () => {
    // Every kill switch disable waits for approval here (the deployment's ApprovalFor).
    state = await provisionStack({
      endpoint: String(process.env.AWS_ENDPOINT_URL),
      stackName: uniqueName('event-sources'),
      parameters: { ApprovalFor: 'schedules.disable' },
    });
    approvals = new ApprovalStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      String(state.resources.AuditTable?.ref),
    );
  });

  afterAll(() => {
    sqs.destroy();
    scheduler.destroy();
  });

  const inFlight = async (logicalId: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: String(state.resources[logicalId]?.ref),
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(Attributes?.ApproximateNumberOfMessages),
      invisible: Number(Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  };

  it('finds each SQS event of the template’s functions on the stack’s queue, with the function’s timeout', () => {
    // Act
    const sources = queueSources(state).map(({ logicalId, event, queueUrl, timeoutSeconds }) => ({
      logicalId,
      event,
      queueUrl,
      timeoutSeconds,
    }));

    // Assess
    expect(sources).toEqual([
      {
        logicalId: 'FleetFunction',
        event: 'Continuation',
        queueUrl: state.resources.FleetContinuationQueue?.ref,
        timeoutSeconds: 900,
      },
      {
        logicalId: 'ApprovalsFunction',
        event: 'ApprovedRun',
        queueUrl: state.resources.ApprovedRunQueue?.ref,
        timeoutSeconds: 900,
      },
    ]);
  });

  it('carries out an approved kill switch while it polls: the schedules are disabled and the message is gone', async () => {
    // Prepare: asked by alice, approved by bob and carol (the last vote queues the run)
    const group = String(state.resources.WorkloadScheduleGroup?.ref);
    const api = (
      logicalId: string,
      path: string,
      body: Record<string, unknown> | undefined,
      who: string,
      key?: string,
    ) => invokeApi(state, logicalId, { method: 'POST', path, body, principal: who, routeKey: key });
    const asked = await api(
      'KillSwitchFunction',
      '/schedules/disable',
      { group, all: true, reason: 'runaway orders' },
      ALICE,
    );
    const id = String(asked.body.approvalId);
    await api(
      'ApprovalsFunction',
      `/approvals/${id}/approve`,
      undefined,
      BOB,
      'POST /approvals/{id}/approve',
    );
    const last = await api(
      'ApprovalsFunction',
      `/approvals/${id}/approve`,
      undefined,
      CAROL,
      'POST /approvals/{id}/approve',
    );
    const deliveries: string[] = [];

    // Act: the stand-in polls until the request is settled (handlers run one at a time, in this process)
    const polling = pollSources({
      sqs,
      sources: queueSources(state),
      stateOf: () => state,
      idleMs: 100,
      onDelivery: (source, delivery) => deliveries.push(`${source.logicalId} ${delivery.deleted}`),
    });
    let status = '';
    for (
      const until = Date.now() + 60_000;
      Date.now() < until && !['executed', 'failed', 'stale'].includes(status);
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = (await approvals.get(id)).status;
    }
    await polling.stop();

    // Assess
    expect(asked.statusCode).toBe(202);
    expect(last.statusCode).toBe(202);
    expect(status).toBe('executed');
    expect(deliveries).toEqual(['ApprovalsFunction true']);
    expect(await inFlight('ApprovedRunQueue')).toEqual({ visible: 0, invisible: 0 });
    const { Schedules = [] } = await scheduler.send(new ListSchedulesCommand({ GroupName: group }));
    for (const { Name } of Schedules)
      expect((await scheduler.send(new GetScheduleCommand({ GroupName: group, Name }))).State).toBe(
        'DISABLED',
      );
  });

  it('deletes a message whose handler answered, and leaves on the queue one whose handler threw', async () => {
    // Prepare
    const [, approvedRun] = queueSources(state);
    const queueUrl = String(approvedRun?.queueUrl);
    const send = (approvalId: string) =>
      sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ approvalId }) }));

    // Act: a message naming no request (answered: nothing to do); one whose handler cannot reach its table
    await send('20261122T154501123Z-3fa9c2d1');
    const answered = await deliverOne(sqs, approvedRun as NonNullable<typeof approvedRun>, state);
    await send('20261122T154501123Z-3fa9c2d2');
    const threw = await deliverOne(sqs, approvedRun as NonNullable<typeof approvedRun>, state, {
      envVars: { ApprovalsFunction: { AUDIT_TABLE: uniqueName('no-such-table') } },
    });

    // Assess
    expect(answered).toMatchObject({ deleted: true, outcome: { result: { ok: true, acted: false } } });
    expect(threw).toMatchObject({ deleted: false });
    expect(threw?.error).toBeDefined();
    // Kept, invisible for the function's timeout, as Lambda keeps a failed batch
    expect(await inFlight('ApprovedRunQueue')).toEqual({ visible: 0, invisible: 1 });
  });
});
