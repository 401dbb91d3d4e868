// The approval gate's decisions (shared/approval/hold.ts) with fakes: which plans go on, which are held, which
// are refused — nothing is written unless a plan is held.
import { describe, expect, it } from 'vitest';
import { type ApprovalDeps, type Governed, holdForApproval } from '../../shared/approval/hold.js';
import type { ApprovalState } from '../../shared/approval/store.js';
import type { AuditEntry } from '../../shared/audit.js';
import { ForbiddenError } from '../../shared/errors.js';
import type { Origin } from '../../shared/origin.js';

interface Plan {
  origin: Origin;
  auditId: string;
  depth: number;
  request: { breakGlass?: { reason: string } };
}

const governed: Governed<Plan> = {
  action: 'dlq.drain',
  route: 'POST /dlq/drain',
  needs: (plan, policy) =>
    plan.depth > policy.drainAbove ? [`${plan.depth} above ${policy.drainAbove}`] : [],
  describe: (plan) => ({
    action: 'dlq.drain',
    reason: 'replay',
    target: 'queue:orders-dlq',
    request: { queue: 'orders-dlq' },
    before: { approximateMessages: plan.depth },
    after: { approximateMessages: 0 },
  }),
};

const plan = (origin: Origin, depth: number, breakGlass?: { reason: string }): Plan => ({
  origin,
  auditId: '20261122T030000000Z-3fa9c2d1',
  depth,
  request: breakGlass ? { breakGlass } : {},
});

function fakes() {
  const created: ApprovalState[] = [];
  const recorded: AuditEntry[] = [];
  const deps = {
    approvals: { create: async (state: ApprovalState) => void created.push(state) },
    policy: { actions: new Set(), required: 2, ttlMinutes: 30, drainAbove: 2 },
    ledger: {
      record: async (entry: AuditEntry) => {
        recorded.push(entry);
        return { ...entry, auditId: 'x', at: '', expiresAt: 0, notified: true };
      },
    },
    now: () => new Date('2026-11-22T03:00:00.000Z'),
  } as unknown as ApprovalDeps;
  return { deps, created, recorded };
}

const api: Origin = { door: 'api', actor: 'arn:aws:sts::1:assumed-role/OnCall/alice', correlationId: 'c' };

describe('holdForApproval', () => {
  it('lets a plan that needs nothing go on, writing nothing', async () => {
    const { deps, created, recorded } = fakes();
    expect(await holdForApproval(governed, deps, plan(api, 2))).toBeUndefined();
    expect([created, recorded]).toEqual([[], []]);
  });

  it('holds an API request that needs approval: the state, then the pending record with its plan', async () => {
    const { deps, created, recorded } = fakes();
    const held = await holdForApproval(governed, deps, plan(api, 3));
    expect(held).toMatchObject({ held: true, status: 'pending', required: 2, needs: ['3 above 2'] });
    expect(held?.expiresAt).toBe('2026-11-22T03:30:00.000Z');
    expect(created).toMatchObject([{ status: 'pending', requester: api.actor, votes: 0 }]);
    expect(recorded).toMatchObject([{ outcome: 'pending', before: { approximateMessages: 3 } }]);
  });

  it('refuses a direct invocation that needs approval (403 naming the route): its actor is only a claim', async () => {
    const { deps, created } = fakes();
    const direct = { ...api, door: 'direct' as const, actor: 'claimed:cli:alice@host' };
    await expect(holdForApproval(governed, deps, plan(direct, 3))).rejects.toThrow(ForbiddenError);
    await expect(holdForApproval(governed, deps, plan(direct, 3))).rejects.toThrow(/POST \/dlq\/drain/);
    expect(created).toEqual([]);
  });

  it('lets a listed alarm act without waiting, and break-glass act alone', async () => {
    const { deps, created } = fakes();
    const alarm = { ...api, door: 'alarm' as const, actor: 'alarm:runaway' };
    expect(await holdForApproval(governed, deps, plan(alarm, 3))).toBeUndefined();
    const glass = plan(api, 3, { reason: 'orders failing now' });
    expect(await holdForApproval(governed, deps, glass)).toBeUndefined();
    expect(created).toEqual([]);
  });

  it('lets an approved plan go on when the estate reads as it did, and re-plans it when not', async () => {
    const { deps, created } = fakes();
    const approval = { approvalId: 'old', approvedBy: ['bob', 'carol'], before: { approximateMessages: 3 } };
    const approved = { ...api, approval };
    expect(await holdForApproval(governed, deps, plan(approved, 3))).toBeUndefined();
    const stale = await holdForApproval(governed, deps, plan(approved, 4));
    expect(stale).toMatchObject({ held: true, replans: 'old', before: { approximateMessages: 4 } });
    expect(created).toMatchObject([{ requester: api.actor, status: 'pending' }]);
  });
});
