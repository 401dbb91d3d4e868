// A fleet run's record and answer: bounded whatever the fleet's size, failures first, one undo for the whole
// only when something changed.
import { describe, expect, it } from 'vitest';
import { FLEET_TARGET, fleetEntry, fleetResult, MAX_LISTED } from '../../functions/fleet/record.js';
import { fleetRequestSchema } from '../../functions/fleet/schema.js';
import type { WorkloadResult } from '../../functions/fleet/types.js';
import { parseInput } from '../../shared/validate.js';

const request = parseInput(fleetRequestSchema, { action: 'rollback', all: true, reason: 'bad layer' });
const origin = { door: 'api' as const, actor: 'arn:aws:iam::123456789012:user/oncall', correlationId: 'c-1' };
const line = (n: number, outcome: WorkloadResult['outcome']): WorkloadResult => ({
  workload: `w${n}`,
  account: 'self',
  outcome,
  summary: outcome,
  ...(outcome === 'succeeded' ? { restore: { kind: 'rollback' as const, toVersion: '7' } } : {}),
  ...(outcome === 'failed' ? { error: { code: 'AccessDenied', message: 'denied' } } : {}),
});

describe('fleet record and answer', () => {
  it('lists failures first and at most MAX_LISTED lines, saying how many were left out', () => {
    const results = [
      ...Array.from({ length: 250 }, (_, n) => line(n, 'succeeded')),
      line(250, 'failed'),
      line(251, 'skipped'),
    ];

    const answer = fleetResult(request, 'A1', results, { notified: true });

    expect(answer.workloads).toHaveLength(MAX_LISTED);
    expect(answer.workloads.slice(0, 2).map((item) => item.outcome)).toEqual(['failed', 'skipped']);
    expect(answer.omitted).toBe(252 - MAX_LISTED);
    expect(answer.counts).toEqual({ succeeded: 250, unchanged: 0, planned: 0, failed: 1, skipped: 1 });
    expect(answer.undo).toBe("runbook fleet undo --audit-id A1 --reason 'undo fleet run A1'");
  });

  it('keeps every line in the record, which the ledger pages when long', () => {
    const results = Array.from({ length: 1200 }, (_, n) => line(n, n % 2 ? 'succeeded' : 'unchanged'));

    const entry = fleetEntry({ request, origin, auditId: 'A2', results });

    expect(entry).toMatchObject({
      action: 'fleet.rollback',
      target: FLEET_TARGET,
      actor: origin.actor,
      outcome: 'succeeded',
      after: { succeeded: 600, unchanged: 600 },
      undo: "runbook fleet undo --audit-id A2 --reason 'undo fleet run A2'",
    });
    expect((entry.details as { workloads: unknown[] }).workloads).toHaveLength(1200);
  });

  it('offers no undo when nothing changed, and records a run where everything failed as failed', () => {
    const failed = fleetEntry({
      request,
      origin,
      auditId: 'A3',
      results: [line(1, 'failed'), line(2, 'unchanged')],
    });
    const answer = fleetResult(request, 'A3', [line(1, 'failed')], {
      notified: false,
      unrecorded: 'no table',
    });

    expect(failed.outcome).toBe('failed');
    expect(failed.undo).toBeUndefined();
    expect(answer).toMatchObject({ undo: null, unrecorded: 'no table', notified: false });
  });
});
