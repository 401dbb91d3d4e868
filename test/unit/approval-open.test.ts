// A request asked twice makes one pending request (issue 18): the key of "the same thing" (open.ts), the
// store's conditional claim of it and its freeing when the request is settled (store.ts, exact commands), and
// the gate's answer to a repeated ask (hold.ts): the open request, nothing recorded, nobody notified again.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

const conditionFailed = (Item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: {},
    ...(Item ? { Item: Item as never } : {}),
  });

const CLAIM = {
  TableName: 'audit',
  Item: {
    auditId: KEY,
    approvalId: ID,
    requester: ALICE,
    needs: state.needs,
    required: 2,
    deadline: state.deadline,
    openUntil: state.deadline,
    claimedAt: NOW.toISOString(),
    expiresAt: state.expiresAt,
  },
  ConditionExpression: 'attribute_not_exists(auditId) OR attribute_not_exists(openUntil) OR openUntil <= :at',
  ExpressionAttributeValues: { ':at': NOW.toISOString() },
  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
};

const freed = (status: string) => ({
  TableName: 'audit',
  Item: { auditId: KEY, approvalId: ID, closedAs: status, expiresAt: state.expiresAt },
  ConditionExpression: 'approvalId = :id',
  ExpressionAttributeValues: { ':id': ID },
});

