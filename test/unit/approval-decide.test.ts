// The pure decisions of an approval (shared/approval/decide.ts, policy.ts): who may approve, expiry, staleness,
// how many are enough, and which requests need approval at all.
import { describe, expect, it } from 'vitest';
import {
  enoughApprovals,
  isExpired,
  isStale,
  type VoteView,
  voteProblem,
} from '../../shared/approval/decide.js';
import { approvalPolicy } from '../../shared/approval/policy.js';
import { ConfigurationError } from '../../shared/errors.js';

const ALICE = 'arn:aws:sts::123456789012:assumed-role/OnCall/alice';
const BOB = 'arn:aws:sts::123456789012:assumed-role/OnCall/bob';
const NOW = new Date('2026-11-22T03:10:00.000Z');

const request = (fields: Partial<VoteView> = {}): VoteView => ({
  approvalId: '20261122T030000000Z-3fa9c2d1',
  status: 'pending',
  requester: ALICE,
  deadline: '2026-11-22T03:30:00.000Z',
  approvers: {},
  ...fields,
});

describe('who may approve', () => {
  it('refuses the requester with a 403: another principal must approve', () => {
    const problem = voteProblem(request(), ALICE, 'approve', NOW);
    expect(problem?.statusCode).toBe(403);
    expect(problem?.message).toContain('cannot approve it');
  });

  it('lets the requester withdraw (reject) their own request', () => {
    expect(voteProblem(request(), ALICE, 'reject', NOW)).toBeUndefined();
  });

  it('takes one approval per principal', () => {
    expect(voteProblem(request({ approvers: { [BOB]: {} } }), BOB, 'approve', NOW)?.statusCode).toBe(409);
    expect(voteProblem(request(), BOB, 'approve', NOW)).toBeUndefined();
  });

  it.each(['approved', 'executed', 'rejected', 'stale', 'failed'] as const)(
    'takes no vote on a %s request (409 naming id)',
    (status) => {
      const problem = voteProblem(request({ status }), BOB, 'approve', NOW);
      expect(problem).toMatchObject({ statusCode: 409, field: 'id' });
    },
  );

  it('points a vote on a stale request at the request that re-planned it', () => {
    const problem = voteProblem(
      request({ status: 'stale', replannedAs: '20261122T031000000Z-0000abcd' }),
      BOB,
      'approve',
      NOW,
    );
    expect(problem?.message).toContain('re-planned as 20261122T031000000Z-0000abcd');
  });
});

describe('expiry', () => {
  it('expires at the deadline, not a millisecond later', () => {
    expect(isExpired(request(), new Date('2026-11-22T03:29:59.999Z'))).toBe(false);
    expect(isExpired(request(), new Date('2026-11-22T03:30:00.000Z'))).toBe(true);
  });

  it('takes no vote, approve or reject, after the deadline', () => {
    const late = new Date('2026-11-22T03:31:00.000Z');
    expect(voteProblem(request(), BOB, 'approve', late)?.message).toContain('expired');
    expect(voteProblem(request(), BOB, 'reject', late)?.message).toContain('expired');
  });
});

describe('staleness', () => {
  it('is fresh when the new plan reads what the approved one read', () => {
    expect(
      isStale({ queueUrl: 'q', approximateMessages: 3 }, { approximateMessages: 3, queueUrl: 'q' }),
    ).toBe(false);
  });

  it('is stale when anything the plan read changed', () => {
    expect(
      isStale({ queueUrl: 'q', approximateMessages: 3 }, { queueUrl: 'q', approximateMessages: 4 }),
    ).toBe(true);
    expect(isStale({ schedules: ['a', 'b'] }, { schedules: ['a'] })).toBe(true);
  });

  it('compares as the ledger keeps it: an undefined field and a missing one are the same', () => {
    expect(isStale({ a: 1, b: undefined }, { a: 1 })).toBe(false);
  });
});

describe('enough approvals', () => {
  it('needs the required number of distinct principals other than the requester', () => {
    expect(enoughApprovals(request({ approvers: { [BOB]: {} } }), 2)).toBe(false);
    expect(enoughApprovals(request({ approvers: { [BOB]: {}, carol: {} } }), 2)).toBe(true);
    // A requester's vote (never accepted, but never counted either).
    expect(enoughApprovals(request({ approvers: { [BOB]: {}, [ALICE]: {} } }), 2)).toBe(false);
  });
});

describe('approval policy', () => {
  it('defaults to two approvers within 30 minutes, and in prod to the kill switch and an emergency revocation', () => {
    const prod = approvalPolicy({ RUNBOOK_ENV: 'prod' });
    expect(prod).toMatchObject({ required: 2, ttlMinutes: 30, drainAbove: 1000 });
    expect([...prod.actions].sort()).toEqual(['killswitch.throttle', 'schedules.disable', 'secret.revoke']);
    expect([...approvalPolicy({ RUNBOOK_ENV: 'dev' }).actions]).toEqual([]);
  });

  it('takes an explicit list, and none', () => {
    expect([...approvalPolicy({ APPROVAL_FOR: 'dlq.drain', RUNBOOK_ENV: 'prod' }).actions]).toEqual([
      'dlq.drain',
    ]);
    expect([...approvalPolicy({ APPROVAL_FOR: 'secret.revoke', RUNBOOK_ENV: 'dev' }).actions]).toEqual([
      'secret.revoke',
    ]);
    expect([...approvalPolicy({ APPROVAL_FOR: 'none', RUNBOOK_ENV: 'prod' }).actions]).toEqual([]);
  });

  it.each([
    [{ APPROVAL_FOR: 'rollback' }, 'APPROVAL_FOR'],
    [{ APPROVAL_FOR: 'secret.rotate' }, 'APPROVAL_FOR'],
    [{ APPROVALS_REQUIRED: '0' }, 'APPROVALS_REQUIRED'],
    [{ APPROVAL_TTL_MINUTES: 'soon' }, 'APPROVAL_TTL_MINUTES'],
  ])('refuses a bad setting naming it: %o', (env, name) => {
    expect(() => approvalPolicy(env)).toThrow(ConfigurationError);
    expect(() => approvalPolicy(env)).toThrow(name);
  });
});
