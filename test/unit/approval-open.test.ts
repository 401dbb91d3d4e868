// A request asked twice makes one pending request (issue 18): the key of "the same thing" (open.ts), the
// store's conditional claim of it and its release when the request is settled (store.ts, exact commands), and
// the gate's answer to a repeated ask (hold.ts): the open request, nothing recorded, nobody notified again.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { heldSummary } from '../../cli/render.js';
import { type ApprovalDeps, type Governed, holdForApproval } from '../../shared/approval/hold.js';
import { openKeyOf } from '../../shared/approval/open.js';
import { type ApprovalState, ApprovalStore, type OpenRequest } from '../../shared/approval/store.js';
import type { AuditEntry } from '../../shared/audit.js';
import type { Origin } from '../../shared/origin.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const ID = '20261122T030000000Z-3fa9c2d1';
const NOW = new Date('2026-11-22T03:00:00.000Z');

const drain = {
  target: 'queue:orders-dlq',
  request: { queue: 'orders-dlq', maxMessages: 1000, dryRun: false, reason: 'replay after fix' },
  before: { queueUrl: 'https://sqs/123456789012/orders-dlq', approximateMessages: 3 },
};

describe('openKeyOf: the same thing', () => {
  it('is the same for the same action, target, request and plan, whatever the reason or the key order', () => {
    const reworded = { ...drain, request: { ...drain.request, reason: 'orders stuck, replay them' } };
    const reordered = {
      before: { approximateMessages: 3, queueUrl: drain.before.queueUrl },
      request: { reason: 'x', dryRun: false, maxMessages: 1000, queue: 'orders-dlq' },
      target: drain.target,
    };
    const key = openKeyOf('dlq.drain', drain);
    expect(key).toMatch(/^approval-open#[0-9a-f]{64}$/);
    expect(openKeyOf('dlq.drain', reworded)).toBe(key);
    expect(openKeyOf('dlq.drain', reordered)).toBe(key);
  });

  it.each([
    ['another action', 'schedules.disable', drain],
    ['another target', 'dlq.drain', { ...drain, target: 'queue:payments-dlq' }],
    [
      'another request (what would be carried out)',
      'dlq.drain',
      { ...drain, request: { ...drain.request, maxMessages: 10 } },
    ],
    [
      'another plan (the estate changed)',
      'dlq.drain',
      { ...drain, before: { ...drain.before, approximateMessages: 4 } },
    ],
  ])('differs for %s', (_, action, described) => {
    expect(openKeyOf(action, described)).not.toBe(openKeyOf('dlq.drain', drain));
  });
});

const dynamo = mockClient(DynamoDBDocumentClient);
const KEY = openKeyOf('dlq.drain', drain);
const state: ApprovalState = {
  approvalId: ID,
  status: 'pending',
  forAction: 'dlq.drain',
  forTarget: 'queue:orders-dlq',
  requester: ALICE,
  required: 2,
  needs: ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
  deadline: '2026-11-22T03:30:00.000Z',
  votes: 0,
  approvers: {},
  expiresAt: 1_795_402_800,
  openKey: KEY,
};

const cancelled = (reasons: unknown[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: reasons as never,
  });

describe('ApprovalStore: one open request per plan', () => {
  const store = new ApprovalStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'audit');

  beforeEach(() => dynamo.reset());

  it('writes the state and claims the plan’s key in one transaction, unless another request holds it', async () => {
    // Prepare
    dynamo.on(TransactWriteCommand).resolves({});

    // Act
    const existing = await store.create(state, NOW);

    // Assess
    expect(existing).toBeUndefined();
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo.commandCalls(TransactWriteCommand)[0]?.args[0].input).toEqual({
      TransactItems: [
        {
          Put: {
            TableName: 'audit',
            Item: { auditId: `approval#${ID}`, ...state },
            ConditionExpression: 'attribute_not_exists(auditId)',
          },
        },
        {
          Put: {
            TableName: 'audit',
            Item: {
              auditId: KEY,
              approvalId: ID,
              requester: ALICE,
              needs: state.needs,
              required: 2,
              deadline: state.deadline,
              openUntil: state.deadline,
              expiresAt: state.expiresAt,
            },
            ConditionExpression:
              'attribute_not_exists(auditId) OR attribute_not_exists(openUntil) OR openUntil <= :at',
            ExpressionAttributeValues: { ':at': NOW.toISOString() },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
      ],
    });
  });

  it('answers the open request the key names when the claim fails, having written nothing', async () => {
    // Prepare: the key is held; DynamoDB hands its item back in its own attribute form
    dynamo.on(TransactWriteCommand).rejects(
      cancelled([
        { Code: 'None' },
        {
          Code: 'ConditionalCheckFailed',
          Item: {
            auditId: { S: KEY },
            approvalId: { S: 'first' },
            requester: { S: BOB },
            needs: { L: [{ S: 'a freeze' }] },
            required: { N: '2' },
            deadline: { S: '2026-11-22T03:20:00.000Z' },
            openUntil: { S: '2026-11-22T03:20:00.000Z' },
          },
        },
      ]),
    );

    // Act
    const existing = await store.create({ ...state, requester: ALICE }, NOW);

    // Assess
    expect(existing).toEqual<OpenRequest>({
      approvalId: 'first',
      requester: BOB,
      needs: ['a freeze'],
      required: 2,
      deadline: '2026-11-22T03:20:00.000Z',
    });
    expect(dynamo.calls()).toHaveLength(1);
  });

  it('throws any other cancellation (the state’s own key taken)', async () => {
    // Prepare
    const error = cancelled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    dynamo.on(TransactWriteCommand).rejects(error);

    // Act / Assess
    await expect(store.create(state, NOW)).rejects.toBe(error);
  });

  it('writes a request without an open key as before: one conditional put', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const { openKey: _key, ...plain } = state;

    // Act
    await store.create(plain, NOW);

    // Assess
    expect(dynamo.calls()).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
      TableName: 'audit',
      Item: { auditId: `approval#${ID}`, ...plain },
      ConditionExpression: 'attribute_not_exists(auditId)',
    });
  });

  it.each(['executed', 'rejected', 'stale', 'failed'] as const)(
    'frees the key when the request is %s, if this request still holds it',
    async (to) => {
      // Prepare
      const from = to === 'rejected' ? 'pending' : 'approved';
      dynamo
        .on(UpdateCommand)
        .resolvesOnce({ Attributes: { auditId: `approval#${ID}`, ...state, status: to } });
      dynamo.on(UpdateCommand, { Key: { auditId: KEY } }).resolves({});

      // Act
      const settled = await store.settle(ID, from, to);

      // Assess
      expect(settled?.status).toBe(to);
      const updates = dynamo.commandCalls(UpdateCommand).map((call) => call.args[0].input);
      expect(updates).toHaveLength(2);
      expect(updates[0]).toMatchObject({
        Key: { auditId: `approval#${ID}` },
        ConditionExpression: '#status = :from',
      });
      expect(updates[1]).toEqual({
        TableName: 'audit',
        Key: { auditId: KEY },
        UpdateExpression: 'REMOVE openUntil SET closedAs = :status',
        ConditionExpression: 'approvalId = :id',
        ExpressionAttributeValues: { ':status': to, ':id': ID },
      });
    },
  );

  it('keeps the key while the approved plan is being carried out, and when the settle lost its race', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { auditId: `approval#${ID}`, ...state, status: 'approved' } })
      .rejectsOnce(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }));

    // Act
    await store.settle(ID, 'pending', 'approved');
    const lost = await store.settle(ID, 'approved', 'executed');

    // Assess
    expect(lost).toBeUndefined();
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(
      dynamo
        .commandCalls(UpdateCommand)
        .every((call) => call.args[0].input.Key?.auditId === `approval#${ID}`),
    ).toBe(true);
  });

  it('does not fail a settled request when its key was taken by a newer one meanwhile', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { auditId: `approval#${ID}`, ...state, status: 'rejected' } })
      .rejectsOnce(Object.assign(new Error('no'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const settled = await store.settle(ID, 'pending', 'rejected');

    // Assess
    expect(settled?.status).toBe('rejected');
  });
});

