// The vote logic of functions/approvals/approve.ts with an atomic in-memory store: concurrent votes all count
// and exactly one carries the plan out. (Against moto the same race cannot be tested: its conditional
// UpdateItem is not atomic under its threaded server — README, "moto's gaps"; the store's conditions are tested
// there one call at a time, in test/integration/approvals.test.ts.)
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type ApprovalsDeps, approve, reject } from '../../functions/approvals/approve.js';
import { approvedRunSender, CARRIED_OUT_LATER, runApproved } from '../../functions/approvals/later.js';
import type { ApprovalStatus } from '../../shared/approval/decide.js';
import type { ApprovalState } from '../../shared/approval/store.js';
import type { AuditEntry, AuditRecord } from '../../shared/audit.js';
import { NotFoundError } from '../../shared/errors.js';
import { HTTP_STATUS } from '../../shared/middleware/doors.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const CAROL = 'arn:aws:sts::123456789012:assumed-role/OnCall/carol';
const ID = '20261122T030000000Z-3fa9c2d1';

/** One item, each update checked and applied in one step after a yield, as DynamoDB applies a conditional one. */
function atomicStore(initial: ApprovalState) {
  let state = structuredClone(initial);
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  return {
    async get(approvalId: string) {
      await tick();
      if (approvalId !== state.approvalId) throw new NotFoundError(`no approval request ${approvalId}`, 'id');
      return structuredClone(state);
    },
    async approve(_: string, principal: string, vote: { at: string; reason?: string }) {
      await tick();
      const ok =
        state.status === 'pending' &&
        state.deadline > vote.at &&
        state.requester !== principal &&
        !(principal in state.approvers);
      if (!ok) return undefined;
      state = { ...state, approvers: { ...state.approvers, [principal]: vote }, votes: state.votes + 1 };
      return structuredClone(state);
    },
    async settle(_: string, from: ApprovalStatus, to: ApprovalStatus, extra: Record<string, string> = {}) {
      await tick();
      if (state.status !== from) return undefined;
      state = { ...state, ...extra, status: to };
      return structuredClone(state);
    },
    now: () => state,
  };
}

const pending: ApprovalState = {
  approvalId: ID,
  status: 'pending',
  forAction: 'dlq.drain',
  forTarget: 'queue:orders-dlq',
  requester: ALICE,
  required: 2,
  needs: ['a drain of up to 3 messages is above ApprovalDrainAbove (2)'],
  deadline: '2999-01-01T00:00:00.000Z',
  votes: 0,
  approvers: {},
  expiresAt: 0,
};

function deps(
  store: ReturnType<typeof atomicStore>,
  runs: unknown[],
  records: AuditEntry[] = [],
): ApprovalsDeps {
  return {
    approvals: store,
    ledger: {
      record: async (entry: AuditEntry) => {
        records.push(entry);
        return { ...entry, auditId: 'vote', at: '', expiresAt: 0, notified: false };
      },
      get: async () =>
        ({
          auditId: ID,
          request: { queue: 'orders-dlq' },
          before: { approximateMessages: 3 },
        }) as AuditRecord,
    },
    now: () => new Date('2026-11-22T03:05:00.000Z'),
    executors: {
      'dlq.drain': async (request) => {
        runs.push(request);
        return { auditId: '20261122T030600000Z-00000001', redriven: 3 };
      },
    },
  };
}

describe('approve', () => {
  it('records a vote given without a reason as "approved ID" or "rejected ID"', async () => {
    // Prepare
    const records: AuditEntry[] = [];

    // Act
    await approve(deps(atomicStore(pending), [], records), ID, { principal: BOB, correlationId: 'b' });
    await reject(deps(atomicStore(pending), [], records), ID, { principal: CAROL, correlationId: 'c' });

    // Assess
    expect(records.map((record) => [record.action, record.reason])).toEqual([
      ['approval.approve', `approved ${ID}`],
      ['approval.reject', `rejected ${ID}`],
    ]);
  });

  it('counts both of two approvals that arrive together, and carries the plan out once', async () => {
    // Prepare
    const store = atomicStore(pending);
    const runs: unknown[] = [];

    // Act
    const answers = await Promise.all([
      approve(deps(store, runs), ID, { principal: BOB, correlationId: 'b' }),
      approve(deps(store, runs), ID, { principal: CAROL, correlationId: 'c' }),
    ]);

    // Assess
    expect(runs).toEqual([{ queue: 'orders-dlq' }]);
    expect(answers.filter((answer) => 'result' in answer)).toHaveLength(1);
    expect(store.now()).toMatchObject({ status: 'executed', votes: 2 });
    expect(Object.keys(store.now().approvers).sort()).toEqual([BOB, CAROL]);
  });

  it('carries the plan out as the requester, naming the approvers and what the approved plan read', async () => {
    // Prepare
    const store = atomicStore({ ...pending, required: 1 });
    const origins: unknown[] = [];
    const base = deps(store, []);
    const withOrigin: ApprovalsDeps = {
      ...base,
      executors: {
        'dlq.drain': async (_request, origin) => {
          origins.push(origin);
          return { auditId: '20261122T030600000Z-00000001' };
        },
      },
    };

    // Act
    await approve(withOrigin, ID, { principal: BOB, correlationId: 'b' });

    // Assess
    expect(origins).toEqual([
      {
        door: 'api',
        actor: ALICE,
        correlationId: 'b',
        approval: { approvalId: ID, approvedBy: [BOB], before: { approximateMessages: 3 } },
      },
    ]);
  });
});