describe('ApprovalStore: one open request per plan', () => {
  const store = new ApprovalStore(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'audit');
  const puts = () => dynamo.commandCalls(PutCommand).map((call) => call.args[0].input);

  beforeEach(() => dynamo.reset());

  it('claims the plan’s key first, unless another request holds it, then writes the state', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});

    // Act
    const holder = await store.create(state, NOW);

    // Assess
    expect(holder).toBeUndefined();
    expect(dynamo.calls()).toHaveLength(2);
    expect(puts()).toEqual([
      CLAIM,
      {
        TableName: 'audit',
        Item: { auditId: `approval#${ID}`, ...state },
        ConditionExpression: 'attribute_not_exists(auditId)',
      },
    ]);
  });

  it('answers the open request that holds the key, having written nothing', async () => {
    // Prepare: the key is held; DynamoDB hands its item back in its own attribute form
    dynamo.on(PutCommand, { Item: { auditId: KEY } }).rejects(
      conditionFailed({
        auditId: { S: KEY },
        approvalId: { S: 'first' },
        requester: { S: BOB },
        needs: { L: [{ S: 'a freeze' }] },
        required: { N: '2' },
        deadline: { S: '2026-11-22T03:20:00.000Z' },
        openUntil: { S: '2026-11-22T03:20:00.000Z' },
      }),
    );

    // Act
    const holder = await store.create(state, NOW);

    // Assess
    expect(holder).toEqual<OpenRequest>({
      approvalId: 'first',
      requester: BOB,
      needs: ['a freeze'],
      required: 2,
      deadline: '2026-11-22T03:20:00.000Z',
    });
    expect(puts()).toEqual([CLAIM]);
  });

  it('takes over a key claimed more than a minute ago whose request was never written: marks it, then a put conditional on its holder', async () => {
    // Prepare: the key names "lost", claimed 61 s ago; no approval#lost exists
    const claimed = new Date(NOW.getTime() - 61_000).toISOString();
    dynamo.on(PutCommand).resolves({});
    dynamo.on(PutCommand, { ConditionExpression: CLAIM.ConditionExpression }).rejects(
      conditionFailed({
        auditId: { S: KEY },
        approvalId: { S: 'lost' },
        requester: { S: BOB },
        needs: { L: [{ S: 'a freeze' }] },
        required: { N: '2' },
        deadline: { S: '2026-11-22T03:20:00.000Z' },
        openUntil: { S: '2026-11-22T03:20:00.000Z' },
        claimedAt: { S: claimed },
        expiresAt: { N: '1795402000' },
      }),
    );

    // Act
    const holder = await store.create(state, NOW);

    // Assess
    expect(holder).toBeUndefined();
    expect(puts().slice(1, 3)).toEqual([
      {
        TableName: 'audit',
        Item: {
          auditId: 'approval#lost',
          approvalId: 'lost',
          requester: BOB,
          needs: ['a freeze'],
          required: 2,
          deadline: '2026-11-22T03:20:00.000Z',
          status: 'failed',
          forAction: '',
          forTarget: '',
          votes: 0,
          approvers: {},
          neverWritten: expect.stringContaining('ended between claiming the plan and writing the request'),
          expiresAt: 1795402000,
        },
        ConditionExpression: 'attribute_not_exists(auditId) OR attribute_exists(neverWritten)',
      },
      {
        TableName: 'audit',
        Item: CLAIM.Item,
        ConditionExpression: 'approvalId = :from',
        ExpressionAttributeValues: { ':from': 'lost' },
      },
    ]);
    expect(puts()[3]).toMatchObject({ Item: { auditId: `approval#${ID}` } });
  });

  it('frees the key again when the state cannot be written, and throws', async () => {
    // Prepare
    const error = Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(PutCommand, { Item: { auditId: `approval#${ID}` } }).rejects(error);

    // Act / Assess
    await expect(store.create(state, NOW)).rejects.toBe(error);
    expect(puts()[2]).toEqual(freed('failed'));
  });

  it('writes a request without an open key as before: one conditional put', async () => {
    // Prepare
    dynamo.on(PutCommand).resolves({});
    const { openKey: _key, ...plain } = state;

    // Act
    await store.create(plain, NOW);

    // Assess
    expect(puts()).toEqual([
      {
        TableName: 'audit',
        Item: { auditId: `approval#${ID}`, ...plain },
        ConditionExpression: 'attribute_not_exists(auditId)',
      },
    ]);
  });

  it.each(['executed', 'rejected', 'stale', 'failed'] as const)(
    'frees the key when the request is %s, if this request still holds it',
    async (to) => {
      // Prepare
      const from = to === 'rejected' ? 'pending' : 'approved';
      dynamo.on(UpdateCommand).resolves({ Attributes: { auditId: `approval#${ID}`, ...state, status: to } });
      dynamo.on(PutCommand).resolves({});

      // Act
      const settled = await store.settle(ID, from, to);

      // Assess
      expect(settled?.status).toBe(to);
      expect(dynamo.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
        Key: { auditId: `approval#${ID}` },
        ConditionExpression: '#status = :from',
      });
      expect(puts()).toEqual([freed(to)]);
    },
  );

  it('keeps the key while the approved plan is being carried out, and when the settle lost its race', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .resolvesOnce({ Attributes: { auditId: `approval#${ID}`, ...state, status: 'approved' } })
      .rejectsOnce(conditionFailed());

    // Act
    await store.settle(ID, 'pending', 'approved');
    const lost = await store.settle(ID, 'approved', 'executed');

    // Assess
    expect(lost).toBeUndefined();
    expect(dynamo.commandCalls(UpdateCommand)).toHaveLength(2);
    expect(puts()).toEqual([]);
  });

  it('does not fail a settled request when a newer one holds its key, or the key cannot be freed', async () => {
    // Prepare
    dynamo
      .on(UpdateCommand)
      .resolves({ Attributes: { auditId: `approval#${ID}`, ...state, status: 'rejected' } });
    dynamo.on(PutCommand).rejectsOnce(conditionFailed()).rejectsOnce(new Error('network'));

    // Act
    const first = await store.settle(ID, 'pending', 'rejected');
    const second = await store.settle(ID, 'pending', 'rejected');

    // Assess
    expect([first?.status, second?.status]).toEqual(['rejected', 'rejected']);
    expect(puts()).toHaveLength(2);
  });
});

describe('holdForApproval asked twice', () => {
  interface Plan {
    origin: Origin;
    auditId: string;
    request: Record<string, never>;
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
      auditId: 'second',
      request: {},
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
      auditId: 'second',
      request: {},
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
      approve: 'runbook approve first',
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
      approve: 'runbook approve first',
      reject: 'runbook reject first',
    });

    // Assess
    expect(text.split('\n')[0]).toBe(
      `Already pending: nothing changed, nothing new recorded. dlq.drain on queue:orders-dlq was asked for by ${ALICE}; it needs 2 approval(s) from principals other than them, by 2026-11-22T03:20:00.000Z.`,
    );
    expect(text).toContain('approve:     runbook approve first');
  });
});
