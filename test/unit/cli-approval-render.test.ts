// What a person reads of a request held for approval and of one carried out: the approve command works as
// printed (the door it was asked through), and an approval that carries the plan out shows what the action
// changed, before → after, and its undo, as the action's own command prints them.
import { describe, expect, it } from 'vitest';
import { approvalSummary } from '../../cli/approve.js';
import { asOnEmulator, heldThrough, type Transport, undoThrough } from '../../cli/transport.js';
import { StalePlanError, staleError } from '../../functions/approvals/approve.js';
import type { Held } from '../../shared/approval/hold.js';

const ID = '20261127T231501123Z-3fa9c2d1';
const held = {
  held: true,
  approvalId: ID,
  status: 'pending',
  action: 'dlq.drain',
  target: 'queue:orders-dlq',
  approve: `runbook approve ${ID}`,
  reject: `runbook reject ${ID}`,
};

/** An approval that carried its plan out: the ApprovalsFunction's answer, the action's own answer in `result`. */
const executed = (action: string, result: Record<string, unknown>) => ({
  approvalId: ID,
  status: 'executed',
  action,
  target: 'somewhere',
  requester: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
  required: 2,
  approvedBy: [
    'arn:aws:sts::123456789012:assumed-role/OnCall/bob',
    'arn:aws:sts::123456789012:assumed-role/OnCall/carol',
  ],
  expiresAt: '2026-11-28T00:15:01.123Z',
  resultAuditId: result.auditId,
  result,
});