describe('an approval carried out off the API call (functions/approvals/later.ts)', () => {
  const sqs = mockClient(SQSClient);
  const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/stack-ApprovedRunQueue';
  const fleetDisable: ApprovalState = { ...pending, forAction: 'fleet.disable', forTarget: 'fleet' };

  beforeEach(() => {
    sqs.reset();
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  });

  const laterDeps = (store: ReturnType<typeof atomicStore>, runs: unknown[]): ApprovalsDeps => ({
    ...deps(store, runs),
    later: { actions: CARRIED_OUT_LATER, send: approvedRunSender(new SQSClient({}), QUEUE) },
  });

  it('queues exactly one message naming the approval, and nothing else, when the vote reaches quorum; carries nothing out; answers 202 approved', async () => {
    // Prepare
    const store = atomicStore(fleetDisable);
    const runs: unknown[] = [];

    // Act
    const first = await approve(laterDeps(store, runs), ID, { principal: BOB, correlationId: 'b' });
    const sentAfterFirst = sqs.commandCalls(SendMessageCommand).length;
    const second = await approve(laterDeps(store, runs), ID, { principal: CAROL, correlationId: 'c' });

    // Assess
    expect(sentAfterFirst).toBe(0);
    expect(first).toMatchObject({ status: 'pending' });
    expect(sqs.calls()).toHaveLength(1);
    expect(sqs.commandCalls(SendMessageCommand)[0]?.args[0].input).toEqual({
      QueueUrl: QUEUE,
      MessageBody: JSON.stringify({ approvalId: ID }),
    });
    expect(second).toMatchObject({ status: 'approved', carrying: true, follow: `runbook approval ${ID}` });
    expect((second as Record<symbol, unknown>)[HTTP_STATUS]).toBe(202);
    expect(runs).toEqual([]);
    expect(store.now()).toMatchObject({ status: 'approved', votes: 2 });
  });

  it('fails the request, saying why, when its run cannot be queued (never approved and waiting for nothing)', async () => {
    // Prepare
    sqs.on(SendMessageCommand).rejects(new Error('AccessDenied'));
    const store = atomicStore({ ...fleetDisable, required: 1 });

    // Act
    const voting = approve(laterDeps(store, []), ID, { principal: BOB, correlationId: 'b' });

    // Assess
    await expect(voting).rejects.toThrow(/could not be queued/);
    expect(store.now()).toMatchObject({ status: 'failed', error: expect.stringContaining('AccessDenied') });
  });

  it('refuses the vote before counting it when the deployment has no approved-run queue', async () => {
    // Prepare
    const store = atomicStore(fleetDisable);
    const noQueue: ApprovalsDeps = { ...deps(store, []), later: { actions: CARRIED_OUT_LATER } };

    // Act
    const voting = approve(noQueue, ID, { principal: BOB, correlationId: 'b' });

    // Assess
    await expect(voting).rejects.toThrow(/APPROVED_RUN_QUEUE_URL/);
    expect(store.now()).toMatchObject({ status: 'pending', votes: 0 });
    expect(sqs.calls()).toHaveLength(0);
  });

  it('claims an approved request once: of two deliveries of its message, one carries it out', async () => {
    // Prepare
    const store = atomicStore({
      ...fleetDisable,
      status: 'approved',
      votes: 2,
      approvers: { [BOB]: { at: '2026-11-22T03:04:00.000Z' }, [CAROL]: { at: '2026-11-22T03:05:00.000Z' } },
    } as ApprovalState);
    const runs: unknown[] = [];
    const base = deps(store, runs);
    const consumer = {
      ...base,
      executors: {
        'fleet.disable': base.executors['dlq.drain'] as NonNullable<ApprovalsDeps['executors'][string]>,
      },
      logger: { info: () => undefined, warn: () => undefined },
    };

    // Act
    const answers = await Promise.all([
      runApproved(consumer, { approvalId: ID }, 'm-1'),
      runApproved(consumer, { approvalId: ID }, 'm-1'),
    ]);

    // Assess
    expect(runs).toHaveLength(1);
    expect(answers.filter((answer) => (answer as { acted: boolean }).acted)).toHaveLength(1);
    expect(store.now()).toMatchObject({ status: 'executed', resultAuditId: '20261122T030600000Z-00000001' });
  });
});

describe('an approved run whose own record says it failed', () => {
  it('settles the request failed, not executed, naming the record (and still keeps its answer)', async () => {
    // Prepare: the fleet run changed no workload (its record: failed) and queued no continuation
    const RUN = '20261122T030600000Z-00000009';
    const store = atomicStore({
      ...pending,
      forAction: 'fleet.disable',
      status: 'approved',
      votes: 2,
      approvers: { [BOB]: { at: '2026-11-22T03:04:00.000Z' }, [CAROL]: { at: '2026-11-22T03:05:00.000Z' } },
    });
    const base = deps(store, []);
    const consumer = {
      ...base,
      ledger: {
        ...base.ledger,
        get: async (id: string) =>
          (id === RUN ? { auditId: RUN, outcome: 'failed' } : await base.ledger.get(id)) as AuditRecord,
      },
      executors: { 'fleet.disable': async () => ({ auditId: RUN, counts: { failed: 1 } }) },
      logger: { info: () => undefined, warn: () => undefined },
    };

    // Act
    const answer = await runApproved(consumer, { approvalId: ID }, 'm-1');

    // Assess
    expect(answer).toMatchObject({ acted: true, status: 'failed', result: { auditId: RUN } });
    expect(store.now()).toMatchObject({
      status: 'failed',
      resultAuditId: RUN,
      error: expect.stringContaining(`its record ${RUN}`),
    });
  });
});
