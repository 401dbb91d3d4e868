// The vote logic of functions/approvals/approve.ts with an atomic in-memory store: concurrent votes all count
// and exactly one carries the plan out. (Against moto the same race cannot be tested: its conditional
// UpdateItem is not atomic under its threaded server — README, "moto's gaps"; the store's conditions are tested
// there one call at a time, in test/integration/approvals.test.ts.)
import { describe, expect, it } from 'vitest';
import { type ApprovalsDeps, approve } from '../../functions/approvals/approve.js';
import type { ApprovalStatus } from '../../shared/approval/decide.js';
import type { ApprovalState } from '../../shared/approval/store.js';
import type { AuditEntry, AuditRecord } from '../../shared/audit.js';
import { NotFoundError } from '../../shared/errors.js';

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

function deps(store: ReturnType<typeof atomicStore>, runs: unknown[]): ApprovalsDeps {
  const records: AuditEntry[] = [];
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