describe('the approve command of a held request', () => {
  it.each<[string, Transport, string, string]>([
    [
      'asked as a person on the emulator: another person approves',
      { via: 'local', emulator: false, apiDoor: true, as: 'alice' },
      `runbook approve ${ID} --as NAME`,
      `runbook reject ${ID}`,
    ],
    [
      'asked through a stack: the same --stack',
      { via: 'api', stack: 'lambda-runbook-prod' },
      `runbook approve ${ID} --stack lambda-runbook-prod`,
      `runbook reject ${ID} --stack lambda-runbook-prod`,
    ],
    [
      'asked through an API URL: the same --api-url',
      { via: 'api', apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' },
      `runbook approve ${ID} --api-url https://abc.execute-api.eu-west-1.amazonaws.com`,
      `runbook reject ${ID} --api-url https://abc.execute-api.eu-west-1.amazonaws.com`,
    ],
    [
      'asked on the emulator without --as: as the function wrote it',
      { via: 'local', emulator: false },
      `runbook approve ${ID}`,
      `runbook reject ${ID}`,
    ],
  ])('%s', (_case, transport, approve, reject) => {
    // Act
    const answer = heldThrough(held, transport);

    // Assess
    expect(answer).toEqual({ ...held, approve, reject });
  });

  it('leaves an answer that is not held alone', () => {
    // Prepare
    const done = { ok: true, auditId: ID, approve: 'not a held answer' };

    // Act, Assess
    expect(heldThrough(done, { via: 'api', stack: 's' })).toBe(done);
  });
});

describe('the approve command a stale plan’s refusal names', () => {
  const REPLANNED = '20261127T232000000Z-77aa0b1c';
  /** What the ApprovalsFunction answers (409) when the approved plan went stale (functions/approvals/approve.ts). */
  const stale = () => {
    const error = staleError(ID, {
      ...held,
      approvalId: REPLANNED,
      approve: `runbook approve ${REPLANNED}`,
      reject: `runbook reject ${REPLANNED}`,
      required: 2,
    } as unknown as Held);
    return { ok: false, error: error.toBody() };
  };

  it.each<[string, Transport, string]>([
    [
      'approved as bob on the emulator: bob again (he is not the requester)',
      { via: 'local', emulator: false, apiDoor: true, as: 'bob' },
      `runbook approve ${REPLANNED} --as bob`,
    ],
    [
      'approved through a stack: the same --stack',
      { via: 'api', stack: 'lambda-runbook-prod' },
      `runbook approve ${REPLANNED} --stack lambda-runbook-prod`,
    ],
    [
      'approved through an API URL: the same --api-url',
      { via: 'api', apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com' },
      `runbook approve ${REPLANNED} --api-url https://abc.execute-api.eu-west-1.amazonaws.com`,
    ],
    [
      'approved on the emulator without --as: as the function wrote it',
      { via: 'local', emulator: false, apiDoor: true },
      `runbook approve ${REPLANNED}`,
    ],
  ])('%s', (_case, transport, approve) => {
    // Act
    const answer = heldThrough(stale(), transport) as { error: { approve: string; message: string } };
    const text = approvalSummary(answer);

    // Assess: the field, the message and what a person reads all name the command that works as printed
    expect(answer.error.approve).toBe(approve);
    expect(answer.error.message).toContain(
      `re-planned as ${REPLANNED}, which needs 2 approval(s) again (${approve})`,
    );
    expect(text).toBe(
      `refused: StalePlan: the estate changed since approval ${ID} was planned: it was not carried out; re-planned as ${REPLANNED}, which needs 2 approval(s) again (${approve}) (field id)`,
    );
  });

  it('leaves any other refusal alone', () => {
    // Prepare
    const refused = { ok: false, error: { code: 'Conflict', message: 'already approved', field: 'id' } };

    // Act, Assess
    expect(heldThrough(refused, { via: 'api', stack: 's' })).toBe(refused);
  });
});

describe('an approval that carried its plan out', () => {
  it('shows the drain: the queue, what was in it before and is left after, what went back', () => {
    // Prepare
    const answer = executed('dlq.drain', {
      mode: 'drain',
      queue: 'orders-dlq',
      dryRun: false,
      atStartApprox: 3,
      received: 3,
      redriven: 3,
      failed: 0,
      remainingApprox: 0,
      auditId: 'dlq-audit-1',
    });

    // Act
    const text = approvalSummary(answer);

    // Assess
    expect(text).toContain(`approval ${ID}: executed — dlq.drain`);
    expect(text).toContain('carried out (audit dlq-audit-1):');
    expect(text).toMatch(/queue\s+orders-dlq/);
    expect(text).toMatch(/in DLQ at start \(approx\.\)\s+3/);
    expect(text).toMatch(/redriven\s+3/);
    expect(text).toMatch(/remaining in DLQ \(approx\.\)\s+0/);
    expect(text).toContain('  undo:  none: a redriven message ran again');
  });

  it('shows the kill switch disable: the schedules turned off, its restore id and undo', () => {
    // Prepare
    const undo = `runbook schedules enable --restore-id ks-1 --reason 'undo kill switch ks-1'`;
    const answer = executed('schedules.disable', {
      ok: true,
      action: 'disable',
      dryRun: false,
      counts: { selected: 2, disabled: 2 },
      schedules: [
        { group: 'trading', name: 'daily-run', outcome: 'disabled' },
        { group: 'trading', name: 'settle', outcome: 'disabled' },
      ],
      restoreId: 'ks-1',
      undo,
      auditId: 'ks-audit-1',
    });

    // Act
    const text = approvalSummary(answer);

    // Assess
    expect(text).toContain('carried out (audit ks-audit-1):');
    expect(text).toContain('  Disable — 2 schedule(s) of trading: 2 disabled.');
    expect(text).toMatch(/trading\s+daily-run\s+disabled/);
    expect(text).toContain(`  undo:  ${undo}`);
  });

  it('shows the fleet run: each workload, the counts and the undo of the whole run', () => {
    // Prepare
    const undo = `runbook fleet undo --audit-id fleet-1 --reason 'undo fleet run fleet-1'`;
    const answer = executed('fleet.disable', {
      action: 'disable',
      dryRun: false,
      selected: 2,
      counts: { succeeded: 2, failed: 0 },
      workloads: [
        { workload: 'orders', account: '123456789012', outcome: 'succeeded', summary: '1 schedule disabled' },
        { workload: 'risk', account: '222222222222', outcome: 'succeeded', summary: '1 schedule disabled' },
      ],
      undo,
      auditId: 'fleet-1',
    });

    // Act
    const text = approvalSummary(answer);

    // Assess
    expect(text).toContain('carried out (audit fleet-1):');
    expect(text).toContain('  Fleet kill switch of 2 workload(s): 2 succeeded.');
    expect(text).toMatch(/risk\s+222222222222\s+succeeded\s+1 schedule disabled/);
    expect(text).toContain(`  undo:  ${undo}`);
  });

  it('shows the key revocation: which key, and that a revoked key has no undo', () => {
    // Prepare
    const answer = executed('secret.revoke', {
      name: 'trading-api-key',
      versionId: 'v1',
      apiKeyId: 'key-123',
      outcome: 'revoked',
      changed: true,
      dryRun: false,
      emergency: true,
      note: 'key key-123 revoked (emergency); clients still on it now fail',
      undo: null,
      auditId: 'revoke-1',
    });

    // Act
    const text = approvalSummary(answer);

    // Assess
    expect(text).toContain('carried out (audit revoke-1):');
    expect(text).toContain(
      '  trading-api-key: key key-123 revoked (emergency); clients still on it now fail',
    );
    expect(text).toContain('  undo:  none: a revoked key cannot be restored');
  });

  it("gives the carried-out action's undo the door the approval came through", () => {
    // Prepare
    const answer = executed('schedules.disable', {
      undo: "runbook schedules enable --restore-id ks-1 --reason 'undo kill switch ks-1'",
    });

    // Act
    const through = undoThrough(answer, ['--stack', 'lambda-runbook-prod']) as { result: { undo: string } };

    // Assess
    expect(through.result.undo).toBe(
      "runbook schedules enable --restore-id ks-1 --reason 'undo kill switch ks-1' --stack lambda-runbook-prod",
    );
  });
});

describe('a direct request refused for want of a signed requester, on the emulator', () => {
  it('names --as NAME beside the deployed --stack NAME', () => {
    // Prepare
    const refused = {
      ok: false,
      error: {
        code: 'Forbidden',
        message:
          'schedules.disable needs approval here (…): ask through the ops API, POST /schedules/disable (runbook schedules disable … --stack NAME), which records it as pending',
      },
    };

    // Act
    const answer = asOnEmulator(refused) as { error: { message: string } };

    // Assess
    expect(answer.error.message).toContain(
      '(runbook schedules disable … --stack NAME; on this emulator: --as NAME, a signed person)',
    );
  });

  it('leaves any other answer alone', () => {
    // Prepare
    const other = { ok: false, error: { code: 'ValidationError', message: 'reason: … --stack NAME' } };
    const done = { ok: true, disabled: 3 };

    // Act / Assess
    expect(asOnEmulator(other)).toBe(other);
    expect(asOnEmulator(done)).toBe(done);
  });
});

describe('an approval carried out off the API call, as `runbook approve` and `runbook approval` print it', () => {
  const REPLANNED = '20261128T010000000Z-0a0b0c0d';
  const base = {
    approvalId: ID,
    action: 'fleet.disable',
    target: 'fleet',
    requester: 'arn:aws:sts::123456789012:assumed-role/OnCall/alice',
    required: 2,
    approvedBy: ['bob', 'carol'],
    expiresAt: '2026-11-28T00:15:01.123Z',
  };

  it('says the run is being carried out and how to follow it, through the approver’s own door', () => {
    // Prepare: the last vote's answer (202)
    const answer = { ...base, status: 'approved', carrying: true, follow: `runbook approval ${ID}` };

    // Act
    const text = approvalSummary(heldThrough(answer, { via: 'api', stack: 'prod' }));

    // Assess
    expect(text).toContain(`approval ${ID}: approved — fleet.disable on fleet`);
    expect(text).toContain(`being carried out: follow with runbook approval ${ID} --stack prod`);
  });

  it('says it is still being carried out when the wait ends', () => {
    // Prepare
    const answer = { ...base, status: 'executing', follow: `runbook approval ${ID}`, waited: 300 };

    // Act
    const text = approvalSummary(
      heldThrough(answer, { via: 'local', emulator: false, apiDoor: true, as: 'carol' }),
    );

    // Assess
    expect(text).toContain(
      `still being carried out after 300s: follow with runbook approval ${ID} --as carol`,
    );
  });

  it('names the command that approves the request re-planning a stale one, with the reader’s door', () => {
    // Prepare: GET /approvals/{id} of a request whose plan went stale when carried out
    const answer = {
      ...base,
      status: 'stale',
      replannedAs: REPLANNED,
      approve: `runbook approve ${REPLANNED}`,
    };

    // Act
    const text = approvalSummary(
      heldThrough(answer, { via: 'local', emulator: false, apiDoor: true, as: 'bob' }),
    );

    // Assess
    expect(text).toContain(`re-planned as ${REPLANNED}`);
    expect(text).toContain(`approve it:   runbook approve ${REPLANNED} --as bob`);
  });

  it('names the command too when a vote on the stale request is refused (409 StalePlan)', () => {
    // Prepare: what voteProblem answers a vote on a stale request
    const error = new StalePlanError(
      `approval ${ID} is stale, not pending: re-planned as ${REPLANNED}, approve that one (runbook approve ${REPLANNED})`,
      REPLANNED,
    );

    // Act
    const answer = heldThrough({ ok: false, error: error.toBody() }, { via: 'api', stack: 'prod' }) as {
      error: { approve: string };
    };

    // Assess
    expect(answer.error.approve).toBe(`runbook approve ${REPLANNED} --stack prod`);
    expect(approvalSummary(answer)).toContain(`(runbook approve ${REPLANNED} --stack prod)`);
  });

  it('never says "carried out" of a run that failed: tried, and FAILED, with what its record says', () => {
    // Act
    const text = approvalSummary({
      ...base,
      status: 'failed',
      why: 'the run failed: its record fleet-9 says what it did and did not do',
      result: { action: 'disable', dryRun: false, auditId: 'fleet-9', counts: { failed: 1 }, workloads: [] },
    });

    // Assess
    expect(text).toContain('tried, and FAILED (audit fleet-9):');
    expect(text).not.toContain('carried out (audit');
  });

  it('says why a failed run failed', () => {
    // Act
    const text = approvalSummary({
      ...base,
      status: 'failed',
      why: 'PlanTooLarge: reading the plans did not finish',
    });

    // Assess
    expect(text).toContain('failed:      PlanTooLarge: reading the plans did not finish');
  });
});