describe('holdForApproval asked twice', () => {
  interface Plan {
    origin: Origin;
  }
  const governed: Governed<Plan> = {
    action: 'dlq.drain',
    route: 'POST /dlq/drain',
    needs: () => ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
    describe: () => ({
      action: 'dlq.drain',
      reason: 'replay after fix',
      ...drain,
      after: { approximateMessages: 0 },
    }),
    origin: (plan) => plan.origin,
    auditId: () => 'second',
    breakGlass: () => undefined,
  };

  function fakes(open: OpenRequest | undefined) {
    const created: ApprovalState[] = [];
    const recorded: AuditEntry[] = [];
    const deps = {
      approvals: {
        create: async (asked: ApprovalState) => {
          created.push(asked);
          return open;
        },
      },
      policy: { actions: new Set(), required: 2, ttlMinutes: 30, drainAbove: 2 },
      ledger: {
        record: async (entry: AuditEntry) => {
          recorded.push(entry);
          return { ...entry, auditId: 'x', at: '', expiresAt: 0, notified: true };
        },
      },
      now: () => NOW,
    } as unknown as ApprovalDeps;
    return { deps, created, recorded };
  }

  it('asks the store for the plan’s key and, when free, records and notifies the new request', async () => {
    // Prepare
    const { deps, created, recorded } = fakes(undefined);

    // Act
    const held = await holdForApproval(governed, deps, {
      origin: { door: 'api', actor: ALICE, correlationId: 'c' },
    });

    // Assess
    expect(created).toMatchObject([{ approvalId: 'second', openKey: KEY }]);
    expect(recorded).toHaveLength(1);
    expect(held).toMatchObject({ approvalId: 'second', notified: true });
    expect(held).not.toHaveProperty('existing');
  });

  it('answers the open request to a second principal: same id, existing, its requester, nothing recorded or notified', async () => {
    // Prepare
    const open = {
      approvalId: 'first',
      requester: ALICE,
      needs: ['n'],
      required: 2,
      deadline: '2026-11-22T03:20:00.000Z',
    };
    const { deps, recorded } = fakes(open);

    // Act
    const held = await holdForApproval(governed, deps, {
      origin: { door: 'api', actor: BOB, correlationId: 'c2' },
    });

    // Assess
    expect(held).toMatchObject({
      held: true,
      status: 'pending',
      approvalId: 'first',
      existing: true,
      requester: ALICE,
      needs: ['n'],
      required: 2,
      expiresAt: '2026-11-22T03:20:00.000Z',
      notified: false,
      before: drain.before,
      approve: 'runbook approve first --reason "…"',
      reject: 'runbook reject first',
    });
    expect(recorded).toEqual([]);
  });
});

describe('heldSummary (the CLI’s line for a held request)', () => {
  it('says a repeated ask found the request already pending, and whose it is', () => {
    // Act
    const text = heldSummary({
      held: true,
      existing: true,
      requester: ALICE,
      approvalId: 'first',
      action: 'dlq.drain',
      target: 'queue:orders-dlq',
      required: 2,
      expiresAt: '2026-11-22T03:20:00.000Z',
      needs: ['n'],
      approve: 'runbook approve first --reason "…"',
      reject: 'runbook reject first',
    });

    // Assess
    expect(text.split('\n')[0]).toBe(
      `Already pending: nothing changed, nothing new recorded. dlq.drain on queue:orders-dlq was asked for by ${ALICE}; it needs 2 approval(s) from principals other than them, by 2026-11-22T03:20:00.000Z.`,
    );
    expect(text).toContain('approve:     runbook approve first');
  });
});
