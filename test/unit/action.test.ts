import { describe, expect, it, vi } from 'vitest';
import { type Action, type ActionDeps, runAction } from '../../shared/action.js';
import type { AuditEntry } from '../../shared/audit.js';
import { fakeLedger, silentLogger } from './support/ledger.js';

// A toy action over one counter: the plan reads it, the act sets it, and every step is recorded.
interface Plan {
  dryRun: boolean;
  auditId: string;
  from: number;
  to: number;
}
type Outcome = { kind: 'same' } | { kind: 'planned' } | { kind: 'set'; value: number };
type Deps = ActionDeps & { counter: { value: number; set: (value: number) => Promise<void> } };

const counterAction: Action<Deps, { to: number; dryRun: boolean }, Plan, Outcome, object> = {
  plan: async (deps, request) => ({ ...request, auditId: 'a-1', from: deps.counter.value }),
  settled: (plan) => (plan.from === plan.to ? { kind: 'same' } : undefined),
  dryRun: () => ({ kind: 'planned' }),
  act: async (deps, plan) => {
    await deps.counter.set(plan.to);
    return { kind: 'set', value: plan.to };
  },
  entry: (step): AuditEntry => ({
    action: 'counter',
    actor: 'test',
    reason: 'a test',
    target: 'counter',
    request: {},
    before: step.plan.from,
    after: step.stage === 'failed' ? step.plan.from : step.plan.to,
    dryRun: step.plan.dryRun,
    outcome: { settled: 'unchanged', 'dry-run': 'planned', acted: 'succeeded', failed: 'failed' }[
      step.stage
    ] as never,
    correlationId: 'c-1',
  }),
  result: (step, receipt) => ({ stage: step.stage, outcome: step.outcome, ...receipt }),
  metrics: (step, elapsedMs) => [
    { name: 'Counter', unit: 'Count', value: step.stage === 'acted' ? 1 : 0 },
    { name: 'CounterMs', unit: 'Milliseconds', value: elapsedMs },
  ],
};

function deps(value = 1, set = vi.fn(async () => undefined)) {
  const ledger = fakeLedger();
  const metrics = { addMetric: vi.fn() };
  const logger = silentLogger();
  return { ledger, metrics, logger, set, deps: { ledger, metrics, logger, counter: { value, set } } };
}

describe('runAction', () => {
  it('acts on a difference, then records it, emits the metrics and answers with the outcome', async () => {
    // Prepare
    const d = deps(1);

    // Act
    const result = await runAction(counterAction, d.deps, { to: 2, dryRun: false });

    // Assess
    expect(d.set).toHaveBeenCalledWith(2);
    expect(result).toEqual({ stage: 'acted', outcome: { kind: 'set', value: 2 }, notified: true });
    expect(d.ledger.records).toEqual([expect.objectContaining({ outcome: 'succeeded', auditId: 'a-1' })]);
    expect(d.metrics.addMetric).toHaveBeenCalledWith('Counter', 'Count', 1);
    expect(d.metrics.addMetric).toHaveBeenCalledWith('CounterMs', 'Milliseconds', expect.any(Number));
  });

  it('answers a dry run from the plan alone: recorded as planned, nothing acted', async () => {
    // Prepare
    const d = deps(1);

    // Act
    const result = await runAction(counterAction, d.deps, { to: 2, dryRun: true });

    // Assess
    expect(d.set).not.toHaveBeenCalled();
    expect(result).toMatchObject({ stage: 'dry-run', outcome: { kind: 'planned' } });
    expect(d.ledger.records.map((record) => record.outcome)).toEqual(['planned']);
  });

  it('records a settled plan without acting, even when a dry run was asked', async () => {
    // Prepare
    const d = deps(2);

    // Act
    const result = await runAction(counterAction, d.deps, { to: 2, dryRun: true });

    // Assess
    expect(d.set).not.toHaveBeenCalled();
    expect(result).toMatchObject({ stage: 'settled', outcome: { kind: 'same' } });
    expect(d.ledger.records.map((record) => record.outcome)).toEqual(['unchanged']);
  });

  it('records a failed act as failed and throws its error, not the recording’s', async () => {
    // Prepare
    const failure = new Error('throttled');
    const d = deps(
      1,
      vi.fn(async () => Promise.reject(failure)),
    );
    d.ledger.record.mockRejectedValueOnce(new Error('ledger down'));

    // Act
    const attempt = runAction(counterAction, d.deps, { to: 2, dryRun: false });

    // Assess
    await expect(attempt).rejects.toBe(failure);
    expect(d.ledger.record).toHaveBeenCalledWith(expect.objectContaining({ outcome: 'failed' }), 'a-1');
    expect(d.logger.warn).toHaveBeenCalledWith('could not record the failed attempt', expect.anything());
    expect(d.metrics.addMetric).not.toHaveBeenCalled();
  });

  it('never fails after acting: a record that cannot be written is stated in the answer, not thrown', async () => {
    // Prepare
    const d = deps(1);
    d.ledger.record.mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));

    // Act
    const result = await runAction(counterAction, d.deps, { to: 2, dryRun: false });

    // Assess
    expect(d.set).toHaveBeenCalledWith(2);
    expect(result).toEqual({
      stage: 'acted',
      outcome: { kind: 'set', value: 2 },
      notified: false,
      unrecorded: 'the change was made but not recorded: ProvisionedThroughputExceededException',
    });
    expect(d.metrics.addMetric).toHaveBeenCalledWith('Counter', 'Count', 1);
    expect(d.logger.warn).toHaveBeenCalledWith(
      'acted, but the audit record could not be written',
      expect.anything(),
    );
  });

  it.each([
    ['a dry run', 1, true],
    ['a settled plan', 2, false],
  ])(
    'fails %s whose record cannot be written: nothing was acted, so the caller may retry',
    async (_case, value, dryRun) => {
      // Prepare
      const d = deps(value);
      d.ledger.record.mockRejectedValueOnce(new Error('ledger down'));

      // Act
      const attempt = runAction(counterAction, d.deps, { to: 2, dryRun });

      // Assess
      await expect(attempt).rejects.toThrow('ledger down');
      expect(d.set).not.toHaveBeenCalled();
    },
  );

  it('lets a plan’s error through untouched, with nothing recorded', async () => {
    // Prepare
    const d = deps(1);
    const refused = new Error('no such counter');
    const action = { ...counterAction, plan: async () => Promise.reject(refused) };

    // Act
    const attempt = runAction(action, d.deps, { to: 2, dryRun: false });

    // Assess
    await expect(attempt).rejects.toBe(refused);
    expect(d.ledger.record).not.toHaveBeenCalled();
  });

  it('writes several records of one step in order, the first under the plan’s auditId', async () => {
    // Prepare: an action whose acted step leaves its record and a second one (a kill switch closing).
    const d = deps(1);
    const action = {
      ...counterAction,
      entry: (step: Parameters<typeof counterAction.entry>[0]) => {
        const first = counterAction.entry(step) as AuditEntry;
        return step.stage === 'acted' ? [first, { ...first, action: 'counter.closed' }] : first;
      },
    };

    // Act
    const result = await runAction(action, d.deps, { to: 2, dryRun: false });

    // Assess
    expect(d.ledger.records.map((r) => r.action)).toEqual(['counter', 'counter.closed']);
    expect(d.ledger.record.mock.calls.map((call) => call[1])).toEqual(['a-1', undefined]);
    expect(result).toMatchObject({ stage: 'acted', notified: true });
  });
});
